// Command sts is the cosgate sts function; see README.md.
package main

import (
	"cosgate/functions/sts/stsapi"
	"cosgate/shared/platform"
	_ "cosgate/shared/prefault"
)

func main() { platform.Run("sts", stsapi.Build) }
