// Package coldstart measures a binary's cold start, from exec to the first
// answered request, the way each platform starts it: over HTTP (plain or an
// SCF web function), over SCF's net/rpc (an event function), or through a
// loopback Lambda Runtime API. BenchmarkColdStart and make sizes
// (scripts/sizes) use it, and its Build, which builds as the Makefile does.
// Every server listens on 127.0.0.1.
package coldstart

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

// Build compiles pkg (a main package path such as "cosgate/functions/sts")
// into the file out as the Makefile's GOBUILD does (static, -trimpath,
// stripped, no build id), for goarch ("" is the host's) with the given
// build tags.
func Build(out, pkg, goarch string, tags ...string) error {
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, "-o", out, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// Copy writes bin's bytes to a new file in dir, in one write, syncs it,
// and returns its path. Start binaries from copies (Start.Copied) rather
// than from what a linker or a build cache wrote: how a file was written
// moves its start (on the 2-core VM of the README's table, a copy of a
// linker's output started 7-9% sooner than the output itself, 201
// rounds), so binaries written differently would not compare fairly; and
// a deployed binary is likewise a file the platform wrote, when it
// unpacked the zip.
func Copy(bin, dir string) (string, error) {
	b, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, filepath.Base(bin)+"-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err = errors.Join(err, f.Chmod(0o755), f.Sync(), f.Close()); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// How a binary is started.
const (
	HTTP      = "http"       // a plain HTTP server (PORT, LISTEN_HOST)
	SCFWeb    = "scf-web"    // an SCF web function: HTTP, COSGATE_PLATFORM=scf-web
	SCFEvent  = "scf-event"  // an SCF event function: net/rpc on _LAMBDA_SERVER_PORT
	AWSLambda = "aws-lambda" // AWS Lambda: a Runtime API at AWS_LAMBDA_RUNTIME_API
)

// Start is one way of starting a binary and calling it.
type Start struct {
	Bin string
	// Copies, when set, are files with Bin's bytes (Copied); the r-th start
	// (Nth) takes the next one in turn instead of Bin.
	Copies   []string
	Platform string            // HTTP, SCFWeb, SCFEvent or AWSLambda
	Env      map[string]string // besides PATH and what the platform sets
	Method   string            // of the first request; "" is POST
	Path     string            // of the first request
}

// Copied returns s with k copies of its binary written in dir (Copy), to
// be started in turn. Several, because where a file's pages lie moves its
// starts too: two copies of one binary came out 0.035 × bare Go apart over
// 301 rounds, and a single copy would carry its luck into every start.
func (s Start) Copied(dir string, k int) (Start, error) {
	s.Copies = nil
	for range k {
		c, err := Copy(s.Bin, dir)
		if err != nil {
			return s, err
		}
		s.Copies = append(s.Copies, c)
	}
	return s, nil
}

// Nth is the start to make the r-th time (from 0): s itself, its binary
// one of Copies in turn.
func (s Start) Nth(r int) Start {
	if len(s.Copies) > 0 {
		s.Bin = s.Copies[r%len(s.Copies)]
	}
	return s
}

// Timeout bounds one start.
const Timeout = 10 * time.Second

// Once starts s.Bin, waits for the answer to its first request, kills it
// and returns the time from exec to that answer. Any answer counts (a 401
// is one): it is the start-up that is measured, not the request.
func (s Start) Once() (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	env := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	var answered func() bool
	switch s.Platform {
	case HTTP, SCFWeb:
		env = append(env, "PORT="+strconv.Itoa(port), "LISTEN_HOST=127.0.0.1")
		header := http.Header{}
		if s.Platform == SCFWeb {
			env = append(env, "COSGATE_PLATFORM=scf-web")
			// SCF's proxy gives each request of a web function its id
			// (https://www.tencentcloud.com/document/product/583/40688), so
			// the function mints none, as a Lambda start's event carries one.
			header.Set("X-Scf-Request-Id", "coldstart")
		}
		answered = httpAnswered(port, method, s.Path, header)
	case SCFEvent:
		env = append(env, "_LAMBDA_SERVER_PORT="+strconv.Itoa(port), "TENCENTCLOUD_RUNENV=SCF", "SCF_RUNTIME=Go1")
		answered = rpcAnswered(port, method, s.Path)
	case AWSLambda:
		rt, err := newRuntime(method, s.Path)
		if err != nil {
			return 0, err
		}
		defer rt.srv.Close()
		env = append(env, "AWS_LAMBDA_RUNTIME_API="+rt.addr, "AWS_LAMBDA_FUNCTION_NAME=cosgate-coldstart")
		answered = rt.answered
	default:
		return 0, fmt.Errorf("unknown platform %q", s.Platform)
	}

	cmd := exec.Command(s.Bin)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	for !answered() {
		select {
		case <-exited:
			return 0, fmt.Errorf("%s exited before answering:\n%s", s.Bin, logs.String())
		default:
		}
		if time.Since(start) > Timeout {
			return 0, fmt.Errorf("%s: no answer after %v", s.Bin, Timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
	return time.Since(start), nil
}

// Interleaved starts each of starts once per round (Nth: round r), n
// rounds, so that the machine's noise falls on all of them alike, and
// returns each one's durations in start order. Each round takes them in a new order (a fixed
// sequence of shuffles, so runs are comparable): where a start falls in
// its round moves its time by as much as 0.4 ms on a 2-core VM, which
// would otherwise favour whichever comes first.
func Interleaved(n int, starts ...Start) ([][]time.Duration, error) {
	out := make([][]time.Duration, len(starts))
	order := make([]int, len(starts))
	for i := range order {
		order[i] = i
	}
	shuffle := rand.New(rand.NewPCG(1, 2))
	for r := range n {
		shuffle.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			d, err := starts[i].Nth(r).Once()
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], d)
		}
	}
	return out, nil
}

// Median of ds (the upper one of an even count).
func Median(ds []time.Duration) time.Duration {
	return Quantile(ds, 0.5)
}

// Quantile q (0..1) of ds, nearest rank.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[min(int(float64(len(s))*q), len(s)-1)]
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// httpAnswered: a reply from the binary (X-Request-Id, which cosgate's
// middleware and the bare baseline set), not from whatever else might have
// taken the port.
func httpAnswered(port int, method, path string, header http.Header) func() bool {
	url := "http://127.0.0.1:" + strconv.Itoa(port) + path
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return func() bool {
		req, _ := http.NewRequest(method, url, nil)
		req.Header = header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id") != ""
	}
}

// rpcAnswered: an invocation over scf-go-lib's protocol answered with a
// payload (the SCF event adapter reads the configuration then).
func rpcAnswered(port int, method, path string) func() bool {
	event, _ := json.Marshal(map[string]any{"httpMethod": method, "path": path, "headers": map[string]string{"host": "x"}})
	return func() bool {
		c, err := rpc.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		defer c.Close()
		d := time.Now().Add(5 * time.Second)
		var resp messages.InvokeResponse
		err = c.Call("Function.Invoke", &messages.InvokeRequest{Payload: event, RequestId: "cold",
			Deadline: messages.InvokeRequest_Timestamp{Seconds: d.Unix()}}, &resp)
		return err == nil && resp.Error == nil && len(resp.Payload) > 0
	}
}

// lambdaAPI is a Lambda Runtime API that hands out one event (payload 2.0)
// and notes the reply.
type lambdaAPI struct {
	srv   *http.Server
	addr  string
	reply chan struct{}
}

func newRuntime(method, path string) (*lambdaAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	event, _ := json.Marshal(map[string]any{"version": "2.0", "rawPath": path, "headers": map[string]string{"host": "x"},
		"requestContext": map[string]any{"requestId": "cold", "http": map[string]any{"method": method}}})
	rt := &lambdaAPI{addr: ln.Addr().String(), reply: make(chan struct{}, 1)}
	served := make(chan struct{}, 1)
	served <- struct{}{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-served:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "cold")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:cosgate-coldstart")
			w.Write(event)
		case <-r.Context().Done(): // one event per start
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/cold/response", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		select {
		case rt.reply <- struct{}{}:
		default:
		}
	})
	rt.srv = &http.Server{Handler: mux}
	go func() {
		if err := rt.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return rt, nil
}

func (rt *lambdaAPI) answered() bool {
	select {
	case <-rt.reply:
		return true
	default:
		return false
	}
}
