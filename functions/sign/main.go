// Command sign is the cosgate sign function; see README.md.
package main

import (
	"cosgate/functions/sign/signapi"
	"cosgate/shared/platform"
	_ "cosgate/shared/prefault"
)

func main() { platform.Run("sign", signapi.Build) }
