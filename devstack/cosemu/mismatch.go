package cosemu

import (
	"net"
	"strings"

	"cosgate/devstack/trace"
	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// signedAs looks for what a client signed when its signature does not match
// the request. The emulator holds every key, so it can try the mistakes
// clients make and name the one whose signature matches: another method,
// the path with or without the bucket (path-style addressing), the path
// still percent-encoded, the host without its port. Real COS cannot do
// this; it is for the local console, and runs only when a trace is kept.
func (s *Server) signedAs(in cosverify.Incoming, why *trace.Reason) {
	if in.Authorization != "" {
		return // a POST form: its policy, not a request, is signed
	}
	a, req, err := cosverify.Rebuild(in)
	if err != nil {
		return
	}
	secret, ok := s.lookup(a.SecretID)
	if !ok {
		return
	}
	for _, v := range variants(req, s.cfg.Bucket) {
		if cossign.Sign(a.SecretID, secret, v.req, a.KeyTime).Signature == a.Signature {
			why.Detail = "the signature matches this request with " + v.what
			why.ClientFormatString = cossign.FormatString(v.req)
			return
		}
	}
}

type variant struct {
	what string
	req  cossign.Request
}

// variants lists the requests a client may have signed instead of req.
func variants(req cossign.Request, bucket string) []variant {
	var out []variant
	for _, m := range []string{"GET", "PUT", "POST", "HEAD", "DELETE"} {
		if !strings.EqualFold(m, req.Method) {
			v := req
			v.Method = m
			out = append(out, variant{"method " + m + " signed, but it was sent as " + strings.ToUpper(req.Method), v})
		}
	}
	if rest, ok := strings.CutPrefix(req.Path, "/"+bucket+"/"); ok {
		v := req
		v.Path = "/" + rest
		out = append(out, variant{"the path signed without the bucket (" + v.Path + "), but it was sent path-style", v})
	} else {
		v := req
		v.Path = "/" + bucket + req.Path
		out = append(out, variant{"the path signed with the bucket (" + v.Path + "), but it was sent without it", v})
	}
	if esc := cossign.EscapePath(req.Path); esc != req.Path {
		v := req
		v.Path = esc
		out = append(out, variant{"the path signed still percent-encoded (" + esc + "): sign the decoded key", v})
	}
	for i, h := range req.Headers {
		if h.Name != "host" {
			continue
		}
		if name, _, err := net.SplitHostPort(h.Value); err == nil {
			v := req
			v.Headers = append([]cossign.Pair(nil), req.Headers...)
			v.Headers[i].Value = name
			out = append(out, variant{"host signed without its port (" + name + ")", v})
		}
	}
	return out
}
