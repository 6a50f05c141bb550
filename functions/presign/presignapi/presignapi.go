// Package presignapi builds the presign function's HTTP handler from its
// configuration.
package presignapi

import (
	"net/http"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.PresignFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	return env.Middleware(httpapi.NotImplemented("presign"), cfg.HTTP, http.MethodPost), nil
}
