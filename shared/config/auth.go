package config

import (
	"errors"
	"slices"
	"strings"

	"cosgate/shared/logging"
)

// Auth says how a caller's uid is known.
type Auth struct {
	Mode string `env:"AUTH_MODE"           envDefault:"jwt"` // jwt, wxcloud or none
	// JWTSecret holds the HS256 secret, or during a rotation several,
	// comma-separated (see JWTSecrets).
	JWTSecret logging.Secret `env:"AUTH_JWT_SECRET"`
	// JWTPublicKey is a PEM or base64 DER public key for RS256 (RSA) or
	// ES256 (P-256), or during a rotation several, comma-separated
	// (identity.DecodeKeys reads them).
	JWTPublicKey string `env:"AUTH_JWT_PUBLIC_KEY"`
	JWTIssuer    string `env:"AUTH_JWT_ISSUER"`
	JWTAudience  string `env:"AUTH_JWT_AUDIENCE"`
	// AllowHS256 says a secret beside a public key is meant: without it a
	// function refuses the mix (see OneKind).
	AllowHS256 bool `env:"AUTH_JWT_ALLOW_HS256" envDefault:"false"`
}

// MaxJWTKeys bounds the keys of each kind a variable may list: a token
// without a kid is tried against each, so the bound is the work one such
// token can cost. A rotation needs two.
const MaxJWTKeys = 4

// JWTSecrets are AUTH_JWT_SECRET's secrets, newest first.
func (a Auth) JWTSecrets() []string { return splitSecrets(a.JWTSecret) }

// splitSecrets reads AUTH_JWT_SECRET. One secret is taken exactly as
// written, as it always was; a value with a comma is a list, newest first
// (the login function signs with the first), with spaces around entries and
// empty entries ignored as in every cosgate list. A secret therefore cannot
// contain a comma; base64 and hex secrets never do.
func splitSecrets(v logging.Secret) []string {
	s := v.Reveal()
	if !strings.Contains(s, ",") {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// checkSecrets holds each HS256 secret to 32 bytes and the list to
// MaxJWTKeys distinct secrets. The messages never quote a secret.
func checkSecrets(v logging.Secret) error {
	secrets := splitSecrets(v)
	if len(secrets) > MaxJWTKeys {
		return Problemf("AUTH_JWT_SECRET", "lists %d secrets; at most %d (a rotation needs two)", len(secrets), MaxJWTKeys)
	}
	for i, s := range secrets {
		switch {
		case len(s) < 32 && len(secrets) == 1:
			return Problemf("AUTH_JWT_SECRET", "must be at least 32 bytes (256 bits) for HS256")
		case len(s) < 32:
			return Problemf("AUTH_JWT_SECRET", "secret %d is shorter than 32 bytes (256 bits); list secrets separated by commas, "+
				"which no secret may contain", i+1)
		case slices.Contains(secrets[:i], s):
			return Problemf("AUTH_JWT_SECRET", "lists secret %d twice", i+1)
		}
	}
	return nil
}

// OneKind refuses AUTH_JWT_SECRET beside AUTH_JWT_PUBLIC_KEY in jwt mode
// unless AUTH_JWT_ALLOW_HS256 is true: see oneKind.
func (a Auth) OneKind() error {
	if a.Mode != "jwt" {
		return nil
	}
	return oneKind(a.JWTSecret, a.AllowHS256, "AUTH_JWT_PUBLIC_KEY", a.JWTPublicKey != "")
}

// oneKind holds a deployment to one kind of token key. A key pair exists
// so that only the login function can mint tokens; an HS256 secret beside
// it lets every function holding the secret, and anyone who reads their
// environment, mint a token for any uid, which the verifiers then accept.
// So AUTH_JWT_SECRET set with the key variable keyVar is refused, naming
// both, unless AUTH_JWT_ALLOW_HS256=true says both are meant.
func oneKind(secret logging.Secret, allow bool, keyVar string, key bool) error {
	if allow || !key || len(splitSecrets(secret)) == 0 {
		return nil
	}
	return Problemf("AUTH_JWT_SECRET", "and %s are both set: HS256 tokens, which any holder of the secret can mint "+
		"for any uid, would be accepted beside the key pair's; unset one of them, or set AUTH_JWT_ALLOW_HS256=true "+
		"if both are meant", keyVar)
}

// Validate checks the mode and that jwt has a key. The public keys are read
// by identity when the function is built.
func (a Auth) Validate() error {
	switch a.Mode {
	case "jwt":
		if len(a.JWTSecrets()) == 0 && a.JWTPublicKey == "" {
			return Problemf("AUTH_JWT_SECRET", "is required when AUTH_MODE is jwt (or AUTH_JWT_PUBLIC_KEY)")
		}
		return errors.Join(checkSecrets(a.JWTSecret), a.OneKind())
	case "wxcloud", "none":
	default:
		return Problemf("AUTH_MODE", "must be jwt, wxcloud or none")
	}
	return nil
}
