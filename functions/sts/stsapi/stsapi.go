// Package stsapi is the sts function: it authenticates the caller and
// issues a temporary COS key limited to the caller's prefix and the
// configured actions (or a narrower scope the caller asks for).
package stsapi

import (
	"net/http"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/config"
	"cosgate/shared/credcache"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/platform"
	"cosgate/shared/stsclient"
)

// Handler serves POST (and GET) /sts.
type Handler struct {
	Auth     identity.Authenticator
	Prefix   identity.Template
	Actions  []string
	Bucket   campolicy.Bucket
	Cond     campolicy.Conditions
	STS      stsclient.Issuer
	Cache    *credcache.Cache[stsclient.Credentials]
	Scopes   *ScopeLimiter
	Duration time.Duration
	RoleARN  string
	Guard    *limits.Guard
	// GrantBytes is charged to the daily byte quota per grant that can
	// upload: the most one upload may be (UPLOAD_MAX_BYTES).
	GrantBytes int64
	Now        func() time.Time
}

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.STSFunction](env.Environ)
	if err := config.Join(err, config.LimitsApply("sts", env.Getenv)); err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg, env)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{
		Handler: limits.ByAddress(h), Methods: []string{http.MethodGet, http.MethodPost}, HTTP: cfg.HTTP,
	}, nil
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
	actions, err := campolicy.ExpandActions(cfg.STS.AllowActions)
	if err != nil {
		errs = append(errs, config.Problemf("STS_ALLOW_ACTIONS", "%v", err))
	}
	cond := campolicy.Conditions{
		MaxBytes:        cfg.STS.MaxBytes,
		ContentType:     cfg.STS.ContentType,
		ForbidOverwrite: cfg.STS.ForbidOverwrite,
	}
	if cond != (campolicy.Conditions{}) && campolicy.HasMultipart(actions) {
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
	client, err := stsclient.FromConfig(cfg.STS.STSClient, cfg.Key, cfg.COS.Region, env.Getenv, env.Logger)
	errs = append(errs, err)
	guard, err := limits.FromConfig(cfg.Limits, limits.Use{Function: "sts", AuthMode: cfg.Auth.Mode})
	errs = append(errs, err)
	if err := config.Join(errs...); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:       auth,
		Prefix:     prefix[0],
		Actions:    actions,
		Bucket:     bucket,
		Cond:       cond,
		STS:        client,
		Cache:      credcache.New[stsclient.Credentials](cfg.STS.CacheSize, nil),
		Scopes:     &ScopeLimiter{Max: cfg.STS.ScopesPerMinute, Window: time.Minute},
		Duration:   cfg.STS.Duration.D(),
		RoleARN:    cfg.STS.RoleARN,
		Guard:      guard,
		GrantBytes: cfg.Grant.MaxBytes,
		Now:        time.Now,
	}, nil
}
