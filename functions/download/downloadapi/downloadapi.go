// Package downloadapi builds the download function's HTTP handler from its
// configuration.
package downloadapi

import (
	"net/http"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
)

// Build reads the configuration and returns the handler, middleware included.
func Build(env platform.Env) (http.Handler, error) {
	cfg, err := config.Load[config.DownloadFunction](env.Environ)
	if err != nil {
		return nil, err
	}
	return env.Middleware(httpapi.NotImplemented("download"), cfg.HTTP, http.MethodGet), nil
}
