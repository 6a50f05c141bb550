package scfdeploy

import (
	"fmt"

	"cosgate/deploy/scfweb"
)

// checkFunction is what Deploy checks of a function before any call.
func checkFunction(f Function) error {
	if err := scfweb.Check(f.Zip); err != nil {
		return fmt.Errorf("%s: the zip is not a web function SCF can start: %w", f.Key, err)
	}
	if err := CheckEnv(f.Env); err != nil {
		return fmt.Errorf("%s: %w", f.Key, err)
	}
	return nil
}
