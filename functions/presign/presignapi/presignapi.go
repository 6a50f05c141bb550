// Package presignapi is the presign function: it picks a safe object key
// for the caller and returns a pre-signed PUT URL, or a POST form for
// wx.uploadFile, that can upload exactly one file of the allowed type and
// size to exactly that key, once.
package presignapi

import (
	"crypto/rand"
	"net/http"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.PresignFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	auth, err := cfg.Auth.Authenticator()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Auth: auth, Prefix: identity.Template(cfg.Upload.Prefix), Types: cfg.Upload.Types(), MaxBytes: cfg.Upload.MaxBytes,
		Expires: cfg.Upload.Expires.D(), ClientKeys: cfg.Upload.ClientKeys, Endpoint: cfg.COS.ObjectEndpoint(),
		Bucket: cfg.COS.Bucket, Creds: cfg.Key.Credentials(), Now: time.Now, Rand: rand.Reader, Logger: env.Logger,
	}
	return env.Middleware(h, cfg.HTTP, http.MethodPost), nil
}
