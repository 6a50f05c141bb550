// Package scopedkey hands a function the temporary keys it signs with: one
// per caller and scope, from STS, with a CAM policy the function chooses
// (presign: write under the caller's prefix, privately; download: read
// only), cached and reused until half its life is gone. A URL signed with
// such a key stays within that policy whatever its holder adds to it,
// which a permanent key's signature cannot promise: COS acts on headers
// and parameters a signature does not cover.
package scopedkey

import (
	"context"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/cossign"
	"cosgate/shared/credcache"
	"cosgate/shared/identity"
	"cosgate/shared/stsclient"
)

// Source issues and caches the keys.
type Source struct {
	STS    stsclient.Issuer
	Cache  *credcache.Cache[stsclient.Credentials]
	Bucket campolicy.Bucket
	// Life is each key's lifetime (KeyLife): a key is reused until half of
	// it is gone, so every URL signed with it can run its course.
	Life    time.Duration
	RoleARN string
}

// KeyLife is the lifetime of keys for URLs that live expires: twice that,
// at least 30 minutes (so keys are reused), at most the 2 hours
// GetFederationToken gives.
func KeyLife(expires time.Duration) time.Duration {
	return min(max(2*expires, 30*time.Minute), 2*time.Hour)
}

// Get returns c's key for scope (what, besides the uid, tells one policy
// from another), asking STS with the policy policy builds when none is
// cached, and when it expires (Unix seconds). STS failures are returned as
// the caller's answer (stsclient.AsHTTP).
func (s *Source) Get(ctx context.Context, c identity.Caller, scope string,
	policy func(campolicy.Bucket) (campolicy.Policy, error)) (cossign.Credentials, int64, error) {
	creds, _, err := s.Cache.Get(ctx, credcache.KeyFor(c.UID, []byte(scope)),
		func(ctx context.Context) (stsclient.Credentials, error) {
			p, err := policy(s.Bucket)
			if err != nil {
				return stsclient.Credentials{}, err
			}
			return s.STS.Issue(ctx, stsclient.Request{
				Policy:      p.JSON(),
				Duration:    s.Life,
				RoleARN:     s.RoleARN,
				SessionName: stsclient.SessionName(c.Subject()),
			})
		})
	if err != nil {
		return cossign.Credentials{}, 0, stsclient.AsHTTP(err)
	}
	return cossign.Credentials{SecretID: creds.TmpSecretID, SecretKey: creds.TmpSecretKey, SessionToken: creds.Token},
		creds.ExpiredTime, nil
}
