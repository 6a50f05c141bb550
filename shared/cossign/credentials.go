package cossign

// Credentials sign requests. SessionToken is set only for temporary keys;
// COS then expects it as x-cos-security-token.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string
}

// String never prints the secret parts, so a Credentials value that slips
// into a log line or an error message leaks nothing.
func (c Credentials) String() string {
	return "cossign.Credentials{SecretID:" + redactID(c.SecretID) + ", SecretKey:[redacted], SessionToken:[redacted]}"
}

// GoString guards %#v the same way.
func (c Credentials) GoString() string { return c.String() }

// redactID keeps a short prefix of a SecretId: enough to tell keys apart in a
// log, not enough to use.
func redactID(id string) string {
	if len(id) <= 8 {
		return "[redacted]"
	}
	return id[:6] + "…"
}
