// Command presign is the cosgate presign function; see README.md.
package main

import (
	"cosgate/functions/presign/presignapi"
	"cosgate/shared/platform"
	_ "cosgate/shared/prefault"
)

func main() { platform.Run("presign", presignapi.Build) }
