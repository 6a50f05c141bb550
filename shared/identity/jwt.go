package identity

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cosgate/shared/apierr"

	"github.com/golang-jwt/jwt/v5"
)

// Leeway absorbs small clock differences between the token issuer and us.
const Leeway = 30 * time.Second

// maxTokenBytes bounds what the parser is handed.
const maxTokenBytes = 8 << 10

// JWTConfig configures JWT authentication.
type JWTConfig struct {
	// Secret verifies HS256 tokens.
	Secret []byte
	// Secrets verify HS256 tokens too, after Secret: AUTH_JWT_SECRET's list
	// during a rotation (config.Auth.JWTSecrets).
	Secrets [][]byte
	// PublicKeyPEM, when set, verifies RS256 (RSA key) or ES256 (P-256 key)
	// tokens too: one key in any form DecodeKey reads, or during a rotation
	// DecodeKeys' comma-separated list.
	PublicKeyPEM string
	// Issuer and Audience, when set, must match iss and aud.
	Issuer, Audience string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// JWT authenticates "Authorization: Bearer <JWT>": the signature must
// verify with a configured key and algorithm (never "none", never an
// algorithm the key was not meant for), exp is required, nbf and exp are
// honoured, and sub is the uid.
//
// A token is decoded once: each segment is base64-decoded and its JSON read
// a single time, and every rule (golang-jwt's and cosgate's stricter ones)
// is checked on that one reading. golang-jwt still verifies signatures
// (its SigningMethods), but its Parser is not used: it would decode the
// header and claims again, and it reads claim names case-insensitively.
type JWT struct {
	// rings holds the keys by the one algorithm each verifies, so an HS256
	// token can never be checked against a public key used as an HMAC
	// secret.
	rings            map[string]keyRing
	issuer, audience string
	now              func() time.Time
	// verified remembers tokens whose signature and claims checked out, by
	// SHA-256 of the token: the same bytes always verify the same way, so a
	// warm function skips the decoding. exp and nbf are still checked on
	// every use.
	mu       sync.Mutex
	verified map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	uid           string
	nbf, exp, iat time.Time
}

// verifiedCacheSize bounds the verified-token cache.
const verifiedCacheSize = 4096

// NewJWT checks the keys and returns the authenticator.
func NewJWT(c JWTConfig) (*JWT, error) {
	a := &JWT{now: c.Now, issuer: c.Issuer, audience: c.Audience, verified: map[[sha256.Size]byte]verifiedToken{}}
	if a.now == nil {
		a.now = time.Now
	}
	rings, err := buildRings(c)
	if err != nil {
		return nil, err
	}
	a.rings = rings
	return a, nil
}

// buildRings sorts the configured keys by algorithm, each with its kid.
func buildRings(c JWTConfig) (map[string]keyRing, error) {
	rings := map[string]keyRing{}
	secrets := c.Secrets
	if len(c.Secret) > 0 {
		secrets = append([][]byte{c.Secret}, secrets...)
	}
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		if !addKey(rings, jwt.SigningMethodHS256, SecretKeyID(s), s) {
			return nil, errors.New("the same HS256 secret is listed twice")
		}
	}
	if c.PublicKeyPEM != "" {
		keys, err := ParsePublicKeys(c.PublicKeyPEM)
		if err != nil {
			return nil, err
		}
		for _, key := range keys {
			kid, _ := KeyID(key) // ParsePublicKeys admits only keys KeyID knows
			var m jwt.SigningMethod = jwt.SigningMethodES256
			if _, ok := key.(*rsa.PublicKey); ok {
				m = jwt.SigningMethodRS256
			}
			// ParsePublicKeys has refused duplicates already.
			addKey(rings, m, kid, key)
		}
	}
	if len(rings) == 0 {
		return nil, errors.New("JWT authentication needs a secret or a public key")
	}
	return rings, nil
}

// keyRing is the keys one algorithm verifies with, in configured order.
type keyRing struct {
	method jwt.SigningMethod
	kids   []string
	keys   []jwt.VerificationKey
}

// addKey appends a key to the ring of m's algorithm, unless its kid is
// there already.
func addKey(rings map[string]keyRing, m jwt.SigningMethod, kid string, key jwt.VerificationKey) bool {
	r := rings[m.Alg()]
	if slices.Contains(r.kids, kid) {
		return false
	}
	rings[m.Alg()] = keyRing{method: m, kids: append(r.kids, kid), keys: append(r.keys, key)}
	return true
}

