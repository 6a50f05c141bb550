package presignapi

import (
	"context"

	"cosgate/shared/campolicy"
	"cosgate/shared/cossign"
	"cosgate/shared/identity"
	"cosgate/shared/scopedkey"
)

// UploadKeys mints the short-lived keys uploads are signed with: one per
// caller, from STS, whose policy lets it write only under the caller's
// prefix, only a private object (x-cos-acl: private required), never over
// an existing one, and never with an x-cos-grant-* header or form field. A
// URL or form signed with it stays within that policy whatever a holder
// adds to the request, which a permanent key's signature cannot promise:
// COS accepts headers and fields a signature does not cover.
type UploadKeys scopedkey.Source

// For returns the key c's uploads under prefix are signed with.
func (k *UploadKeys) For(ctx context.Context, c identity.Caller, prefix string) (cossign.Credentials, error) {
	creds, _, err := (*scopedkey.Source)(k).Get(ctx, c, prefix, func(b campolicy.Bucket) (campolicy.Policy, error) {
		return campolicy.Build(b, []campolicy.Grant{
			{Action: "name/cos:PutObject", Pattern: prefix + "*"},
			{Action: "name/cos:PostObject", Pattern: prefix + "*"},
		}, campolicy.Conditions{ForbidOverwrite: true, RequirePrivate: true})
	})
	return creds, err
}
