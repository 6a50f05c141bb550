package cossign

// Presign describes a pre-signed object URL.
type Presign struct {
	Method string
	Key    string // raw object key
	// Params are signed query parameters, written into the URL in this order
	// (e.g. response-content-disposition, or "imageMogr2/thumbnail/200x/" with
	// an empty value). The holder of the URL cannot change or drop them.
	Params []Pair
	// Headers are signed headers besides host; whoever uses the URL must send
	// exactly these values (e.g. Content-Type, Content-Length).
	Headers []Pair
	Window  Window
	// Merged carries the whole Authorization in one "sign=" parameter instead
	// of seven q-* parameters.
	Merged bool
	// UnsignedHost leaves host out of the signature (so the URL works through a
	// host-rewriting proxy). Off by default: binding the host is safer.
	UnsignedHost bool
}

// TokenParam is how a temporary key's session token travels.
const TokenParam = "x-cos-security-token"

// PresignURL returns a pre-signed URL for p on e. When creds hold a session
// token it is added as the signed query parameter x-cos-security-token.
func PresignURL(creds Credentials, e Endpoint, p Presign) string {
	var pstore, hstore [8]Pair
	params := append(pstore[:0], p.Params...)
	if creds.SessionToken != "" {
		params = append(params, Pair{Name: TokenParam, Value: creds.SessionToken})
	}
	headers := hstore[:0]
	if !p.UnsignedHost {
		headers = append(headers, Pair{Name: "host", Value: e.Host})
	}
	headers = append(headers, p.Headers...)

	path := [2]string{"/", p.Key}
	if e.Bucket != "" {
		path[0] = "/" + e.Bucket + "/"
	}
	var ps, hs [8]canonPair
	cparams, cheaders, buf := formatRequest(p.Method, path, params, headers, ps[:0], hs[:0], urlSize(creds, e, p))
	fs := len(buf)
	var kt [48]byte
	window := p.Window.appendTo(kt[:0])
	var sig [40]byte
	signature(&sig, creds.SecretKey, window, buf)

	// The URL goes into the same buffer after the HttpString, so only the
	// final string conversion allocates.
	u := buf[fs:]
	u = e.appendObjectURL(u, p.Key)
	sep := byte('?')
	for _, q := range params {
		u = append(u, sep)
		sep = '&'
		u = appendEscape(u, q.Name, false)
		u = append(u, '=')
		u = appendEscape(u, q.Value, false)
	}
	u = append(u, sep)
	if p.Merged {
		u = append(u, "sign="...)
		// The whole Authorization, encoded as one value.
		a := Authorization{
			SecretID:   creds.SecretID,
			SignTime:   p.Window,
			KeyTime:    p.Window,
			HeaderList: string(appendList(nil, cheaders)),
			ParamList:  string(appendList(nil, cparams)),
			Signature:  string(sig[:]),
		}
		u = appendEscape(u, a.String(), false)
	} else {
		u = appendQueryAuth(u, creds.SecretID, window, cheaders, cparams, &sig)
	}
	return string(u)
}

// urlSize bounds the length of the URL PresignURL writes, so its buffer is
// allocated once.
func urlSize(creds Credentials, e Endpoint, p Presign) int {
	n := len(e.Scheme) + len(e.Host) + 3*(len(e.Bucket)+len(p.Key)+len(creds.SecretID)+len(creds.SessionToken)) + 200
	for _, q := range p.Params {
		n += 3*(len(q.Name)+len(q.Value)) + 2
		n += 2 * 3 * len(q.Name) // in q-url-param-list, escaped once or twice
	}
	for _, h := range p.Headers {
		n += 2 * 3 * len(h.Name)
	}
	if p.Merged {
		n *= 2 // the whole Authorization is escaped once more
	}
	return n
}

// appendQueryAuth writes the seven q-* parameters, URL-encoded; window is
// the formatted "start;end".
func appendQueryAuth(u []byte, secretID string, window []byte, headers, params []canonPair, sig *[40]byte) []byte {
	u = append(u, "q-sign-algorithm=sha1&q-ak="...)
	u = appendEscape(u, secretID, false)
	u = append(u, "&q-sign-time="...)
	u = appendWindowEscaped(u, window)
	u = append(u, "&q-key-time="...)
	u = appendWindowEscaped(u, window)
	u = append(u, "&q-header-list="...)
	u = appendEscapedList(u, headers)
	u = append(u, "&q-url-param-list="...)
	u = appendEscapedList(u, params)
	u = append(u, "&q-signature="...)
	return append(u, sig[:]...)
}

// appendWindowEscaped writes "start;end" with the ';' as %3B.
func appendWindowEscaped(dst, window []byte) []byte {
	for _, c := range window {
		if c == ';' {
			dst = append(dst, "%3B"...)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

func appendEscapedList(dst []byte, ps []canonPair) []byte {
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, "%3B"...)
		}
		dst = appendEscape(dst, p.key, false)
	}
	return dst
}
