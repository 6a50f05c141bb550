// Package gate is how every authenticated function starts a request: the
// caller found, named on the access line, and admitted by its limits. It
// sits above httpapi, identity and limits, which know nothing of each
// other's part in it.
package gate

import (
	"net/http"

	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
)

// Admit finds the caller of r, names them on the access line, and charges
// the function's request limits and revocation check; a refusal by those is
// audited under the function's name.
func Admit(r *http.Request, a identity.Authenticator, g *limits.Guard, function string) (identity.Caller, error) {
	caller, err := identity.Require(r, a)
	if err != nil {
		return identity.Caller{}, err
	}
	httpapi.SetSubject(r.Context(), caller.Subject())
	if err := g.Admit(r.Context(), function, caller.UID, caller.Issued); err != nil {
		return identity.Caller{}, httpapi.Refused(err, caller.UID, function)
	}
	return caller, nil
}