// pick chooses the keys a token is checked against, from its header's kid
// (raw JSON; named says whether the header has one). A kid that names a
// key selects that key alone, so a token verifies only under the key its
// issuer declared. Without a kid (tokens minted before kids, or by an
// issuer that sets none) every key is tried: at most config.MaxJWTKeys,
// and a signature verifies under the key that made it and no other, so
// trying more keys admits no token that one of them would not. A kid that
// names no key is refused when there are several keys; with one, the kid
// is an issuer's own name for it (cosgate ignored kids before rotation),
// and that one key decides, as it always did. A kid that is not a string
// names no key.
func (r keyRing) pick(kidRaw json.RawMessage, named bool) ([]jwt.VerificationKey, error) {
	if named {
		kid, _ := jsonString(kidRaw)
		if i := slices.Index(r.kids, kid); i >= 0 {
			return r.keys[i : i+1], nil
		}
		if len(r.keys) > 1 {
			return nil, unauthorized("the token's kid names no key configured here")
		}
	}
	return r.keys, nil
}

// Authenticate implements Authenticator.
func (a *JWT) Authenticate(r *http.Request) (Caller, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Caller{}, unauthorized("send Authorization: Bearer <JWT>")
	}
	token = strings.TrimSpace(token)
	if len(token) > maxTokenBytes {
		return Caller{}, unauthorized("the token is longer than %d bytes", maxTokenBytes)
	}
	sum := sha256.Sum256([]byte(token))
	a.mu.Lock()
	v, ok := a.verified[sum]
	a.mu.Unlock()
	if ok {
		// exp and nbf are checked on every use, so a remembered token stops
		// working when it expires however often it was seen before.
		if err := v.current(a.now()); err != nil {
			return Caller{}, err
		}
		return Caller{UID: v.uid, Issued: v.iat}, nil
	}
	v, err := a.verify(token)
	if err != nil {
		return Caller{}, err
	}
	a.mu.Lock()
	if len(a.verified) >= verifiedCacheSize {
		clear(a.verified) // a simple bound: the next requests re-verify
	}
	a.verified[sum] = v
	a.mu.Unlock()
	return Caller{UID: v.uid, Issued: v.iat}, nil
}

// current checks exp and nbf against now, with Leeway, as golang-jwt's
// validator does: expired once now reaches exp+Leeway, not yet valid while
// now is before nbf-Leeway.
func (v verifiedToken) current(now time.Time) error {
	switch {
	case !now.Before(v.exp.Add(Leeway)):
		return apierr.New(apierr.TokenExpired, "the token has expired; obtain a new one")
	case !v.nbf.IsZero() && now.Before(v.nbf.Add(-Leeway)):
		return unauthorized("the token is not valid yet (nbf is in the future)")
	}
	return nil
}

// maxNumericDate bounds exp, nbf and iat: year 5138. A NumericDate is a
// JSON number (RFC 7519 §2); golang-jwt would also read one from a string,
// and a float as large as 1e300 overflows into a time in the past.
const maxNumericDate = 1e11

// registered are the claim names RFC 7519 §4.1 defines. Each is read by
// its exact name; a claim spelt like one in another letter case is
// refused (caseTwin), because encoding/json, and so golang-jwt and many a
// verifier written with it, would read "EXP" or "Sub" as exp or sub:
// the issuer and such a verifier would then disagree on what was signed.
var registered = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// headerNames are the header parameters cosgate reads, likewise exact.
var headerNames = []string{"alg", "kid", "crit"}

// segments is the strict base64url of JWS compact serialization: no
// padding, and no stray bits in the last character, so one token has one
// spelling.
var segments = base64.RawURLEncoding.Strict()

