package scf

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"cosgate/shared/platform/eventhttp"
)

// Adapter is a scf-go-lib handler serving function-URL and API Gateway events with an
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
		why := "the event is not an HTTP request from a function URL or API Gateway"
		if errors.Is(err, eventhttp.ErrRepeatedKey) {
			why = err.Error()
		}
		return marshalReply(eventhttp.BadEvent(ctx, requestID, why))
	}
	if requestID == "" {
		requestID = ev.RequestContext.RequestID
	}
	x, err := ev.Request()
	if err != nil {
		return marshalReply(eventhttp.BadEvent(ctx, requestID, err.Error()))
	}
	x.RequestID = requestID
	return marshalReply(eventhttp.Serve(a.Handler, x.HTTP(ctx)))
}

func marshalReply(rec *eventhttp.Recorder) ([]byte, error) {
	return json.Marshal(NewReply(rec))
}

// Start serves h over scf-go-lib's runtime; it never returns.
func Start(h http.Handler) {
	cloudfunction.StartHandler(Adapter{Handler: h})
}
