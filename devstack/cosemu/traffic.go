package cosemu

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// COS throttles one request to x-cos-traffic-limit bits per second, given
// as a header, a query parameter or (POST Object) a form field, on PUT
// Object, POST Object, GET Object and Upload Part; a value outside
// 819200–838860800 is refused with 400
// (https://cloud.tencent.com/document/product/436/40140). The emulator
// paces the body by sleeping, so a client's pause and resume can be tried
// against a slow transfer; it is approximate, not a shaper.
const (
	minTrafficLimit = 819200
	maxTrafficLimit = 838860800
)

var errTrafficLimit = errInvalidArgument.with(
	"x-cos-traffic-limit must be a number of bits per second from 819200 to 838860800.")

// trafficLimit reads a request's limit in bytes per second: 0 when none
// was asked for.
func trafficLimit(v string) (int64, *apiError) {
	if v == "" {
		return 0, nil
	}
	bits, err := strconv.ParseInt(v, 10, 64)
	if err != nil || bits < minTrafficLimit || bits > maxTrafficLimit {
		return 0, errTrafficLimit
	}
	return bits / 8, nil
}

// requestTrafficLimit is trafficLimit of the header, else of the query.
func requestTrafficLimit(r *http.Request, rc *reqContext) (int64, *apiError) {
	v := r.Header.Get("x-cos-traffic-limit")
	if v == "" {
		v = rc.query.Get("x-cos-traffic-limit")
	}
	return trafficLimit(v)
}

// pacer holds a transfer to rate bytes per second since it began.
type pacer struct {
	ctx   context.Context
	rate  int64
	start time.Time
	done  int64
}

func newPacer(ctx context.Context, rate int64) *pacer {
	return &pacer{ctx: ctx, rate: rate, start: time.Now()}
}

// account records n more bytes and sleeps until they are due; it returns
// the context's error when the client went away meanwhile.
func (p *pacer) account(n int) error {
	p.done += int64(n)
	due := p.start.Add(time.Duration(float64(p.done) / float64(p.rate) * float64(time.Second)))
	wait := time.Until(due)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// chunk is how much a paced transfer moves between sleeps: a tenth of a
// second's worth, so progress events arrive steadily.
func (p *pacer) chunk() int { return int(max(p.rate/10, 1)) }

// pacedReader paces an upload's body.
type pacedReader struct {
	r io.Reader
	p *pacer
}

func (pr *pacedReader) Read(b []byte) (int, error) {
	if len(b) > pr.p.chunk() {
		b = b[:pr.p.chunk()]
	}
	n, err := pr.r.Read(b)
	if perr := pr.p.account(n); perr != nil && err == nil {
		err = perr
	}
	return n, err
}

// pacedWriter paces a download.
type pacedWriter struct {
	http.ResponseWriter
	p *pacer
}

func (pw *pacedWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		n := min(len(b), pw.p.chunk())
		m, err := pw.ResponseWriter.Write(b[:n])
		written += m
		if err != nil {
			return written, err
		}
		if f, ok := pw.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		if err := pw.p.account(m); err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

// paceBody wraps an upload's body when rate > 0.
func paceBody(r *http.Request, body io.Reader, rate int64) io.Reader {
	if rate <= 0 {
		return body
	}
	return &pacedReader{r: body, p: newPacer(r.Context(), rate)}
}

// paceWriter wraps a download's writer when rate > 0.
func paceWriter(w http.ResponseWriter, r *http.Request, rate int64) http.ResponseWriter {
	if rate <= 0 {
		return w
	}
	return &pacedWriter{ResponseWriter: w, p: newPacer(r.Context(), rate)}
}
