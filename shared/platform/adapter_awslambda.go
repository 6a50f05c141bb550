//go:build !noawslambda

package platform

import "cosgate/shared/platform/awslambda"

func init() { startAWSLambda = awslambda.Start }
