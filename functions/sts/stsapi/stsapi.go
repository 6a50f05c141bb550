// Package stsapi is the sts function: it authenticates the caller and
// issues a temporary COS key limited to the caller's prefix and the
// configured actions (or a narrower scope the caller asks for).
package stsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/config"
	"cosgate/shared/credcache"
	"cosgate/shared/identity"
	"cosgate/shared/platform"
	"cosgate/shared/stsclient"
)

// Issuer gets temporary keys from STS.
type Issuer interface {
	Issue(ctx context.Context, r stsclient.Request) (stsclient.Credentials, error)
}

// Handler serves POST (and GET) /sts.
type Handler struct {
	Auth     identity.Authenticator
	Prefix   identity.Template
	Actions  []string
	Bucket   campolicy.Bucket
	Cond     campolicy.Conditions
	STS      Issuer
	Cache    *credcache.Cache[stsclient.Credentials]
	Duration time.Duration
	RoleARN  string
	Now      func() time.Time
	Logger   *slog.Logger
}

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.STSFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	auth, err := cfg.Auth.Authenticator()
	if err != nil {
		return nil, err
	}
	key := permanentKey(cfg.Key)
	if !cfg.Key.Present() {
		key = roleKey(env.Getenv)
	}
	region := cfg.STS.Region
	if region == "" {
		region = cfg.COS.Region
	}
	client, err := stsclient.New(stsclient.Options{
		Endpoint: cfg.STS.Endpoint, Region: region, Key: key, Timeout: cfg.STS.Timeout.D(), Logger: env.Logger,
		HTTP: &http.Client{Timeout: 2 * cfg.STS.Timeout.D()},
	})
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Auth: auth, Prefix: identity.Template(cfg.STS.AllowPrefix), Actions: cfg.STS.AllowActions,
		Bucket: cfg.COS.PolicyBucket(cfg.STS.AllowBucketWide), Cond: cfg.STS.Conditions(), STS: client,
		Cache: credcache.New[stsclient.Credentials](cfg.STS.CacheSize, nil), Duration: cfg.STS.Duration.D(),
		RoleARN: cfg.STS.RoleARN, Now: time.Now, Logger: env.Logger,
	}
	return env.Middleware(h, cfg.HTTP, http.MethodGet, http.MethodPost), nil
}

func permanentKey(k config.Key) stsclient.KeySource {
	key := stsclient.Key{SecretID: k.SecretID.Reveal(), SecretKey: k.SecretKey.Reveal()}
	return func() (stsclient.Key, error) { return key, nil }
}

// roleKey reads the execution role's key that SCF injects, at every call:
// the platform rotates it.
func roleKey(getenv func(string) string) stsclient.KeySource {
	return func() (stsclient.Key, error) {
		k := stsclient.Key{SecretID: getenv("TENCENTCLOUD_SECRETID"), SecretKey: getenv("TENCENTCLOUD_SECRETKEY"), Token: getenv("TENCENTCLOUD_SESSIONTOKEN")}
		if k.SecretID == "" || k.SecretKey == "" {
			return k, errors.New("no COS_SECRET_ID/COS_SECRET_KEY and no execution role key (TENCENTCLOUD_SECRETID) to call STS with")
		}
		return k, nil
	}
}
