package platform_test

import (
	"io"
	"net/http"

	"cosgate/shared/config"
	"cosgate/shared/platform"
)

// A function's main is one line: Run detects SCF (event or web function),
// AWS Lambda or a plain server, builds the service once, puts it behind the
// shared middleware (request ids, access log, CORS, 405s, body limit) and
// serves it until SIGTERM.
func ExampleRun() {
	platform.Run("hello", func(env platform.Env) (platform.Service, error) {
		cfg, err := config.Load[config.Auth](env.Environ) // configuration is read once, here
		if err != nil {
			return platform.Service{}, err // logged without values; the process exits with 1
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello from a "+cfg.Mode+" function\n")
		})
		return platform.Service{Handler: h, Methods: []string{http.MethodGet}, HTTP: config.HTTP{MaxBodyBytes: 65536}}, nil
	})
}
