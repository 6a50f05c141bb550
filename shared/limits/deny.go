package limits

import (
	"log/slog"
	"net/http"

	"cosgate/shared/httpapi"
)

// Deny answers a refusal by a limit or a revocation, and writes its audit
// line: who, what was asked, and why not.
func Deny(w http.ResponseWriter, r *http.Request, uid, action string, err error, attrs ...slog.Attr) {
	e := httpapi.Classify(err)
	httpapi.Audit(r, append([]slog.Attr{slog.String("uid", uid), slog.String("action", action),
		slog.String("decision", "deny"), slog.String("reason", e.Code)}, attrs...)...)
	httpapi.WriteError(w, r, e)
}
