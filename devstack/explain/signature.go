package explain

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"cosgate/devstack/trace"
	"cosgate/shared/cossign"
)

// signedRequest is what is known about a signature and the request it was
// checked against.
type signedRequest struct {
	a   cossign.Authorization
	req cossign.Request // the request given (what COS received filling the gaps)
	r   request
	// serverFS is COS's FormatString: the request as COS received it.
	serverFS string
	key      string // the SecretKey given, if any
	mismatch bool   // COS answered SignatureDoesNotMatch
	// signed is req signed under key by the signing call the functions
	// use, so the FormatString and StringToSign shown are the ones a
	// signature is computed over. They do not depend on the key; the
	// Signature means something only when key is given.
	signed cossign.Signed
}

func newSignedRequest(a cossign.Authorization, req cossign.Request, r request, serverFS, key string, mismatch bool) signedRequest {
	s := signedRequest{a: a, req: req, r: r, serverFS: serverFS, key: key, mismatch: mismatch}
	s.signed = s.sign(req)
	return s
}

// diff is the first difference between the request given and the one COS
// received; nil when they are the same or COS's is not known. Session
// tokens are compared masked, as the emulator records them.
func (s signedRequest) diff() *Diff {
	if s.serverFS == "" {
		return nil
	}
	return firstDifference(trace.MaskTokens(s.signed.FormatString), trace.MaskTokens(s.serverFS))
}

// sign signs rq as the signature says it was signed (its SecretId and key
// time), under the SecretKey given.
func (s signedRequest) sign(rq cossign.Request) cossign.Signed {
	return cossign.Sign(s.a.SecretID, s.key, rq, s.a.KeyTime)
}

// matches reports whether a signature computed under the SecretKey given
// is the one the request carries.
func (s signedRequest) matches(c cossign.Signed) bool {
	return s.key != "" && c.Signature == s.a.Signature
}

// thisRequest shows the two strings the request given is signed over.
func (rep *Report) thisRequest(s signedRequest) {
	rep.fact("FormatString (this request)", "%q", trace.MaskTokens(s.signed.FormatString))
	rep.fact("StringToSign (this request)", "%q", s.signed.StringToSign)
}

// received is the request COS received, read back from its FormatString
// (with the session token the request carried where the emulator masked
// it); ok is false when it does not read back exactly.
func (s signedRequest) received() (cossign.Request, bool) {
	if s.serverFS == "" {
		return cossign.Request{}, false
	}
	fs := s.serverFS
	if tok := s.r.in.Query.Get(cossign.TokenParam); tok != "" {
		fs = strings.Replace(fs, cossign.TokenParam+"=…", cossign.TokenParam+"="+cossign.Escape(tok), 1)
	}
	return requestFromFS(fs)
}

// judgeSignature decides what the signature says, as far as what is known
// allows: without the SecretKey a request that reached COS as given can
// still have been signed otherwise, so causes are listed, not chosen.
func (rep *Report) judgeSignature(s signedRequest) {
	switch d := s.diff(); {
	case s.key != "":
		rep.judgeWithKey(s)
	case d != nil:
		rep.changed(d, false)
	case s.mismatch:
		rep.Candidates = candidates(s, false)
		what := "The request COS received is the one given"
		if s.serverFS == "" {
			what = "COS's FormatString was not given"
		}
		rep.set(Mismatch, what+", and COS computed another signature: without the SecretKey the explainer "+
			"cannot tell what the client signed differently, nor whether another SecretKey signed it. "+
			"The possible causes are listed, most likely first.", adviceFor(trace.KindMismatch))
	default:
		rep.thisRequest(s)
		if rep.Verdict == "" {
			rep.set(Valid, validSummary, nil)
			rep.note("Without the SecretKey the signature itself is not checked.")
		}
	}
}

