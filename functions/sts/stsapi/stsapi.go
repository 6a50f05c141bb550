// Package stsapi is the sts function: it authenticates the caller and
// issues a temporary COS key limited to the caller's prefix and the
// configured actions (or a narrower scope the caller asks for).
package stsapi

import (
	"context"
	"errors"
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
}

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.STSFunction](env.Environ)
	if err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg, env)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{Handler: h, Methods: []string{http.MethodGet, http.MethodPost}, HTTP: cfg.HTTP}, nil
}

// New builds the handler from a loaded configuration, checking what only
// the policy and identity packages can: the actions, the prefix pattern,
// the templates and the JWT key. Every problem is reported at once.
func New(cfg config.STSFunction, env platform.Env) (*Handler, error) {
	auth, authErr := identity.FromConfig(cfg.Auth)
	prefix, tplErr := identity.Templates(cfg.Auth, "STS_ALLOW_PREFIX", cfg.STS.AllowPrefix)
	bucket := campolicy.Bucket{
		Region:          cfg.COS.Region,
		Name:            cfg.COS.Bucket,
		AppID:           cfg.COS.AppID(),
		AllowBucketWide: cfg.STS.AllowBucketWide,
	}
	var errs []error
	errs = append(errs, authErr, tplErr)
	if err := campolicy.ValidateActions(cfg.STS.AllowActions); err != nil {
		errs = append(errs, config.Problemf("STS_ALLOW_ACTIONS", "%v", err))
	}
	cond := campolicy.Conditions{
		MaxBytes:        cfg.STS.MaxBytes,
		ContentType:     cfg.STS.ContentType,
		ForbidOverwrite: cfg.STS.ForbidOverwrite,
	}
	if cond != (campolicy.Conditions{}) && campolicy.HasMultipart(cfg.STS.AllowActions) {
		// Parts are checked one by one, so a cap set on PutObject would not
		// hold for an upload made of parts.
		errs = append(errs, config.Problemf("STS_CONDITION_MAX_BYTES",
			"(or STS_CONDITION_CONTENT_TYPE or STS_FORBID_OVERWRITE) cannot be enforced on multipart uploads; "+
				"drop them or the multipart actions from STS_ALLOW_ACTIONS"))
	}
	if tplErr == nil {
		// The prefix as a policy pattern, with a stand-in uid.
		if err := bucket.CheckPattern(prefix[0].For(identity.Caller{UID: "u"})); err != nil {
			errs = append(errs, config.Problemf("STS_ALLOW_PREFIX", "%v", err))
		}
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
		Endpoint: cfg.STS.Endpoint,
		Region:   region,
		Key:      key,
		Timeout:  cfg.STS.Timeout.D(),
		Logger:   env.Logger,
		HTTP:     &http.Client{Timeout: 2 * cfg.STS.Timeout.D()},
	})
	if err != nil {
		errs = append(errs, config.Problemf("STS_ENDPOINT", "must be a host or an http(s) URL"))
	}
	if err := config.Join(errs...); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:     auth,
		Prefix:   prefix[0],
		Actions:  cfg.STS.AllowActions,
		Bucket:   bucket,
		Cond:     cond,
		STS:      client,
		Cache:    credcache.New[stsclient.Credentials](cfg.STS.CacheSize, nil),
		Duration: cfg.STS.Duration.D(),
		RoleARN:  cfg.STS.RoleARN,
		Now:      time.Now,
	}, nil
}

func permanentKey(k config.Key) stsclient.KeySource {
	key := stsclient.Key{SecretID: k.SecretID.Reveal(), SecretKey: k.SecretKey.Reveal()}
	return func() (stsclient.Key, error) { return key, nil }
}

// roleKey reads the execution role's key that SCF injects, at every call:
// the platform rotates it.
func roleKey(getenv func(string) string) stsclient.KeySource {
	return func() (stsclient.Key, error) {
		k := stsclient.Key{
			SecretID:  getenv("TENCENTCLOUD_SECRETID"),
			SecretKey: getenv("TENCENTCLOUD_SECRETKEY"),
			Token:     getenv("TENCENTCLOUD_SESSIONTOKEN"),
		}
		if k.SecretID == "" || k.SecretKey == "" {
			return k, errors.New(
				"no COS_SECRET_ID/COS_SECRET_KEY and no execution role key (TENCENTCLOUD_SECRETID) to call STS with",
			)
		}
		return k, nil
	}
}
