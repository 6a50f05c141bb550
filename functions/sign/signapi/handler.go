package signapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/gate"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
)

// Handler serves POST /sign.
type Handler struct {
	Auth          identity.Authenticator
	Prefix        identity.Template // where the caller writes (STS_ALLOW_PREFIX without its *)
	Reads         identity.Prefixes // what the caller reads (DOWNLOAD_ALLOW_PREFIXES)
	Actions       []string          // the grant: name/cos:… actions of STS_ALLOW_ACTIONS
	Types         contenttype.Table // allowed extensions and their types (UPLOAD_ALLOWED_EXT)
	MaxBytes      int64             // one object, single or multipart
	Expires       time.Duration
	MultipartLife time.Duration
	Bucket        string
	Region        string
	Keys          *SignKeys
	Guard         *limits.Guard
	Now           func() time.Time
}

// Request is the body of POST /sign: the options the SDKs' getAuthorization
// receives, sent as they are (JSON.stringify(options)).
type Request struct {
	Bucket            string         `json:"Bucket"`
	Region            string         `json:"Region"`
	Method            string         `json:"Method"`
	Key               string         `json:"Key"`
	Pathname          string         `json:"Pathname"`
	Query             map[string]any `json:"Query"`
	Headers           map[string]any `json:"Headers"`
	Scope             any            `json:"Scope"`             // read by the SDK's own cache; ignored
	SystemClockOffset any            `json:"SystemClockOffset"` // the device's clock; ignored: the server's rules
	ForceSignHost     any            `json:"ForceSignHost"`     // ignored: whatever Host came is signed
}

// Response is what the SDKs' getAuthorization callback takes as it is:
// Authorization, and the session token under both names the SDKs read
// (SecurityToken; XCosSecurityToken in older ones).
type Response struct {
	Authorization     string `json:"Authorization"`
	SecurityToken     string `json:"SecurityToken"`
	XCosSecurityToken string `json:"XCosSecurityToken"`
	StartTime         int64  `json:"StartTime"`
	ExpiredTime       int64  `json:"ExpiredTime"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { httpapi.Serve(w, r, h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	caller, err := gate.Admit(r, h.Auth, h.Guard, "sign")
	if err != nil {
		return err
	}
	var req Request
	present, err := httpapi.DecodeJSON(r, &req)
	if err == nil && !present {
		err = apierr.New(apierr.InvalidRequest, "send the options getAuthorization received: JSON.stringify(options)")
	}
	if err != nil {
		return err
	}
	op, err := h.plan(caller, req)
	if err != nil {
		return httpapi.Refused(err, caller.UID, "sign", slog.String("op", op.action), slog.String("key", op.key))
	}
	if err := h.charge(r, caller, op); err != nil {
		return httpapi.Refused(err, caller.UID, "sign", slog.String("op", op.action), slog.String("key", op.key))
	}
	creds, keyEnd, err := h.Keys.For(r.Context(), caller, h.Prefix.For(caller), h.Reads.For(caller), h.Actions, h.MaxBytes)
	if err != nil {
		return err
	}
	now := h.Now()
	window := cossign.NewWindow(now, cossign.Backdate, h.Expires)
	if keyEnd != 0 && keyEnd < window.End {
		window.End = keyEnd // a signature never outlives the key that made it
	}
	signed := cossign.Sign(creds.SecretID, creds.SecretKey, op.request, window)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, Response{
		Authorization:     signed.Authorization.String(),
		SecurityToken:     creds.SessionToken,
		XCosSecurityToken: creds.SessionToken,
		StartTime:         now.Unix(),
		ExpiredTime:       window.End,
	})
	attrs := []slog.Attr{slog.String("op", op.action), slog.String("key", op.key)}
	if op.size >= 0 {
		attrs = append(attrs, slog.Int64("bytes", op.size))
	}
	httpapi.AddLogAttrs(r.Context(), append(attrs, slog.Int64("expired_time", window.End))...)
	httpapi.Audit(r, append([]slog.Attr{slog.String("uid", caller.UID), slog.String("action", "sign:"+op.action),
		slog.String("expires", time.Unix(window.End, 0).UTC().Format(time.RFC3339)), slog.String("decision", "allow")},
		attrs...)...)
	return nil
}

// charge records and charges what the signed request may add: a single
// upload's size to the daily quota; a multipart upload's start, and each
// part's size to the upload's running total and the quota.
func (h *Handler) charge(r *http.Request, c identity.Caller, op operation) error {
	ctx := r.Context()
	switch op.action {
	case "PutObject":
		return h.Guard.Upload(ctx, c.UID, op.size)
	case "InitiateMultipartUpload":
		return h.Guard.Initiate(ctx, c.UID, op.key, h.MultipartLife)
	case "UploadPart":
		return h.Guard.Part(ctx, c.UID, op.key, op.uploadID, op.part, op.size, h.MaxBytes, h.MultipartLife)
	case "ListParts", "CompleteMultipartUpload", "AbortMultipartUpload":
		return h.Guard.Continues(ctx, c.UID, op.key, op.uploadID, h.MultipartLife)
	case "GetObject", "HeadObject":
		return h.Guard.ObjectAllowed(ctx, op.key) // withdrawn objects (cosgate-admin revoke-key), as /download
	}
	return nil
}

// scalar renders a JSON value the SDKs put in Query or Headers (a string,
// or a number such as partNumber or Content-Length) as its text.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// pairs turns a Query or Headers object into signed pairs, names as given.
func pairs(what string, m map[string]any) ([]cossign.Pair, error) {
	out := make([]cossign.Pair, 0, len(m))
	for name, v := range m {
		if v == nil {
			continue // null: not sent
		}
		s, ok := scalar(v)
		if !ok {
			return nil, apierr.New(apierr.InvalidRequest, "%s %.60q must be a string or a number", what, name)
		}
		if s == "" && what == "header" {
			continue // the SDKs drop empty headers before signing
		}
		out = append(out, cossign.Pair{Name: name, Value: s})
	}
	slices.SortFunc(out, func(a, b cossign.Pair) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
