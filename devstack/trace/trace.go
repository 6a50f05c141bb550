// Package trace records what passes through the local stack for the local
// console: every request to the functions and to the emulators, and, for a
// refusal, the reason the emulator decided on. It keeps facts only; the
// explain package turns them into causes and fixes.
//
// Nothing here holds a secret in the open: SecretIds are cut short before
// they are recorded (the full ones, kept to link requests, never leave the
// process), session tokens are masked in the FormatStrings shown, and the
// signed URLs and forms a function handed out (see Mint) are kept in memory
// to link and compare COS requests, never encoded.
package trace

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"cosgate/devstack/cam"
)

// Exchange is one request and its answer.
type Exchange struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"` // when the request arrived
	// Service is the function's name (sts, presign, download, login) or the
	// emulator's (cos, sts-api, wechat).
	Service   string  `json:"service"`
	Function  bool    `json:"function"` // a cosgate function, not an emulator
	Method    string  `json:"method"`
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	Millis    float64 `json:"ms"`
	RequestID string  `json:"requestId,omitempty"`
	Code      string  `json:"code,omitempty"` // the error code answered
	SecretID  string  `json:"secretId,omitempty"`
	UID       string  `json:"uid,omitempty"`
	// Parent is the function call this request followed from: the one STS
	// was called during; for a COS request, the one whose answer handed out
	// its signature (a presigned URL or POST form), or else the /sts call
	// that handed out the temporary key the client signed it with.
	Parent uint64  `json:"parent,omitempty"`
	Reason *Reason `json:"reason,omitempty"`

	// Keys are the full SecretIds this exchange used or handed out, for
	// linking only; they are never encoded.
	Keys []string `json:"-"`

	// mints are the signed requests a function call's answer handed out;
	// mint is, for a COS request, the one it carried the signature of.
	// Unexported: they hold signatures and tokens, and must never be
	// encoded.
	mints []*minted
	mint  *minted
}

// Minted returns what the function call that minted this COS request's
// signature told the client to send.
func (e Exchange) Minted() (Mint, bool) {
	if e.mint == nil {
		return Mint{}, false
	}
	return e.mint.mint(), true
}

// Reason is why an emulator refused a request, as it decided it.
type Reason struct {
	// Kind is one of the Kind constants.
	Kind   string `json:"kind"`
	Detail string `json:"detail"` // the emulator's own sentence
	// The signature's window and the server's clock, in Unix seconds, on
	// time failures.
	Start  int64 `json:"start,omitempty"`
	End    int64 `json:"end,omitempty"`
	Server int64 `json:"server,omitempty"`
	// On a mismatch: the server's side of the computation and the lists the
	// client said it signed.
	StringToSign string `json:"stringToSign,omitempty"`
	FormatString string `json:"formatString,omitempty"`
	HeaderList   string `json:"headerList,omitempty"`
	ParamList    string `json:"paramList,omitempty"`
	// ClientFormatString is what the client signed, when the emulator could
	// find it (see cosemu's signedAs).
	ClientFormatString string `json:"clientFormatString,omitempty"`
	// On a CAM denial.
	Denial *Denial `json:"denial,omitempty"`
}

// The kinds of Reason.
const (
	KindMissing       = "signature-missing"
	KindMalformed     = "signature-malformed"
	KindUnknownKey    = "unknown-secret-id"
	KindExpired       = "expired"
	KindSkewed        = "clock-skew"
	KindMismatch      = "signature-mismatch"
	KindTokenMissing  = "token-missing"
	KindTokenMismatch = "token-wrong"
	KindTokenExpired  = "token-expired"
	KindDenied        = "cam-denied"
	KindPolicy        = "post-policy"
	KindRequest       = "request" // the request itself is refused (size, name, XML, …)
)

// Denial is a CAM refusal: what was asked and why no statement allowed it.
type Denial struct {
	Action   string     `json:"action"`
	Resource string     `json:"resource"`
	Key      string     `json:"key"`
	Prefixes []string   `json:"prefixes,omitempty"` // the key patterns the grant allows
	Deny     *cam.Miss  `json:"deny,omitempty"`
	Misses   []cam.Miss `json:"misses,omitempty"`
}

