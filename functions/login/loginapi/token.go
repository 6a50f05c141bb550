package loginapi

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/shared/identity"
)

// Minter signs the tokens the other functions accept (identity.JWT): sub
// is the uid, iat now, exp now+TTL, and iss and aud when configured. The
// header's kid names the signing key (identity.KeyID, identity.SecretKeyID),
// so that while AUTH_JWT_PUBLIC_KEY or AUTH_JWT_SECRET lists an old key
// beside the new one, each token is checked against its own key only.
type Minter struct {
	method   jwt.SigningMethod
	key      any
	kid      string
	Issuer   string
	Audience string
	TTL      time.Duration
}

// NewES256 mints with a P-256 private key (PKCS#8 or SEC 1, in any form
// identity.DecodeKey reads).
func NewES256(privateKey string) (*Minter, error) {
	der, err := identity.DecodeKey(privateKey)
	if err != nil {
		return nil, err
	}
	var key *ecdsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		key, _ = k.(*ecdsa.PrivateKey)
	} else if k, err := x509.ParseECPrivateKey(der); err == nil {
		key = k
	}
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("the key is not a P-256 private key (PKCS#8 or SEC 1)")
	}
	kid, err := identity.KeyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Minter{method: jwt.SigningMethodES256, key: key, kid: kid}, nil
}

// NewHS256 mints with a shared secret: every function holding it can mint
// as well as verify.
func NewHS256(secret []byte) *Minter {
	return &Minter{method: jwt.SigningMethodHS256, key: secret, kid: identity.SecretKeyID(secret)}
}

// Algorithm names the signing algorithm, as a JWT header does.
func (m *Minter) Algorithm() string { return m.method.Alg() }

// KeyID is the kid every token carries in its header.
func (m *Minter) KeyID() string { return m.kid }

// Public is the public key that verifies the tokens, nil for HS256.
func (m *Minter) Public() crypto.PublicKey {
	if k, ok := m.key.(*ecdsa.PrivateKey); ok {
		return k.Public()
	}
	return nil
}

// Mint signs a token for uid, issued at now.
func (m *Minter) Mint(uid string, now time.Time) (token string, expires time.Time, err error) {
	now = now.Truncate(time.Second)
	expires = now.Add(m.TTL)
	claims := jwt.RegisteredClaims{
		Subject:   uid,
		Issuer:    m.Issuer,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(expires),
	}
	if m.Audience != "" {
		claims.Audience = jwt.ClaimStrings{m.Audience}
	}
	t := jwt.NewWithClaims(m.method, claims)
	t.Header["kid"] = m.kid
	token, err = t.SignedString(m.key)
	return token, expires, err
}