// verify checks a token seen for the first time. Besides the signature and
// golang-jwt's checks, it holds a token to what golang-jwt leaves open:
// exp, nbf and iat must be JSON numbers between 0 and maxNumericDate, the
// header may not carry crit (cosgate understands no extension a signer
// could mark critical, and RFC 7515 §4.1.11 then requires a refusal), and
// no name may be a case variant of a registered claim or of alg, kid or
// crit. Structure is checked before the signature, since it costs less;
// every failure is a 401.
func (a *JWT) verify(token string) (verifiedToken, error) {
	hseg, rest, ok1 := strings.Cut(token, ".")
	cseg, sseg, ok2 := strings.Cut(rest, ".")
	var header, claims map[string]json.RawMessage
	if !ok1 || !ok2 || strings.Contains(sseg, ".") ||
		decodeSegment(hseg, &header) != nil || decodeSegment(cseg, &claims) != nil || header == nil || claims == nil {
		return verifiedToken{}, malformed()
	}

	if _, ok := header["crit"]; ok {
		return verifiedToken{}, unauthorized("the token's header lists critical extensions (crit); none is supported")
	}
	if caseTwin(header, headerNames) {
		return verifiedToken{}, unauthorized("the token's header spells alg, kid or crit in another letter case")
	}
	alg, ok := jsonString(header["alg"])
	ring, known := a.rings[alg]
	if !ok || !known {
		return verifiedToken{}, unauthorized("the token's algorithm is not accepted here")
	}
	kid, named := header["kid"]
	keys, err := ring.pick(kid, named)
	if err != nil {
		return verifiedToken{}, err
	}

	if caseTwin(claims, registered) {
		return verifiedToken{}, unauthorized("the token spells a registered claim (iss, sub, aud, exp, nbf, iat, jti) in another letter case")
	}
	var v verifiedToken
	var missingExp bool
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"exp", &v.exp}, {"nbf", &v.nbf}, {"iat", &v.iat}} {
		t, present, ok := numericDate(claims[d.name])
		if !ok {
			return verifiedToken{}, unauthorized("the token's %s is not a number of seconds between 0 and %.0f", d.name, maxNumericDate)
		}
		*d.dst = t
		missingExp = missingExp || d.name == "exp" && !present
	}
	sub, okSub := optionalString(claims["sub"])
	iss, okIss := optionalString(claims["iss"])
	_, okJTI := optionalString(claims["jti"])
	aud, okAud := audience(claims["aud"])
	if !okSub || !okIss || !okJTI || !okAud {
		return verifiedToken{}, malformed() // as golang-jwt: a registered claim of the wrong type
	}

	sig, err := segments.DecodeString(sseg)
	if err != nil {
		return verifiedToken{}, malformed()
	}
	// The signed bytes are the token's own first two segments: no copy.
	if !verifies(ring.method, token[:len(hseg)+1+len(cseg)], sig, keys) {
		return verifiedToken{}, unauthorized("the token's signature does not verify")
	}

	// golang-jwt's precedence among claim errors: the times first.
	if missingExp {
		v.exp = maxTime // so that current judges nbf alone
	}
	if err := v.current(a.now()); err != nil {
		return verifiedToken{}, err
	}
	switch {
	case missingExp:
		return verifiedToken{}, unauthorized("the token has no exp claim; tokens must expire")
	case a.issuer != "" && iss != a.issuer:
		return verifiedToken{}, unauthorized("the token's iss is not the expected issuer")
	case a.audience != "" && !slices.Contains(aud, a.audience):
		return verifiedToken{}, unauthorized("the token's aud is not this service")
	}
	if err := ValidateUID(sub); err != nil {
		return verifiedToken{}, unauthorized("the token's sub is not a usable uid: %v", err)
	}
	v.uid = sub
	return v, nil
}

// maxTime is later than any NumericDate verify admits.
var maxTime = time.Unix(2*maxNumericDate, 0)

func malformed() error { return unauthorized("the token is not a well-formed JWT") }

// verifies reports whether sig signs signed under one of keys with m.
func verifies(m jwt.SigningMethod, signed string, sig []byte, keys []jwt.VerificationKey) bool {
	for _, k := range keys {
		if m.Verify(signed, sig, k) == nil {
			return true
		}
	}
	return false
}

func decodeSegment(seg string, v any) error {
	b, err := segments.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// caseTwin reports whether m has a name that differs from one of names in
// letter case only (by encoding/json's folding, which strings.EqualFold
// matches, "ſub" included).
func caseTwin(m map[string]json.RawMessage, names []string) bool {
	for k := range m {
		// Every fold of a three-letter name is 3 to 9 bytes long.
		if len(k) < 3 || len(k) > 12 {
			continue
		}
		for _, n := range names {
			if k != n && strings.EqualFold(k, n) {
				return true
			}
		}
	}
	return false
}

// numericDate reads exp, nbf or iat: absent (or null, which golang-jwt
// and earlier cosgate took for absent) is the zero time; otherwise it must
// be a JSON number in [0, maxNumericDate], truncated to the second as
// golang-jwt does.
func numericDate(raw json.RawMessage) (t time.Time, present, ok bool) {
	if raw == nil || string(raw) == "null" {
		return time.Time{}, false, true
	}
	// The map held a valid JSON value, so one that starts like a number is
	// one, and ParseFloat reads it as JSON would.
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return time.Time{}, true, false
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || n < 0 || n > maxNumericDate {
		return time.Time{}, true, false
	}
	return time.Unix(int64(n), 0), true, true
}

// jsonString reads a JSON string value; ok is false for any other value.
func jsonString(raw json.RawMessage) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	// Without escapes, and in valid UTF-8 (which encoding/json would
	// otherwise rewrite), the string is the bytes between the quotes.
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	return s, json.Unmarshal(raw, &s) == nil
}

// optionalString reads sub, iss or jti: a string, or absent or null ("").
func optionalString(raw json.RawMessage) (string, bool) {
	if raw == nil || string(raw) == "null" {
		return "", true
	}
	return jsonString(raw)
}

// audience reads aud as golang-jwt does: a string or an array of strings,
// absent or null being none.
func audience(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		s, ok := optionalString(raw)
		if !ok || s == "" {
			return nil, ok
		}
		return []string{s}, true
	}
	// Elements one by one: unmarshalled into a []string, a null element
	// would pass as "".
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil, false
	}
	aud := make([]string, len(elems))
	for i, e := range elems {
		var ok bool
		if aud[i], ok = jsonString(e); !ok {
			return nil, false
		}
	}
	return aud, true
}
