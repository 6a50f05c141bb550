package platform

import "fmt"

// The event adapters are linked in unless a build tag leaves them out, so
// that each zip carries only what its platform runs (the Makefile's
// flavours):
//
//	noscfevent   drops the SCF event-function adapter (scf-go-lib, and with it
//	             net/rpc, encoding/gob, html/template): the web-function and
//	             AWS binaries
//	noawslambda  drops the AWS Lambda adapter (aws-lambda-go): the SCF binaries
//
// A plain go build or go test has both. A binary started on a platform
// whose adapter it lacks stops at start-up (missingAdapter).

// startSCFEvent and startAWSLambda serve h until the process ends; each
// is defined by adapter_<name>.go, or by adapter_<name>_none.go as a no-op
// with has<Name> false when its tag leaves the adapter out.

// missingAdapter is why a binary built without kind's adapter cannot run
// there, and which zip to deploy instead.
func missingAdapter(function string, kind Kind) error {
	switch kind {
	case SCFEvent:
		return fmt.Errorf("this binary was built without the SCF event-function adapter (scf-go-lib, build tag noscfevent); "+
			"deploy dist/scf/%[1]s.zip for an event function, or dist/scf-web/%[1]s.zip as a web function", function)
	case AWSLambda:
		return fmt.Errorf("this binary was built without the AWS Lambda adapter (aws-lambda-go, build tag noawslambda); "+
			"deploy dist/aws/%s.zip on AWS Lambda", function)
	}
	return nil
}
