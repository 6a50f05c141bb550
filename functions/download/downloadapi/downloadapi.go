// Package downloadapi is the download function: it checks that the caller
// may read a key and redirects to a short-lived signed GET URL for it.
package downloadapi

import (
	"net/http"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.DownloadFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	auth, err := cfg.Auth.Authenticator()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Auth: auth, Expires: cfg.Download.Expires.D(), Process: cfg.Download.ImageProcess,
		Endpoint: cfg.COS.ObjectEndpoint(), Creds: cfg.Key.Credentials(), Now: time.Now, Logger: env.Logger,
	}
	for _, p := range cfg.Download.AllowPrefixes {
		h.Prefixes = append(h.Prefixes, identity.Template(p))
	}
	return env.Middleware(h, cfg.HTTP, http.MethodGet), nil
}
