package httpapi

import "net/http"

// DiscardWriter is a ResponseWriter that keeps the status and drops the
// body: for benchmarks that measure a handler and not a recorder (which
// copies headers and buffers the body as no server does).
type DiscardWriter struct {
	Status int
	Bytes  int
	header http.Header
}

// Reset readies the writer for another request.
func (d *DiscardWriter) Reset() {
	d.Status, d.Bytes = 0, 0
	clear(d.header)
}

func (d *DiscardWriter) Header() http.Header {
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}

func (d *DiscardWriter) WriteHeader(code int) {
	if d.Status == 0 {
		d.Status = code
	}
}

func (d *DiscardWriter) Write(b []byte) (int, error) {
	if d.Status == 0 {
		d.Status = http.StatusOK
	}
	d.Bytes += len(b)
	return len(b), nil
}
