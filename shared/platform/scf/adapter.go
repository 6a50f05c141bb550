package scf

import (
	"context"
	"net/http"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"cosgate/shared/platform/eventhttp"
)

// Adapter is a scf-go-lib handler serving API Gateway events with an
// http.Handler. It always answers with an integrated response, never a Go
// error: the gateway would show an error payload to the caller as a 200.
type Adapter struct {
	Handler http.Handler
}

// Invoke implements cloudfunction.Handler.
func (a Adapter) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	requestID := ""
	if fc, ok := functioncontext.FromContext(ctx); ok {
		requestID = fc.RequestID
	}
	ev, err := ParseEvent(payload)
	if err != nil {
		return AppendReply(nil, eventhttp.BadEvent(ctx, requestID, "the event is not an API Gateway request")), nil
	}
	if requestID == "" {
		requestID = ev.RequestID
	}
	x, err := ev.Request()
	if err != nil {
		return AppendReply(nil, eventhttp.BadEvent(ctx, requestID, err.Error())), nil
	}
	x.RequestID = requestID
	rec := eventhttp.Serve(a.Handler, x.HTTP(ctx))
	return AppendReply(make([]byte, 0, 256+rec.Body.Len()*2), rec), nil
}

// Start serves h over scf-go-lib's runtime; it never returns.
func Start(h http.Handler) {
	cloudfunction.StartHandler(Adapter{Handler: h})
}
