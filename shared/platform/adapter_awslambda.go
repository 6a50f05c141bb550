//go:build !noawslambda

package platform

import (
	"net/http"

	"cosgate/shared/platform/awslambda"
)

// hasAWSLambda: this binary carries the AWS Lambda adapter.
const hasAWSLambda = true

func startAWSLambda(h http.Handler) { awslambda.Start(h) }
