// Package platformtest drives a function binary the way each platform
// does, for tests: SCF event functions over net/rpc with scf-go-lib's
// message types, AWS Lambda through a fake Runtime API, and plain HTTP. All
// servers listen on 127.0.0.1. It is imported by tests only.
package platformtest

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"cosgate/shared/platform/platformtest/coldstart"
)

// Build compiles pkg (a main package path such as "cosgate/functions/sts")
// into dir as the Makefile does, with -tags lambda.norpc and any others
// given, and returns the binary's path: dir/<base>, or dir/<base>-<tags>
// when tags are given. Without tags the binary has every platform adapter.
func Build(dir, pkg string, tags ...string) (string, error) {
	bin := filepath.Join(dir, filepath.Base(pkg))
	if len(tags) > 0 {
		bin += "-" + strings.Join(tags, "-")
	}
	if err := coldstart.Build(bin, pkg, "", append([]string{"lambda.norpc"}, tags...)...); err != nil {
		return "", err
	}
	return bin, nil
}

// Logs collects a process's output.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Await reports whether s has been written, waiting up to d for it: a
// server's start line follows the opening of its port by a moment.
func (l *Logs) Await(s string, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(time.Millisecond) {
		if strings.Contains(l.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Process is a running binary.
type Process struct {
	Cmd  *exec.Cmd
	Logs *Logs
	done chan struct{}
	err  error
}

// Start runs bin with exactly env (plus PATH) and stops it when the test ends.
func Start(t testing.TB, bin string, env map[string]string) *Process {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &Process{Cmd: cmd, Logs: &Logs{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Logs, p.Logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop() })
	return p
}

// Stop kills the process if it still runs.
func (p *Process) Stop() {
	select {
	case <-p.done:
	default:
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// Wait waits for the process to exit by itself.
func (p *Process) Wait(timeout time.Duration) (exitCode int, exited bool) {
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitTCP waits until addr accepts connections or the process exits.
func (p *Process) WaitTCP(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("process exited before listening on %s:\n%s", addr, p.Logs)
		case <-time.After(2 * time.Millisecond):
		}
	}
	t.Fatalf("nothing listens on %s:\n%s", addr, p.Logs)
}

// StartHTTP runs bin as a plain HTTP server on a free loopback port and
// returns its base URL.
func StartHTTP(t testing.TB, bin string, env map[string]string) (*Process, string) {
	t.Helper()
	port := FreePort(t)
	e := clone(env)
	e["PORT"], e["LISTEN_HOST"] = strconv.Itoa(port), "127.0.0.1"
	p := Start(t, bin, e)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p.WaitTCP(t, addr)
	return p, "http://" + addr
}

// SCF is a binary running as an SCF event function.
type SCF struct {
	*Process
	Client *rpc.Client
}

// StartSCF runs bin the way the SCF Go1 runtime does: _LAMBDA_SERVER_PORT
// and the SCF markers set, then net/rpc over TCP.
func StartSCF(t testing.TB, bin string, env map[string]string) *SCF {
	t.Helper()
	port := FreePort(t)
	e := clone(env)
	e["_LAMBDA_SERVER_PORT"], e["TENCENTCLOUD_RUNENV"], e["SCF_RUNTIME"] = strconv.Itoa(port), "SCF", "Go1"
	e["SCF_FUNCTIONNAME"] = "cosgate-test"
	p := Start(t, bin, e)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p.WaitTCP(t, addr)
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("rpc dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	var pong messages.PingResponse
	if err := c.Call("Function.Ping", &messages.PingRequest{}, &pong); err != nil {
		t.Fatalf("Function.Ping: %v", err)
	}
	return &SCF{Process: p, Client: c}
}

// Invoke sends one event with the given deadline and returns the raw
// InvokeResponse.
func (s *SCF) Invoke(t testing.TB, event any, deadline time.Time, environ map[string]string) messages.InvokeResponse {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	envJSON := ""
	if environ != nil {
		b, _ := json.Marshal(environ)
		envJSON = string(b)
	}
	req := messages.InvokeRequest{
		Payload:         payload,
		RequestId:       fmt.Sprintf("scf-req-%d", time.Now().UnixNano()),
		Deadline:        messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		FunctionName:    "cosgate-test",
		Namespace:       "default",
		MemoryLimitInMb: 128,
		TimeLimitInMs:   3000,
		Environment:     envJSON,
	}
	var resp messages.InvokeResponse
	if err := s.Client.Call("Function.Invoke", &req, &resp); err != nil {
		t.Fatalf("Function.Invoke: %v", err)
	}
	return resp
}

// SCFReply is the integrated response as the gateway reads it.
type SCFReply struct {
	IsBase64Encoded bool           `json:"isBase64Encoded"`
	StatusCode      int            `json:"statusCode"`
	Headers         map[string]any `json:"headers"`
	Body            string         `json:"body"`
}

// Lambda is a fake Lambda Runtime API on 127.0.0.1 that hands out queued
// events and records the replies.
type Lambda struct {
	Server  *httptest.Server
	events  chan lambdaEvent
	mu      sync.Mutex
	replies map[string]chan Reply
}

type lambdaEvent struct {
	id       string
	payload  []byte
	deadline time.Time
}

// Reply is what the function posted for one invocation.
type Reply struct {
	Error bool // posted to /error rather than /response
	Body  []byte
}

// NewLambda starts the fake Runtime API.
func NewLambda(t testing.TB) *Lambda {
	l := &Lambda{events: make(chan lambdaEvent, 16), replies: map[string]chan Reply{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ev := <-l.events:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", ev.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(ev.deadline.UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:cosgate-test")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-5ac6c58f3a3c3f0b5c1d1f2e")
			w.Write(ev.payload)
		case <-r.Context().Done(): // keep the loop idle until the test ends
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/{kind}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		l.reply(r.PathValue("id")) <- Reply{Error: r.PathValue("kind") == "error", Body: body}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	l.Server = httptest.NewServer(mux)
	t.Cleanup(l.Server.Close)
	return l
}

func (l *Lambda) reply(id string) chan Reply {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.replies[id]
	if !ok {
		c = make(chan Reply, 1)
		l.replies[id] = c
	}
	return c
}

// Env returns the variables that make a binary use this Runtime API.
func (l *Lambda) Env(env map[string]string) map[string]string {
	e := clone(env)
	e["AWS_LAMBDA_RUNTIME_API"] = strings.TrimPrefix(l.Server.URL, "http://")
	e["AWS_LAMBDA_FUNCTION_NAME"] = "cosgate-test"
	return e
}

// Invoke queues an event and waits for the function's reply.
func (l *Lambda) Invoke(t testing.TB, event any, deadline time.Time) Reply {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("aws-req-%d", time.Now().UnixNano())
	l.events <- lambdaEvent{id: id, payload: payload, deadline: deadline}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case r := <-l.reply(id):
		return r
	case <-ctx.Done():
		t.Fatalf("no reply to %s", id)
		return Reply{}
	}
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+4)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Linked lists the packages whose functions bin contains, read from the Go
// function table (.gopclntab), which stripped binaries keep: what the
// linker kept, where go version -m only names modules.
func Linked(bin string) (map[string]bool, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s: no Go function table", bin)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, err
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", bin, err)
	}
	pkgs := map[string]bool{}
	for _, fn := range tab.Funcs {
		if p := fn.PackageName(); p != "" {
			pkgs[p] = true
		}
	}
	return pkgs, nil
}