// ShortID keeps enough of a SecretId to tell keys apart.
func ShortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:8] + "…"
}

// tokenValue finds a session token's value in a FormatString or header
// line: x-cos-security-token=<value>.
var tokenValue = regexp.MustCompile(`(?i)(x-cos-security-token=)[^&\n]+`)

// MaskTokens replaces session token values with "…".
func MaskTokens(s string) string { return tokenValue.ReplaceAllString(s, "${1}…") }

// The secrets Mask finds besides MaskTokens' query form: a value named as
// a session token, signature or temporary SecretKey in JSON, in a POST
// policy's condition array or in a policy refusal's sentence; a SecretId
// named q-ak; and any long unbroken base64url run, as session tokens are
// (the emulator's are 128 characters, COS's longer).
var (
	namedSecret = regexp.MustCompile(`(?i)("\$?(?:x-cos-security-token|q-signature|signature|sessiontoken|tmpsecretkey|x-cos-server-side-encryption-customer-key)"\s*[:,]\s*")[^"]*`)
	policyValue = regexp.MustCompile(`(?i)(condition key \$?(?:x-cos-security-token|q-signature|signature)\b[^\n]*?the value )\S+`)
	namedKey    = regexp.MustCompile(`(?i)((?:"\$?q-ak"\s*[:,]\s*"|q-ak=|condition key \$?q-ak\b[^\n]*?the value ))([^"&\s]+)`)
	longRun     = regexp.MustCompile(`[A-Za-z0-9_-]{96,}`)
)

// Mask hides the secrets a recorded text may hold, since the console shows
// it: session tokens and signatures become "…", SecretIds are cut short
// (ShortID). A POST form refused by its policy, for one, is explained by
// the policy, which names the token and SecretId it was signed for.
func Mask(s string) string {
	if s == "" {
		return s
	}
	s = MaskTokens(s)
	s = namedSecret.ReplaceAllString(s, "${1}…")
	s = policyValue.ReplaceAllString(s, "${1}…")
	s = namedKey.ReplaceAllStringFunc(s, func(m string) string {
		sub := namedKey.FindStringSubmatch(m)
		return sub[1] + ShortID(sub[2])
	})
	s = keyPattern.ReplaceAllStringFunc(s, ShortID)
	return longRun.ReplaceAllStringFunc(s, func(m string) string { return m[:4] + "…" })
}

// keyPattern finds SecretIds in a function's answer: the emulator's
// temporary keys and TC-style permanent ones both start AKID.
var keyPattern = regexp.MustCompile(`AKID[A-Za-z0-9]{8,}`)

// FindKeys returns the SecretIds mentioned in b.
func FindKeys(b []byte) []string {
	var out []string
	for _, m := range keyPattern.FindAll(b, 16) {
		out = append(out, string(m))
	}
	return out
}

// Recorder keeps the latest exchanges in a ring and tells subscribers of
// each new one. A nil *Recorder records nothing, so emulators and the
// function wrapper need no check.
type Recorder struct {
	mu       sync.Mutex
	seq      uint64
	ring     []Exchange
	next     int
	full     bool
	inFlight map[uint64]call   // function calls not yet answered
	keyOwner map[string]uint64 // SecretId -> the /sts call that handed it out
	mints    mintBook
	pending  map[string]string // COS request id -> the signature it carried, until recorded
	subs     map[chan Exchange]struct{}
}

// call is a function call in flight.
type call struct {
	at      time.Time
	service string
}

// New keeps the last size exchanges, and the signed requests handed out by
// as many function calls.
func New(size int) *Recorder {
	return &Recorder{
		ring:     make([]Exchange, size),
		inFlight: map[uint64]call{},
		keyOwner: map[string]uint64{},
		mints:    newMintBook(size),
		pending:  map[string]string{},
		subs:     map[chan Exchange]struct{}{},
	}
}

// Begin numbers a call to the function service as it arrives, so what it
// causes while it runs (an STS call) can name it as parent.
func (r *Recorder) Begin(at time.Time, service string) uint64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.inFlight[r.seq] = call{at, service}
	return r.seq
}

