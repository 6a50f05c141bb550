// Package downloadapi is the download function: it checks that the caller
// may read a key and redirects to a short-lived signed GET URL for it.
package downloadapi

import (
	"log/slog"
	"net/http"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/config"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/credcache"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/platform"
	"cosgate/shared/scopedkey"
	"cosgate/shared/stsclient"
)

// readKeyCacheSize bounds the download keys a warm instance keeps: one per
// recent caller.
const readKeyCacheSize = 1024

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.DownloadFunction](env.Environ)
	if err := config.Join(err, config.LimitsApply("download", env.Getenv)); err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg, env.Getenv, env.Logger)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{Handler: limits.ByAddress(h), Methods: []string{http.MethodGet}, HTTP: cfg.HTTP}, nil
}

// New builds the handler from a loaded configuration, checking what only
// the identity and cossign packages can. Every problem is reported at once.
func New(cfg config.DownloadFunction, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
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
	guard, guardErr := limits.FromConfig(cfg.Limits, limits.Use{Function: "download", AuthMode: cfg.Auth.Mode})
	sts, stsErr := stsclient.FromConfig(cfg.STS, cfg.Key, cfg.COS.Region, getenv, logger)
	if err := config.Join(authErr, tplErr, epErr, err, guardErr, stsErr); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:     auth,
		Prefixes: prefixes,
		Expires:  cfg.Download.Expires.D(),
		Process:  cfg.Download.ImageProcess,
		Types:    types,
		Endpoint: endpoint,
		Keys: &ReadKeys{
			STS:     sts,
			Cache:   credcache.New[stsclient.Credentials](readKeyCacheSize, nil),
			Bucket:  campolicy.Bucket{Region: cfg.COS.Region, Name: cfg.COS.Bucket, AppID: cfg.COS.AppID()},
			Life:    scopedkey.KeyLife(cfg.Download.Expires.D()),
			RoleARN: cfg.STS.RoleARN,
		},
		Guard: guard,
		Now:   time.Now,
	}, nil
}
