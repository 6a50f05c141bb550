// Command download is the cosgate download function; see README.md.
package main

import (
	"cosgate/functions/download/downloadapi"
	"cosgate/shared/platform"
	_ "cosgate/shared/prefault"
)

func main() { platform.Run("download", downloadapi.Build) }
