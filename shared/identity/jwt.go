package identity

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

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
type JWT struct {
	parser *jwt.Parser
	// rings holds the keys by the one algorithm each verifies, so an HS256
	// token can never be checked against a public key used as an HMAC
	// secret.
	rings map[string]keyRing
	now   func() time.Time
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
	a := &JWT{now: c.Now, verified: map[[sha256.Size]byte]verifiedToken{}}
	if a.now == nil {
		a.now = time.Now
	}
	rings, err := buildRings(c)
	if err != nil {
		return nil, err
	}
	a.rings = rings
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(slices.Sorted(maps.Keys(rings))), jwt.WithExpirationRequired(), jwt.WithLeeway(Leeway),
	}
	if c.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(c.Now))
	}
	if c.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(c.Issuer))
	}
	if c.Audience != "" {
		opts = append(opts, jwt.WithAudience(c.Audience))
	}
	a.parser = jwt.NewParser(opts...)
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
		if !addKey(rings, jwt.SigningMethodHS256.Alg(), SecretKeyID(s), s) {
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
			alg := jwt.SigningMethodES256.Alg()
			if _, ok := key.(*rsa.PublicKey); ok {
				alg = jwt.SigningMethodRS256.Alg()
			}
			// ParsePublicKeys has refused duplicates already.
			addKey(rings, alg, kid, key)
		}
	}
	if len(rings) == 0 {
		return nil, errors.New("JWT authentication needs a secret or a public key")
	}
	return rings, nil
}

// keyRing is the keys one algorithm verifies with, in configured order.
type keyRing struct {
	kids []string
	keys []jwt.VerificationKey
}

// addKey appends a key to alg's ring, unless its kid is there already.
func addKey(rings map[string]keyRing, alg, kid string, key jwt.VerificationKey) bool {
	r := rings[alg]
	if slices.Contains(r.kids, kid) {
		return false
	}
	rings[alg] = keyRing{kids: append(r.kids, kid), keys: append(r.keys, key)}
	return true
}

// errUnknownKID refuses a token whose kid names none of several keys: it
// was signed with a key this function no longer (or never) trusted.
var errUnknownKID = errors.New("unknown kid")

// pick chooses the keys a token is checked against. A kid that names a key
// selects that key alone, so a token verifies only under the key its issuer
// declared. Without a kid (tokens minted before kids, or by an issuer that
// sets none) every key is tried: at most config.MaxJWTKeys, and a signature
// verifies under the key that made it and no other, so trying more keys
// admits no token that one of them would not. A kid that names no key
// is refused when there are several keys; with one, the kid is an issuer's
// own name for it (cosgate ignored kids before rotation), and that one key
// decides, as it always did. A kid that is not a string names no key.
func (r keyRing) pick(header map[string]any) (any, error) {
	if raw, named := header["kid"]; named {
		kid, _ := raw.(string)
		if i := slices.Index(r.kids, kid); i >= 0 {
			return r.keys[i], nil
		}
		if len(r.keys) > 1 {
			return nil, errUnknownKID
		}
	}
	if len(r.keys) == 1 {
		return r.keys[0], nil
	}
	return jwt.VerificationKeySet{Keys: r.keys}, nil
}

// key hands each algorithm only the keys meant for it.
func (a *JWT) key(t *jwt.Token) (any, error) {
	r, ok := a.rings[t.Method.Alg()]
	if !ok {
		return nil, jwt.ErrTokenUnverifiable
	}
	return r.pick(t.Header)
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
		now := a.now()
		switch {
		case now.After(v.exp.Add(Leeway)):
			return Caller{}, apierr.New(apierr.TokenExpired, "the token has expired; obtain a new one")
		case !v.nbf.IsZero() && now.Add(Leeway).Before(v.nbf):
			return Caller{}, unauthorized("the token is not valid yet (nbf is in the future)")
		}
		return Caller{UID: v.uid, Issued: v.iat}, nil
	}
	if err := strictParts(token); err != nil {
		return Caller{}, err
	}
	var claims jwt.RegisteredClaims
	if _, err := a.parser.ParseWithClaims(token, &claims, a.key); err != nil {
		return Caller{}, tokenError(err)
	}
	if err := ValidateUID(claims.Subject); err != nil {
		return Caller{}, unauthorized("the token's sub is not a usable uid: %v", err)
	}
	v = verifiedToken{uid: claims.Subject, exp: claims.ExpiresAt.Time}
	if claims.NotBefore != nil {
		v.nbf = claims.NotBefore.Time
	}
	if claims.IssuedAt != nil {
		v.iat = claims.IssuedAt.Time
	}
	a.mu.Lock()
	if len(a.verified) >= verifiedCacheSize {
		clear(a.verified) // a simple bound: the next requests re-verify
	}
	a.verified[sum] = v
	a.mu.Unlock()
	return Caller{UID: claims.Subject, Issued: v.iat}, nil
}

// maxNumericDate bounds exp, nbf and iat: year 5138. golang-jwt reads a
// NumericDate from any JSON number, or from a string holding one, and a
// float as large as 1e300 overflows into a time in the past.
const maxNumericDate = 1e11

// strictParts holds a token to what golang-jwt leaves open: exp,
// nbf and iat must be JSON numbers between 0 and maxNumericDate (RFC 7519
// §2 defines NumericDate as a number), and the header may not carry crit,
// since cosgate understands no extension a signer could mark critical (RFC
// 7515 §4.1.11: a recipient must then reject the token).
func strictParts(token string) error {
	parts := strings.Split(token, ".")
	var header, claims map[string]json.RawMessage
	if len(parts) != 3 || decodePart(parts[0], &header) != nil || decodePart(parts[1], &claims) != nil {
		return unauthorized("the token is not a well-formed JWT")
	}
	if _, ok := header["crit"]; ok {
		return unauthorized("the token's header lists critical extensions (crit); none is supported")
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		raw, ok := claims[name]
		if !ok {
			continue
		}
		var n float64
		if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil || n < 0 || n > maxNumericDate {
			return unauthorized("the token's %s is not a number of seconds between 0 and %.0f", name, maxNumericDate)
		}
	}
	return nil
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// tokenError maps golang-jwt's errors to messages a client developer can
// act on, without echoing the token.
func tokenError(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return apierr.New(apierr.TokenExpired, "the token has expired; obtain a new one")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthorized("the token is not valid yet (nbf is in the future)")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthorized("the token has no exp claim; tokens must expire")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthorized("the token's iss is not the expected issuer")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthorized("the token's aud is not this service")
	case errors.Is(err, errUnknownKID):
		return unauthorized("the token's kid names no key configured here")
	case errors.Is(err, jwt.ErrTokenUnverifiable),
		// golang-jwt reports an algorithm outside WithValidMethods this way.
		errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		return unauthorized("the token's algorithm is not accepted here")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized("the token's signature does not verify")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthorized("the token is not a well-formed JWT")
	}
	return unauthorized("the token is not valid")
}
