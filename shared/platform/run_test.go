package platform_test

import (
	"bufio"
	"context"
	"encoding/json"
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

// A request net/http refuses before any handler runs (here a path that is
// not valid percent-encoding) still gets the JSON error shape and an
// X-Request-Id, on the plain HTTP and SCF web platforms alike.
func TestMalformedRequestsGetTheJSONShape(t *testing.T) {
	for _, kind := range []string{"http", "scf-web"} {
		port := platformtest.FreePort(t)
		environ := map[string]string{"AUTH_MODE": "none", "LISTEN_HOST": "127.0.0.1", "PORT": itoa(port)}
		if kind == "scf-web" {
			environ["COSGATE_PLATFORM"] = "scf-web"
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- platform.Process{Function: "echo", Build: echoID, Environ: environ, Stdout: &platformtest.Logs{}}.Run(ctx)
		}()
		addr := "127.0.0.1:" + itoa(port)
		waitTCP(t, addr)
		for _, raw := range []string{
			"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET / HTTP/1.1\r\n\r\n", // no Host
			"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
		} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte(raw))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("%s %q: %v", kind, raw, err)
			}
			body, _ := io.ReadAll(resp.Body)
			c.Close()
			var e struct {
				Error     struct{ Code, Message string } `json:"error"`
				RequestID string                         `json:"requestId"`
			}
			if resp.StatusCode < 400 || resp.StatusCode > 599 || json.Unmarshal(body, &e) != nil || e.Error.Code == "" ||
				e.RequestID == "" || e.RequestID != resp.Header.Get("X-Request-Id") ||
				resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("%s %q: %d %v %s", kind, raw, resp.StatusCode, resp.Header, body)
			}
		}
		cancel()
		<-done
	}
}
