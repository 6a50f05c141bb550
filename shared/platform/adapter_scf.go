//go:build !noscfevent

package platform

import "cosgate/shared/platform/scf"

func init() { startSCFEvent = scf.Start }
