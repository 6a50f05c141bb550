// Package presignapi is the presign function: it picks a safe object key
// for the caller and returns a pre-signed PUT URL, or a POST form for
// wx.uploadFile, that can upload exactly one file of the allowed type and
// size to exactly that key, once.
package presignapi

import (
	"crypto/rand"
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

// uploadKeyCacheSize bounds the upload keys a warm instance keeps: one per
// recent caller.
const uploadKeyCacheSize = 1024

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.PresignFunction](env.Environ)
	if err := config.Join(err, config.LimitsApply("presign", env.Getenv)); err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg, env.Getenv, env.Logger)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{Handler: limits.ByAddress(h), Methods: []string{http.MethodPost}, HTTP: cfg.HTTP}, nil
}

// New builds the handler from a loaded configuration, checking what only
// the identity, contenttype and cossign packages can. Every problem is
// reported at once.
func New(cfg config.PresignFunction, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	auth, authErr := identity.FromConfig(cfg.Auth)
	prefix, tplErr := identity.Templates(cfg.Auth, "UPLOAD_PREFIX", cfg.Upload.Prefix)
	types, err := contenttype.Parse(cfg.Upload.AllowedExt)
	if err != nil {
		err = config.Problemf("UPLOAD_ALLOWED_EXT", "%v", err)
	}
	endpoint, epErr := cossign.BucketEndpoint(cfg.COS.Endpoint, cfg.COS.Bucket, cfg.COS.Region, cfg.COS.PathStyle)
	if epErr != nil {
		epErr = config.Problemf("COS_ENDPOINT", "must be scheme://host[:port] with no path")
	}
	sts, stsErr := stsclient.FromConfig(cfg.STS, cfg.Key, cfg.COS.Region, getenv, logger)
	guard, guardErr := limits.FromConfig(cfg.Limits, limits.Use{Function: "presign", AuthMode: cfg.Auth.Mode})
	if err := config.Join(authErr, tplErr, err, epErr, stsErr, guardErr); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:       auth,
		Prefix:     prefix[0],
		Types:      types,
		MaxBytes:   cfg.Upload.MaxBytes,
		Expires:    cfg.Upload.Expires.D(),
		ClientKeys: cfg.Upload.ClientKeys,
		Endpoint:   endpoint,
		Bucket:     cfg.COS.Bucket,
		Keys: &UploadKeys{
			STS:   sts,
			Cache: credcache.New[stsclient.Credentials](uploadKeyCacheSize, nil),
			Bucket: campolicy.Bucket{
				Region: cfg.COS.Region,
				Name:   cfg.COS.Bucket,
				AppID:  cfg.COS.AppID(),
			},
			Life:    scopedkey.KeyLife(cfg.Upload.Expires.D()),
			RoleARN: cfg.STS.RoleARN,
		},
		Guard: guard,
		Now:   time.Now,
		Rand:  rand.Reader,
	}, nil
}
