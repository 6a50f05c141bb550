package identity

import (
	"errors"

	"cosgate/shared/config"
)

// FromConfig builds the authenticator the configuration names.
func FromConfig(a config.Auth) (Authenticator, error) {
	switch a.Mode {
	case "wxcloud":
		return WXCloud{}, nil
	case "none":
		return Anonymous{}, nil
	}
	// One kind of key, as config.Load checks too: a caller building an
	// Auth by hand gets the same refusal.
	if err := a.OneKind(); err != nil {
		return nil, err
	}
	var secrets [][]byte
	for _, s := range a.JWTSecrets() {
		secrets = append(secrets, []byte(s))
	}
	j, err := NewJWT(JWTConfig{
		Secrets:      secrets,
		PublicKeyPEM: a.JWTPublicKey,
		Issuer:       a.JWTIssuer,
		Audience:     a.JWTAudience,
	})
	if err != nil {
		return nil, config.Problemf("AUTH_JWT_PUBLIC_KEY", "is not usable: %v", err)
	}
	return j, nil
}

// Templates parses the key templates of variable and checks them against
// the mode: with AUTH_MODE=none there is no uid to fill {uid}, and {uid}
// must end a segment so one caller's prefix never covers another's
// ("uploads/{uid}" would let u1 reach u10's keys).
func Templates(a config.Auth, variable string, templates ...string) ([]Template, error) {
	out := make([]Template, 0, len(templates))
	var errs []error
	for _, t := range templates {
		tpl, err := ParseTemplate(t)
		switch {
		case err != nil:
			errs = append(errs, config.Problemf(variable, "is not a valid template: %v", err))
		case tpl.HasUID() && a.Mode == "none":
			errs = append(errs, config.Problemf(variable, "uses {uid}, which AUTH_MODE=none cannot fill"))
		case tpl.HasUID() && !tpl.UIDEndsSegment():
			errs = append(
				errs,
				config.Problemf(variable, "must follow {uid} with '/', so one caller's prefix never covers another's"),
			)
		}
		out = append(out, tpl)
	}
	return out, errors.Join(errs...)
}
