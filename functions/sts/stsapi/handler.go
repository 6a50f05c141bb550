package stsapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/campolicy"
	"cosgate/shared/credcache"
	"cosgate/shared/gate"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/objkey"
	"cosgate/shared/stsclient"
)

// maxScope bounds a requested scope: each entry grows the policy and the
// session token with it.
const maxScope = 20

// ScopeItem is one entry of a requested scope, as the official
// sts-server-scope sample sends it.
type ScopeItem struct {
	Action string `json:"action"`
	Prefix string `json:"prefix"`
	Bucket string `json:"bucket,omitempty"`
	Region string `json:"region,omitempty"`
}

type request struct {
	Scope []ScopeItem `json:"scope"`
}

// Credentials in the response, named as the official STS samples name them.
type Credentials struct {
	TmpSecretID  string `json:"tmpSecretId"`
	TmpSecretKey string `json:"tmpSecretKey"`
	SessionToken string `json:"sessionToken"`
}

// Response is the body of a successful answer; cos-wx-sdk-v5 and
// cos-js-sdk-v5 demos map these fields into getAuthorization.
type Response struct {
	Credentials  Credentials `json:"credentials"`
	StartTime    int64       `json:"startTime"`
	ExpiredTime  int64       `json:"expiredTime"`
	Expiration   string      `json:"expiration"`
	RequestID    string      `json:"requestId"`
	Bucket       string      `json:"bucket"`
	Region       string      `json:"region"`
	AllowPrefix  []string    `json:"allowPrefix"`
	AllowActions []string    `json:"allowActions"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { httpapi.Serve(w, r, h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	caller, err := gate.Admit(r, h.Auth, h.Guard, "sts")
	if err != nil {
		return err
	}

	var req request
	if r.Method == http.MethodPost {
		if _, err := httpapi.DecodeJSON(r, &req); err != nil {
			return err
		}
	}
	grants, err := h.grants(caller, req.Scope)
	if err != nil {
		return err
	}
	// The policy is a function of the grants and the configuration, so the
	// grants key the cache and the policy is built only when STS is called.
	ctx, cancel := httpapi.Budget(r.Context())
	defer cancel()
	key := credcache.KeyFor(caller.UID, grantsKey(grants))
	if ok, retry := h.Scopes.Allow(caller.UID, key, h.Now()); !ok {
		e := apierr.New(
			apierr.RateLimited,
			"at most %d different scopes a minute; reuse the ones you have",
			h.Scopes.Max,
		)
		e.RetryAfter = retry.Truncate(time.Second) + time.Second
		prefixes, actions := lists(grants)
		return httpapi.Refused(e, caller.UID, "sts", slog.Any("prefixes", prefixes), slog.Any("actions", actions))
	}
	// Each grant counts, cached or not, before STS is asked: that is what
	// keeps a caller from draining the account's STS quota.
	if err := h.Guard.Grant(r.Context(), caller.UID); err != nil {
		return httpapi.Refused(err, caller.UID, "sts")
	}
	creds, hit, err := h.Cache.Get(ctx, key, func(ctx context.Context) (stsclient.Credentials, error) {
		return h.issue(ctx, caller, grants)
	})
	if err != nil {
		return stsclient.AsHTTP(err)
	}
	// The upload quota is charged only for a key handed out.
	if err := h.chargeUpload(r.Context(), caller.UID, grants); err != nil {
		return httpapi.Refused(err, caller.UID, "sts")
	}

	resp := h.response(r, creds, grants)
	httpapi.AddLogAttrs(r.Context(),
		slog.Any("actions", resp.AllowActions),
		slog.Any("prefixes", resp.AllowPrefix),
		slog.Int64("expired_time", creds.ExpiredTime),
		slog.Bool("cached", hit),
		slog.String("sts_request_id", creds.RequestID),
	)
	httpapi.Audit(r, slog.String("uid", caller.UID), slog.String("action", "sts"),
		slog.Any("prefixes", resp.AllowPrefix), slog.Any("actions", resp.AllowActions),
		slog.String("expires", time.Unix(creds.ExpiredTime, 0).UTC().Format(time.RFC3339)), slog.Bool("cached", hit),
		slog.String("decision", "allow"))
	// Credentials must never sit in a shared cache.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// issue asks STS for a key limited to grants, on a cache miss.
func (h *Handler) issue(ctx context.Context, caller identity.Caller, grants []campolicy.Grant) (stsclient.Credentials, error) {
	policy, err := campolicy.Build(h.Bucket, grants, h.Cond)
	if err != nil {
		return stsclient.Credentials{}, apierr.New(apierr.InvalidRequest, "%v", err)
	}
	return h.STS.Issue(ctx, stsclient.Request{
		Policy:      policy.JSON(),
		Duration:    h.Duration,
		RoleARN:     h.RoleARN,
		SessionName: stsclient.SessionName(caller.Subject()),
	})
}

// response is the answer for creds issued for grants.
func (h *Handler) response(r *http.Request, creds stsclient.Credentials, grants []campolicy.Grant) Response {
	resp := Response{
		Credentials: Credentials{creds.TmpSecretID, creds.TmpSecretKey, creds.Token},
		StartTime:   h.Now().Unix(),
		ExpiredTime: creds.ExpiredTime,
		Expiration:  creds.Expiration,
		RequestID:   httpapi.RequestID(r.Context()),
		Bucket:      h.Bucket.Name,
		Region:      h.Bucket.Region,
	}
	if resp.Expiration == "" {
		resp.Expiration = time.Unix(creds.ExpiredTime, 0).UTC().Format(time.RFC3339)
	}
	resp.AllowPrefix, resp.AllowActions = lists(grants)
	return resp
}

// grants is what the caller gets: every configured action on their prefix,
// or the requested scope if it lies entirely within that.
func (h *Handler) grants(c identity.Caller, scope []ScopeItem) ([]campolicy.Grant, error) {
	mine := h.Prefix.For(c)
	allowed := make([]campolicy.Grant, len(h.Actions))
	for i, a := range h.Actions {
		allowed[i] = campolicy.Grant{Action: a, Pattern: mine}
	}
	if len(scope) == 0 {
		return allowed, nil
	}
	if len(scope) > maxScope {
		return nil, apierr.New(apierr.InvalidRequest, "a scope may list at most %d entries", maxScope)
	}
	requested := make([]campolicy.Grant, len(scope))
	for i, s := range scope {
		if s.Action == "" || s.Prefix == "" {
			return nil, apierr.New(apierr.InvalidRequest, "scope entry %d needs an action and a prefix", i)
		}
		if s.Bucket != "" && s.Bucket != h.Bucket.Name || s.Region != "" && s.Region != h.Bucket.Region {
			return nil, apierr.New(apierr.Forbidden, "scope entry %d names another bucket or region", i)
		}
		// The rules a client-chosen upload key meets (objkey.ValidateKey),
		// then the policy's own: one '*' at the end, no whole bucket.
		if err := objkey.ValidatePrefix(s.Prefix); err != nil {
			return nil, apierr.New(apierr.InvalidKey, "scope entry %d: %v", i, err)
		}
		if err := h.Bucket.CheckPattern(s.Prefix); err != nil {
			return nil, apierr.New(apierr.InvalidKey, "scope entry %d: %v", i, err)
		}
		requested[i] = campolicy.Grant{Action: s.Action, Pattern: s.Prefix}
	}
	if err := campolicy.Narrow(h.Bucket, allowed, requested); err != nil {
		return nil, apierr.New(apierr.Forbidden, "%v", err)
	}
	return requested, nil
}

// chargeUpload counts a grant that can upload as one upload of GrantBytes
// against the daily quotas.
func (h *Handler) chargeUpload(ctx context.Context, uid string, grants []campolicy.Grant) error {
	for _, g := range grants {
		if campolicy.Uploads(g.Action) {
			return h.Guard.Upload(ctx, uid, h.GrantBytes)
		}
	}
	return nil
}

// grantsKey is a canonical, unambiguous rendering of the grants.
func grantsKey(grants []campolicy.Grant) []byte {
	var b []byte
	for _, g := range grants {
		b = append(append(append(append(b, g.Action...), 0), g.Pattern...), 0)
	}
	return b
}

// lists are the grants' patterns and actions, each once, in order: what
// an answer and an audit line show of them.
func lists(grants []campolicy.Grant) (prefixes, actions []string) {
	for _, g := range grants {
		actions = appendNew(actions, g.Action)
		prefixes = appendNew(prefixes, g.Pattern)
	}
	return prefixes, actions
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