// judgeWithKey recomputes the signature with the SecretKey given, over the
// request COS received, the one given, and the usual mistakes. Only a
// signature that matches what COS received proves COS holds another key.
func (rep *Report) judgeWithKey(s signedRequest) {
	got, haveGot := s.received()
	var gotSigned cossign.Signed
	if haveGot {
		gotSigned = s.sign(got)
	}
	if haveGot && s.matches(gotSigned) {
		if s.mismatch {
			rep.set(WrongKey, "The signature is right, under the SecretKey given, for exactly the request COS "+
				"received, so COS holds another SecretKey for "+trace.ShortID(s.a.SecretID)+".",
				adviceFor(trace.KindMismatch))
			return
		}
		rep.note("The signature matches the request COS received and the SecretKey given.")
		rep.set(Valid, validSummary, nil)
		return
	}
	if s.matches(s.signed) {
		switch d := s.diff(); {
		case d != nil:
			rep.changed(d, true)
		case s.mismatch:
			rep.set(Mismatch, "The signature matches the request given under the SecretKey given, yet COS "+
				"computed another: COS received another request (add its error XML with the FormatString to see "+
				"which part), or holds another SecretKey.", adviceFor(trace.KindMismatch))
		default:
			rep.note("The signature matches the request and the SecretKey given.")
			rep.set(Valid, validSummary, nil)
		}
		return
	}
	base, baseSigned := s.req, s.signed
	if haveGot {
		base, baseSigned = got, gotSigned
	}
	for _, v := range variants(base, s.r.bucket) {
		if vs := s.sign(v); s.matches(vs) {
			rep.signedOtherwise(vs, baseSigned)
			return
		}
	}
	rep.Candidates = candidates(s, true)
	if d := s.diff(); d != nil {
		d.Words = diffWords(d)
		rep.Diff = d
	}
	summary := "The signature does not match this request under the SecretKey given: the request changed after " +
		"signing (a signed header or parameter), or another key signed it. Add COS's error XML to tell which."
	if s.serverFS != "" {
		summary = "The signature matches neither the request COS received nor the one given under the SecretKey " +
			"given, nor the usual mistakes (another method, path or port): the possible causes are listed."
	}
	rep.set(Mismatch, summary, adviceFor(trace.KindMismatch))
	rep.thisRequest(s)
}

// signedOtherwise reports a usual mistake whose signature matches: signed
// is what the client signed, sent what COS received, both as signing
// computed them.
func (rep *Report) signedOtherwise(signed, sent cossign.Signed) {
	d := firstDifference(trace.MaskTokens(signed.FormatString), trace.MaskTokens(sent.FormatString))
	if d == nil {
		return
	}
	d.Words = diffWords(d)
	rep.Diff = d
	summary := "The signature is for another request than the one COS received: " + d.Words + "."
	if d.Part == "method" {
		summary = "The signature is for " + d.Signed + ", not " + d.Received + ": send the request with " +
			d.Signed + "."
	}
	rep.set(Changed, summary, adviceFor(trace.KindMismatch))
}

// variants lists the requests a client may have signed instead of req:
// another method, the path with or without the bucket, the path still
// percent-encoded, the host without its port.
func variants(req cossign.Request, bucket string) []cossign.Request {
	var out []cossign.Request
	for _, m := range []string{"GET", "PUT", "POST", "HEAD", "DELETE"} {
		if !strings.EqualFold(m, req.Method) {
			v := req
			v.Method = m
			out = append(out, v)
		}
	}
	if bucket != "" {
		v := req
		if rest, ok := strings.CutPrefix(req.Path, "/"+bucket+"/"); ok {
			v.Path = "/" + rest
		} else {
			v.Path = "/" + bucket + req.Path
		}
		out = append(out, v)
	}
	if esc := cossign.EscapePath(req.Path); esc != req.Path {
		v := req
		v.Path = esc
		out = append(out, v)
	}
	for i, h := range req.Headers {
		if name, _, err := net.SplitHostPort(h.Value); err == nil && strings.EqualFold(h.Name, "host") {
			v := req
			v.Headers = append([]cossign.Pair(nil), req.Headers...)
			v.Headers[i].Value = name
			out = append(out, v)
		}
	}
	return out
}

