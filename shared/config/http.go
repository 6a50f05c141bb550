package config

import (
	"errors"
	"strings"
)

// HTTP configures the shared middleware.
type HTTP struct {
	// AllowOrigins are the browser origins allowed by CORS ("*" for any).
	AllowOrigins List  `env:"CORS_ALLOW_ORIGINS"`
	MaxBodyBytes int64 `env:"HTTP_MAX_BODY_BYTES" envDefault:"65536"`
}

// Validate checks the origins and the body limit.
func (h HTTP) Validate() error {
	var errs []error
	for _, o := range h.AllowOrigins {
		if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			errs = append(
				errs,
				Problemf("CORS_ALLOW_ORIGINS", "entries must be * or origins such as https://app.example.com"),
			)
			break
		}
	}
	if h.MaxBodyBytes < 1024 || h.MaxBodyBytes > 6<<20 {
		errs = append(errs, Problemf("HTTP_MAX_BODY_BYTES", "must be between 1024 and 6291456"))
	}
	return errors.Join(errs...)
}
