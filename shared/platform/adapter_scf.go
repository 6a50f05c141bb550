//go:build !noscfevent

package platform

import (
	"net/http"

	"cosgate/shared/platform/scf"
)

// hasSCFEvent: this binary carries the SCF event-function adapter.
const hasSCFEvent = true

func startSCFEvent(h http.Handler) { scf.Start(h) }
