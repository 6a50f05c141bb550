//go:build noawslambda

package platform

import "net/http"

// hasAWSLambda: built without the AWS Lambda adapter (noawslambda).
const hasAWSLambda = false

func startAWSLambda(http.Handler) {}
