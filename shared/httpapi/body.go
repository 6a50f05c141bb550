package httpapi

import (
	"errors"
	"io"
	"net/http"

	"cosgate/shared/apierr"
)

// bodyError is a failure to read the request body itself: net/http's
// chunked reader refusing the framing ("malformed chunked encoding"), a
// body cut short (io.ErrUnexpectedEOF), a client gone mid-upload, a read
// timeout. It is the request that is broken, so it answers 400
// InvalidRequest and logs no ERROR. The tag is put on at the body, rather
// than recognised by error text in Classify, because the same errors
// (io.ErrUnexpectedEOF above all) from an upstream's response are ours.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// asBodyError tags err, a read error of a request body, unless it is the
// body limit's MaxBytesError (413) or already tagged.
func asBodyError(err error) error {
	var tooBig *http.MaxBytesError
	var tagged *bodyError
	if err == nil || err == io.EOF || errors.As(err, &tooBig) || errors.As(err, &tagged) {
		return err
	}
	return &bodyError{err: err}
}

// bodyReader tags the read errors of a request body for Classify, so a
// handler that reads r.Body itself gets the same 400 as DecodeJSON.
type bodyReader struct{ io.ReadCloser }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	return n, asBodyError(err)
}

// classifyBody is Classify's case for a bodyError.
func classifyBody(e *bodyError) *apierr.Error {
	return apierr.Wrap(apierr.InvalidRequest, e, "the request body could not be read: its framing is broken or it ended early")
}