// candidates lists what may have been signed otherwise, most likely first.
// keyTried drops what the SecretKey given has ruled out (the method, the
// path's bucket and encoding, the host's port).
func candidates(s signedRequest, keyTried bool) []string {
	var out []string
	headers, params := signedNames(s.a)
	method := fmt.Sprintf("The method: the URL may be signed for another method than the %s COS received "+
		"(a download URL used for a PUT); a signature does not say which method it covers.",
		strings.ToUpper(s.req.Method))
	if !keyTried && !uploadSigned(s) {
		out = append(out, method)
	}
	if len(headers) > 0 {
		c := "A signed header's value: the client sent " + strings.Join(headers, ", ") + " with other values " +
			"than were signed (Content-Type or Content-Length: another file or size than the one /presign was " +
			"asked for); the signature names the headers, not their values."
		if len(s.r.filled) > 0 {
			c += " The values here are COS's: " + strings.Join(s.r.filled, ", ") + "."
		}
		out = append(out, c)
	}
	if !keyTried && uploadSigned(s) {
		out = append(out, method)
	}
	if len(params) > 0 {
		out = append(out, "A signed parameter's value: "+strings.Join(params, ", ")+" differs from the one signed.")
	}
	if !keyTried {
		out = append(out, "The path: the key signed percent-encoded, or with the bucket in the path where it was "+
			"sent without it (or the other way round).")
	}
	host := strings.Contains(";"+s.a.HeaderList+";", ";host;")
	if host && !keyTried {
		out = append(out, "The host: signed for another host name (or port) than the one the request was sent to.")
	}
	if keyTried {
		out = append(out, "Another SecretKey: the signer used another key than the one given.")
		if host {
			out = append(out, "The host: signed for another host name than the one the request was sent to.")
		}
		return out
	}
	return append(out, "Another SecretKey: the signer used another key than the one COS holds for "+
		trace.ShortID(s.a.SecretID)+" (give the SecretKey to tell).")
}

// uploadSigned reports whether an upload arrived with a signature that
// covers the body's type or size: signed so for an upload, most likely, so
// a changed value is likelier than another method.
func uploadSigned(s signedRequest) bool {
	m := strings.ToUpper(s.req.Method)
	h := ";" + s.a.HeaderList + ";"
	body := strings.Contains(h, ";content-type;") || strings.Contains(h, ";content-length;")
	return (m == "PUT" || m == "POST") && body
}

// signedNames lists the signed headers and parameters whose values a
// client may change without the signature saying so: not host (the URL
// has it) nor the session token.
func signedNames(a cossign.Authorization) (headers, params []string) {
	for name := range strings.SplitSeq(a.HeaderList, ";") {
		if name != "" && name != "host" {
			headers = append(headers, headerName(name))
		}
	}
	for name := range strings.SplitSeq(a.ParamList, ";") {
		if name != "" && name != cossign.TokenParam {
			params = append(params, name)
		}
	}
	return headers, params
}

// requestFromFS reads a FormatString back into the request it was made
// from; ok only when it reads back exactly.
func requestFromFS(fs string) (cossign.Request, bool) {
	lines := strings.Split(fs, "\n")
	if len(lines) != 5 || lines[4] != "" {
		return cossign.Request{}, false
	}
	req := cossign.Request{Method: strings.ToUpper(lines[0]), Path: lines[1]}
	var ok bool
	if req.Params, ok = decodePairs(lines[2]); !ok {
		return cossign.Request{}, false
	}
	if req.Headers, ok = decodePairs(lines[3]); !ok {
		return cossign.Request{}, false
	}
	return req, cossign.FormatString(req) == fs
}

func decodePairs(line string) ([]cossign.Pair, bool) {
	var out []cossign.Pair
	for p := range strings.SplitSeq(line, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		name, err1 := url.PathUnescape(k)
		value, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, cossign.Pair{Name: name, Value: value})
	}
	return out, true
}