// Record stores a finished exchange. A function call passes the number
// Begin gave it; an emulator's exchange passes 0 and is numbered here and
// linked to its parent.
func (r *Recorder) Record(e Exchange, seq uint64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if seq == 0 {
		r.seq++
		seq = r.seq
	}
	e.Seq = seq
	e.SecretID = ShortID(e.SecretID)
	if e.Reason != nil {
		// A copy: the emulator's Reason is its own.
		why := *e.Reason
		why.Detail = Mask(why.Detail)
		why.StringToSign = Mask(why.StringToSign)
		why.FormatString = Mask(why.FormatString)
		why.ClientFormatString = Mask(why.ClientFormatString)
		why.HeaderList, why.ParamList = Mask(why.HeaderList), Mask(why.ParamList)
		if why.Denial != nil {
			d := *why.Denial
			d.Misses = slices.Clone(d.Misses)
			for i := range d.Misses {
				d.Misses[i].Detail = Mask(d.Misses[i].Detail)
			}
			if d.Deny != nil {
				deny := *d.Deny
				deny.Detail = Mask(deny.Detail)
				d.Deny = &deny
			}
			why.Denial = &d
		}
		e.Reason = &why
	}
	if e.Function {
		r.finishLocked(&e)
	} else {
		r.linkLocked(&e)
	}
	e.Keys, e.mints = nil, nil
	r.ring[r.next] = e
	r.next = (r.next + 1) % len(r.ring)
	r.full = r.full || r.next == 0
	for ch := range r.subs {
		select {
		case ch <- e:
		default: // a slow subscriber misses this one; the console refetches
		}
	}
	r.mu.Unlock()
}

// finishLocked notes what a function call's answer handed out: signed
// requests, by their signatures, and /sts's temporary keys. A key in a
// signed URL or form only names its signer, and may be shared by every
// caller (download signs with the account's key), so only a key /sts
// handed over, one caller's own, links the requests signed with it.
func (r *Recorder) finishLocked(e *Exchange) {
	delete(r.inFlight, e.Seq)
	for _, m := range e.mints {
		m.seq, m.function = e.Seq, e.Service
		r.mints.add(m)
	}
	if e.Service != "sts" {
		return
	}
	for _, k := range e.Keys {
		r.keyOwner[k] = e.Seq
	}
}

// linkLocked links an emulator exchange to the function call it followed
// from.
func (r *Recorder) linkLocked(e *Exchange) {
	if e.Service != "cos" {
		e.Parent = r.inFlightLocked(e.Time)
		if e.Service == "sts-api" && r.inFlight[e.Parent].service == "sts" {
			for _, k := range e.Keys { // the key STS issued is the /sts caller's
				r.keyOwner[k] = e.Parent
			}
		}
		return
	}
	if sig, ok := r.pending[e.RequestID]; ok && e.RequestID != "" {
		delete(r.pending, e.RequestID)
		if m := r.mints.find(sig); m != nil {
			e.mint, e.Parent = m, m.seq
			return
		}
	}
	for _, k := range e.Keys {
		if p, ok := r.keyOwner[k]; ok {
			e.Parent = p
			return
		}
	}
}

// inFlightLocked is the latest function call in flight at t: the one an
// STS or WeChat request made while it ran.
func (r *Recorder) inFlightLocked(t time.Time) uint64 {
	var best uint64
	for seq, c := range r.inFlight {
		if !c.at.After(t) && seq > best {
			best = seq
		}
	}
	return best
}

// Snapshot returns the recorded exchanges, oldest first.
func (r *Recorder) Snapshot() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Exchange
	if r.full {
		out = append(out, r.ring[r.next:]...)
	}
	return append(out, r.ring[:r.next]...)
}

// Subscribe returns a channel of new exchanges and a function that ends
// the subscription.
func (r *Recorder) Subscribe() (<-chan Exchange, func()) {
	ch := make(chan Exchange, 256)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subs, ch)
		r.mu.Unlock()
	}
}

// Prefixes turns a key pattern list from CAM resources into the prefixes a
// person reads: "users/alice/*" from "qcs::cos:…:bucket/users/alice/*".
func Prefixes(resources []string, bucketResource string) []string {
	var out []string
	for _, res := range resources {
		if key, ok := strings.CutPrefix(res, bucketResource); ok {
			out = append(out, key)
		} else {
			out = append(out, res)
		}
	}
	return out
}
