// Package signapi is the sign function: the stock COS SDKs' getAuthorization
// hands it the request they are about to send, and it answers with a
// signature for exactly that request when the caller may make it, signed
// with a short-lived key whose policy is the caller's grant. Multipart
// uploads are bound to the caller, the key and UPLOAD_MAX_BYTES across all
// their parts, which a temporary key's policy cannot express.
package signapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
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

// signKeyCacheSize bounds the signing keys a warm instance keeps: one per
// recent caller.
const signKeyCacheSize = 1024

// Build reads the configuration and returns the service.
func Build(env platform.Env) (platform.Service, error) {
	cfg, err := config.Load[config.SignFunction](env.Environ)
	if err := config.Join(err, config.LimitsApply("sign", env.Getenv)); err != nil {
		return platform.Service{}, err
	}
	h, err := New(cfg, env.Getenv, env.Logger)
	if err != nil {
		return platform.Service{}, err
	}
	return platform.Service{Handler: limits.ByAddress(h), Methods: []string{http.MethodPost}, HTTP: cfg.HTTP}, nil
}

// New builds the handler from a loaded configuration. Every problem is
// reported at once.
func New(cfg config.SignFunction, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	auth, authErr := identity.FromConfig(cfg.Auth)
	write, tplErr := identity.Templates(cfg.Auth, "STS_ALLOW_PREFIX", strings.TrimSuffix(cfg.Grant.AllowPrefix, "*"))
	reads, readErr := identity.Templates(cfg.Auth, "DOWNLOAD_ALLOW_PREFIXES", cfg.Reads.AllowPrefixes...)
	actions, actErr := campolicy.ExpandActions(cfg.Grant.AllowActions)
	if actErr != nil {
		actErr = config.Problemf("STS_ALLOW_ACTIONS", "%v", actErr)
	}
	if !strings.HasSuffix(cfg.Grant.AllowPrefix, "*") && tplErr == nil {
		tplErr = config.Problemf("STS_ALLOW_PREFIX", "must end in * for /sign: it names the caller's prefix")
	}
	types, typErr := contenttype.Parse(cfg.Upload.AllowedExt)
	if typErr != nil {
		typErr = config.Problemf("UPLOAD_ALLOWED_EXT", "%v", typErr)
	}
	sts, stsErr := stsclient.FromConfig(cfg.STS, cfg.Key, cfg.COS.Region, getenv, logger)
	guard, guardErr := limits.FromConfig(cfg.Limits, limits.Use{Function: "sign", AuthMode: cfg.Auth.Mode})
	if err := config.Join(authErr, tplErr, readErr, actErr, typErr, stsErr, guardErr); err != nil {
		return nil, err
	}
	return &Handler{
		Auth:          auth,
		Prefix:        write[0],
		Reads:         reads,
		Actions:       actions,
		Types:         types,
		MaxBytes:      cfg.Upload.MaxBytes,
		Expires:       cfg.Sign.Expires.D(),
		MultipartLife: cfg.Sign.MultipartLife.D(),
		Bucket:        cfg.COS.Bucket,
		Region:        cfg.COS.Region,
		Keys: &SignKeys{
			STS:     sts,
			Cache:   credcache.New[stsclient.Credentials](signKeyCacheSize, nil),
			Bucket:  campolicy.Bucket{Region: cfg.COS.Region, Name: cfg.COS.Bucket, AppID: cfg.COS.AppID()},
			Life:    scopedkey.KeyLife(cfg.Sign.Expires.D()),
			RoleARN: cfg.STS.RoleARN,
		},
		Guard: guard,
		Now:   time.Now,
	}, nil
}

// SignKeys mints the short-lived keys signatures are made with: one per
// caller, from STS, whose policy is the caller's grant (the actions of
// STS_ALLOW_ACTIONS under the caller's prefix, single uploads capped at
// UPLOAD_MAX_BYTES, never a public ACL or a grant header) plus reads under
// the caller's readable prefixes. COS judges a signed request against that
// policy whatever its holder adds to it unsigned.
type SignKeys scopedkey.Source

// For returns the key c's signatures are made with, and when it expires
// (Unix seconds): write actions on prefix*, reads on each of reads.
func (k *SignKeys) For(ctx context.Context, c identity.Caller, prefix string, reads []string, actions []string,
	maxBytes int64) (cossign.Credentials, int64, error) {
	scope := prefix + "\x00" + strings.Join(reads, "\x00")
	return (*scopedkey.Source)(k).Get(ctx, c, scope, func(b campolicy.Bucket) (campolicy.Policy, error) {
		var grants []campolicy.Grant
		for _, a := range actions {
			if slices.Contains(campolicy.ReadActions, a) {
				continue // reads follow the download rules below
			}
			grants = append(grants, campolicy.Grant{Action: a, Pattern: prefix + "*"})
		}
		if slices.ContainsFunc(actions, func(a string) bool { return slices.Contains(campolicy.ReadActions, a) }) {
			for _, r := range reads {
				for _, a := range campolicy.ReadActions {
					grants = append(grants, campolicy.Grant{Action: a, Pattern: r + "*"})
				}
			}
		}
		return campolicy.Build(b, grants, campolicy.Conditions{MaxBytes: maxBytes})
	})
}
