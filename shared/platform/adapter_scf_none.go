//go:build noscfevent

package platform

import "net/http"

// hasSCFEvent: built without the SCF event-function adapter (noscfevent).
const hasSCFEvent = false

func startSCFEvent(http.Handler) {}
