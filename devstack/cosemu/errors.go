package cosemu

import (
	"cosgate/devstack/trace"
	"encoding/xml"
	"net/http"
	"time"
)

// apiError is a COS error answer: the HTTP status, the code and message
// clients branch on, and the extras some codes carry.
type apiError struct {
	Status  int
	Code    string
	Message string
	// On SignatureDoesNotMatch COS shows its side of the computation so a
	// client can find what it signed differently.
	StringToSign, FormatString string
	// ServerTime is set on clock errors; the JS SDKs correct their clock
	// from it (or from the Date header).
	ServerTime bool
	// reason is the decision behind the answer, for the local console.
	reason *trace.Reason
}

// because returns a copy of e that carries the decision behind it.
func (e *apiError) because(r *trace.Reason) *apiError {
	c := *e
	c.reason = r
	return &c
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// The errors the emulator answers. Messages follow the COS documentation
// and observed answers where they are known; the rest are marked guessed in
// the README.
var (
	errSignatureEmpty = &apiError{
		Status:     403,
		Code:       "AccessDenied",
		Message:    "Check auth failure because signature empty.",
		ServerTime: true,
	}
	errRequestExpired = &apiError{Status: 403, Code: "AccessDenied", Message: "Request has expired", ServerTime: true}
	errTooSkewed      = &apiError{
		Status:     403,
		Code:       "RequestTimeTooSkewed",
		Message:    "The difference between the request time and the server's time is too large.",
		ServerTime: true,
	}
	errUnknownKey   = &apiError{Status: 403, Code: "InvalidAccessKeyId", Message: "SecretID does not exist"}
	errTokenMissing = &apiError{
		Status:  403,
		Code:    "InvalidAccessKeyId",
		Message: "A temporary SecretId must come with its x-cos-security-token",
	}
	errTokenMismatch = &apiError{
		Status:  403,
		Code:    "InvalidAccessKeyId",
		Message: "The x-cos-security-token does not belong to this SecretId",
	}
	errExpiredToken = &apiError{Status: 400, Code: "ExpiredToken", Message: "The provided token has expired."}
	errDenied       = &apiError{Status: 403, Code: "AccessDenied", Message: "Access Denied."}
	errNoSuchKey    = &apiError{Status: 404, Code: "NoSuchKey", Message: "The specified key does not exist."}
	errNoSuchUpload = &apiError{
		Status:  404,
		Code:    "NoSuchUpload",
		Message: "The specified multipart upload does not exist.",
	}
	errExists = &apiError{
		Status:  409,
		Code:    "FileAlreadyExists",
		Message: "The object already exists and x-cos-forbid-overwrite is true.",
	}
	errIncompleteBody = &apiError{
		Status:  400,
		Code:    "IncompleteBody",
		Message: "You did not provide the number of bytes specified by the Content-Length HTTP header.",
	}
	errBadDigest = &apiError{
		Status:  400,
		Code:    "BadDigest",
		Message: "The Content-MD5 you specified did not match what was received.",
	}
	errInvalidDigest = &apiError{
		Status:  400,
		Code:    "InvalidDigest",
		Message: "The Content-MD5 you specified is not valid.",
	}
	errTooLarge = &apiError{
		Status:  400,
		Code:    "EntityTooLarge",
		Message: "Your proposed upload exceeds the maximum allowed object size.",
	}
	errMetaTooLarge = &apiError{
		Status:  400,
		Code:    "MetadataTooLarge",
		Message: "Your metadata headers exceed the maximum allowed metadata size.",
	}
	errKeyTooLong    = &apiError{Status: 400, Code: "KeyTooLong", Message: "The object key is too long."}
	errObjectName    = &apiError{Status: 400, Code: "InvalidObjectName", Message: "The object name is invalid."}
	errMalformedPOST = &apiError{
		Status:  400,
		Code:    "MalformedPOSTRequest",
		Message: "The body of your POST request is not well-formed multipart/form-data.",
	}
	errNoFile = &apiError{
		Status:  400,
		Code:    "IncorrectNumberOfFilesInPostRequest",
		Message: "POST requires exactly one file upload per request.",
	}
	errMalformedXML = &apiError{
		Status:  400,
		Code:    "MalformedXML",
		Message: "The XML you provided was not well-formed or did not validate against our published schema.",
	}
	errInvalidPart = &apiError{
		Status:  400,
		Code:    "InvalidPart",
		Message: "One or more of the specified parts could not be found.",
	}
	errInvalidPartOrder = &apiError{
		Status:  400,
		Code:    "InvalidPartOrder",
		Message: "The list of parts was not in ascending order.",
	}
	errPartTooSmall = &apiError{
		Status:  400,
		Code:    "EntityTooSmall",
		Message: "Your proposed upload is smaller than the minimum allowed object size.",
	}
	errInvalidArgument = &apiError{Status: 400, Code: "InvalidArgument", Message: "Invalid argument."}
	errNoSuchBucket    = &apiError{Status: 404, Code: "NoSuchBucket", Message: "The specified bucket does not exist."}
	errNotImplemented  = &apiError{
		Status:  501,
		Code:    "NotImplemented",
		Message: "The local COS emulator does not implement this operation.",
	}
	errMethod = &apiError{
		Status:  405,
		Code:    "MethodNotAllowed",
		Message: "The specified method is not allowed against this resource.",
	}
	errInternal = &apiError{
		Status:  500,
		Code:    "InternalError",
		Message: "We encountered an internal error. Please try again.",
	}
)

// with returns a copy of e with another message.
func (e *apiError) with(msg string) *apiError {
	c := *e
	c.Message = msg
	return &c
}

type errorBody struct {
	XMLName      xml.Name `xml:"Error"`
	Code         string
	Message      string
	Resource     string
	RequestID    string `xml:"RequestId"`
	TraceID      string `xml:"TraceId"`
	ServerTime   string `xml:",omitempty"`
	StringToSign string `xml:",omitempty"`
	FormatString string `xml:",omitempty"`
}

// xmlHeader is COS's declaration, single quotes and all.
const xmlHeader = "<?xml version='1.0' encoding='utf-8' ?>\n"

// writeError answers e as COS does: an XML <Error> body, except for HEAD,
// whose errors are the status and headers alone.
func writeError(w http.ResponseWriter, r *http.Request, rc *reqContext, e *apiError) {
	rc.code = e.Code
	rc.reason = e.reason
	if rc.reason == nil && e.Status < 500 {
		rc.reason = &trace.Reason{Kind: trace.KindRequest, Detail: e.Message}
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-cos-error-code", e.Code)
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	b := errorBody{
		Code:         e.Code,
		Message:      e.Message,
		Resource:     r.Host + r.URL.Path,
		RequestID:    rc.id,
		TraceID:      rc.trace,
		StringToSign: e.StringToSign,
		FormatString: e.FormatString,
	}
	if e.ServerTime {
		b.ServerTime = rc.now.UTC().Format(time.RFC3339)
	}
	writeXML(w, e.Status, b)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.MarshalIndent(v, "", "\t")
	if err != nil {
		status, out = 500, []byte("<Error><Code>InternalError</Code></Error>")
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(xmlHeader))
	w.Write(out)
}
