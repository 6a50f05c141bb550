// Package downloadapi is the download function: it checks that the caller
// may read a key and redirects to a short-lived signed GET URL for it.
package downloadapi

import (
	"net/http"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.DownloadFunction](env.Environ)
	if err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{Handler: h, Methods: []string{http.MethodGet}, HTTP: cfg.HTTP}, nil
}

// New builds the handler from a loaded configuration, checking what only
// the identity and cossign packages can. Every problem is reported at once.
func New(cfg config.DownloadFunction) (*Handler, error) {
	auth, authErr := identity.FromConfig(cfg.Auth)
	prefixes, tplErr := identity.Templates(cfg.Auth, "DOWNLOAD_ALLOW_PREFIXES", cfg.Download.AllowPrefixes...)
	endpoint, epErr := cossign.BucketEndpoint(cfg.COS.Endpoint, cfg.COS.Bucket, cfg.COS.Region, cfg.COS.PathStyle)
	if epErr != nil {
		epErr = config.Problemf("COS_ENDPOINT", "must be scheme://host[:port] with no path")
	}
	types, err := contenttype.Parse(cfg.Download.AllowedExt)
	if err != nil {
		err = config.Problemf("UPLOAD_ALLOWED_EXT", "%v", err)
	}
	guard, guardErr := limits.FromConfig(cfg.Limits)
	if err := config.Join(authErr, tplErr, epErr, err, guardErr); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:     auth,
		Prefixes: prefixes,
		Expires:  cfg.Download.Expires.D(),
		Process:  cfg.Download.ImageProcess,
		Types:    types,
		Endpoint: endpoint,
		Creds:    cossign.Credentials{SecretID: cfg.Key.SecretID.Reveal(), SecretKey: cfg.Key.SecretKey.Reveal()},
		Guard:    guard,
		Now:      time.Now,
	}, nil
}
