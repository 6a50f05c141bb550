// Command download is the cosgate download function; see README.md.
package main

import (
	"cosgate/functions/download/downloadapi"
	"cosgate/shared/platform"
)

func main() { platform.Run("download", downloadapi.Build) }
