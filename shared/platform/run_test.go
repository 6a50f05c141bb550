package platform_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/platform"
	"cosgate/shared/platform/platformtest"
)

// echoID answers 200 with the request id the middleware settled on.
func echoID(env platform.Env) (platform.Service, error) {
	if _, err := config.Load[config.Auth](env.Environ); err != nil {
		return platform.Service{}, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, httpapi.RequestID(r.Context()))
	})
	return platform.Service{Handler: h, Methods: []string{http.MethodGet}, HTTP: config.HTTP{MaxBodyBytes: 1024}}, nil
}

// Process.Run is the whole of a function binary but for os.Exit: it serves
// behind the middleware the platform adds, on the address config.Runtime
// names, until its context ends, then drains and returns nil.
func TestProcessRunsInProcess(t *testing.T) {
	for _, kind := range []string{"http", "scf-web"} {
		t.Run(kind, func(t *testing.T) {
			port := platformtest.FreePort(t)
			environ := map[string]string{"AUTH_MODE": "none", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(port)}
			if kind == "scf-web" {
				environ["TENCENTCLOUD_RUNENV"] = "SCF"
			}
			logs := &platformtest.Logs{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- platform.Process{Function: "echo", Build: echoID, Environ: environ, Stdout: logs}.Run(ctx)
			}()
			base := "http://127.0.0.1:" + itoa(port)
			waitTCP(t, "127.0.0.1:"+itoa(port))

			req, _ := http.NewRequest("GET", base+"/", nil)
			req.Header.Set("X-Scf-Request-Id", "scf-web-9")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantID := resp.Header.Get("X-Request-Id")
			if kind == "scf-web" && wantID != "scf-web-9" || resp.StatusCode != 200 || string(body) != wantID || wantID == "" {
				t.Errorf("GET: %d %q, X-Request-Id %q", resp.StatusCode, body, wantID)
			}
			// The platform added the middleware: a method the service does not list is 405.
			resp, err = http.Post(base+"/", "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 405 {
				t.Errorf("POST: %d", resp.StatusCode)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after its context ended")
			}
			if out := logs.String(); !strings.Contains(out, `"platform":"`+kind+`"`) || !strings.Contains(out, `"msg":"stopped"`) {
				t.Errorf("logs: %s", out)
			}
		})
	}
}

// A function that cannot start makes Run return its error, logged once,
// without serving: Run's caller (platform.Run) then exits with status 1.
func TestProcessRunRefusesABadConfiguration(t *testing.T) {
	for name, environ := range map[string]map[string]string{
		"runtime":  {"LOG_LEVEL": "loud-VALUE", "AUTH_MODE": "none"},
		"function": {"AUTH_MODE": "magic-VALUE"},
		"listener": {"AUTH_MODE": "none", "LISTEN_HOST": "256.0.0.1", "PORT": "1"},
	} {
		logs := &platformtest.Logs{}
		err := platform.Process{Function: "echo", Build: echoID, Environ: environ, Stdout: logs}.Run(context.Background())
		var ce *config.Error
		if err == nil || name != "listener" && !errors.As(err, &ce) {
			t.Errorf("%s: %v", name, err)
		}
		if out := logs.String(); strings.Count(out, "cannot start") != 1 || strings.Contains(out, "VALUE") {
			t.Errorf("%s: %s", name, out)
		}
	}
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s", addr)
}
