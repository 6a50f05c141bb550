package presignapi

import (
	"context"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/cossign"
	"cosgate/shared/credcache"
	"cosgate/shared/identity"
	"cosgate/shared/stsclient"
)

// UploadKeys mints the short-lived keys uploads are signed with: one per
// caller, from STS, whose policy lets it write only under the caller's
// prefix, only a private object (x-cos-acl: private required), never over
// an existing one, and never with an x-cos-grant-* header or form field. A
// URL or form signed with it stays within that policy whatever a holder
// adds to the request, which a permanent key's signature cannot promise:
// COS accepts headers and fields a signature does not cover.
type UploadKeys struct {
	STS    stsclient.Issuer
	Cache  *credcache.Cache[stsclient.Credentials]
	Bucket campolicy.Bucket
	// Life is each key's lifetime: twice an upload's, so that a key reused
	// until half its life is gone still outlives every URL signed with it.
	Life    time.Duration
	RoleARN string
}

// KeyLife is the lifetime of upload keys for URLs that live expires:
// twice that, at least 30 minutes (so keys are reused), at most the 2 hours
// GetFederationToken gives.
func KeyLife(expires time.Duration) time.Duration {
	return min(max(2*expires, 30*time.Minute), 2*time.Hour)
}

// For returns the key c's uploads under prefix are signed with.
func (k *UploadKeys) For(ctx context.Context, c identity.Caller, prefix string) (cossign.Credentials, error) {
	key := credcache.KeyFor(c.UID, []byte(prefix))
	creds, _, err := k.Cache.Get(ctx, key, func(ctx context.Context) (stsclient.Credentials, error) {
		policy, err := campolicy.Build(k.Bucket, []campolicy.Grant{
			{Action: "name/cos:PutObject", Pattern: prefix + "*"},
			{Action: "name/cos:PostObject", Pattern: prefix + "*"},
		}, campolicy.Conditions{ForbidOverwrite: true, RequirePrivate: true})
		if err != nil {
			return stsclient.Credentials{}, err
		}
		return k.STS.Issue(ctx, stsclient.Request{
			Policy:      policy.JSON(),
			Duration:    k.Life,
			RoleARN:     k.RoleARN,
			SessionName: stsclient.SessionName(c.Subject()),
		})
	})
	if err != nil {
		return cossign.Credentials{}, stsclient.AsHTTP(err)
	}
	return cossign.Credentials{SecretID: creds.TmpSecretID, SecretKey: creds.TmpSecretKey, SessionToken: creds.Token}, nil
}
