// Command cosgate-deploy creates or updates cosgate's Tencent SCF web
// functions and their function URLs (make deploy-scf); see deploy/scfdeploy.
package main

import (
	"os"

	"cosgate/deploy/scfdeploy"
)

func main() { os.Exit(scfdeploy.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) }
