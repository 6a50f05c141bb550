// Package stsapi builds the sts function's HTTP handler from its
// configuration.
package stsapi

import (
	"net/http"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.STSFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	return env.Middleware(httpapi.NotImplemented("sts"), cfg.HTTP, http.MethodGet, http.MethodPost), nil
}
