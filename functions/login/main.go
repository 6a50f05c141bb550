// Command login is the cosgate login function; see README.md.
package main

import (
	"cosgate/functions/login/loginapi"
	"cosgate/shared/platform"
	_ "cosgate/shared/prefault"
)

func main() { platform.Run("login", loginapi.Build) }
