// Package loginapi is the login function: it turns a mini program's
// wx.login code into the caller's cosgate token, by way of WeChat's
// jscode2session. It is the one function that can mint tokens.
package loginapi

import (
	"crypto/ecdsa"
	"net/http"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the service, with its limits.
// A LIMIT_* that cannot apply to login is refused, so that a caller limit
// set on login by mistake stops the start rather than failing silently.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.LoginFunction](env.Environ)
	if err := config.Join(err, config.LimitsApply("login", env.Getenv)); err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg)
	guard, guardErr := limits.FromConfig(cfg.Limits, limits.Use{Function: "login"})
	if err := config.Join(err, guardErr); err != nil {
		return platform.Service{}, err
	}
	h.Guard = guard
	return platform.Service{Handler: limits.ByAddress(h), Methods: []string{http.MethodPost}, HTTP: cfg.HTTP}, nil
}

// retryDelay is the pause before asking a busy WeChat again.
const retryDelay = 200 * time.Millisecond

// New builds the handler from a loaded configuration, reading the keys.
// Its handler has no limits: Build adds them.
func New(cfg config.LoginFunction) (*Handler, error) {
	m, err := minter(cfg.Login)
	if err != nil {
		return nil, config.Join(err)
	}
	m.Issuer, m.Audience, m.TTL = cfg.Login.Issuer, cfg.Login.Audience, cfg.Login.TokenTTL.D()
	return &Handler{
		WeChat: &WeChat{
			Endpoint:  cfg.WeChat.Endpoint,
			AppID:     cfg.WeChat.AppID,
			AppSecret: cfg.WeChat.AppSecret.Reveal(),
			Client: &http.Client{
				// An answer is never a redirect; following one would carry the
				// AppSecret in the query to wherever it pointed.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			},
			Timeout:    cfg.WeChat.Timeout.D(),
			RetryDelay: retryDelay,
		},
		Minter: m,
		UIDs:   UIDRule{Mode: cfg.Login.UID, Secret: []byte(cfg.Login.UIDSecret.Reveal())},
		Now:    time.Now,
	}, nil
}

// minter prefers the private key (ES256) to the shared secret (HS256, its
// first and newest secret), and checks a private key against
// AUTH_JWT_PUBLIC_KEY when both are set.
func minter(l config.Login) (*Minter, error) {
	if l.PrivateKey == "" {
		return NewHS256([]byte(l.Secrets()[0])), nil // Validate made sure there is one
	}
	m, err := NewES256(l.PrivateKey.Reveal())
	if err != nil {
		return nil, config.Problemf("LOGIN_JWT_PRIVATE_KEY", "is not usable: %v", err)
	}
	if l.PublicKey != "" {
		if err := listsPublicHalf(l.PublicKey, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// listsPublicHalf checks that AUTH_JWT_PUBLIC_KEY lists the private key's
// public half. It may list others: during a rotation the old key is listed
// too, before login switches to the new key and after.
func listsPublicHalf(publicKeys string, m *Minter) error {
	keys, err := identity.ParsePublicKeys(publicKeys)
	if err != nil {
		return config.Problemf("AUTH_JWT_PUBLIC_KEY", "is not usable: %v", err)
	}
	for _, k := range keys {
		if k, ok := k.(*ecdsa.PublicKey); ok && k.Equal(m.Public()) {
			return nil
		}
	}
	if len(keys) == 1 {
		return config.Problemf("AUTH_JWT_PUBLIC_KEY", "is not the public half of LOGIN_JWT_PRIVATE_KEY")
	}
	return config.Problemf("AUTH_JWT_PUBLIC_KEY", "does not list the public half of LOGIN_JWT_PRIVATE_KEY (kid %s)", m.KeyID())
}
