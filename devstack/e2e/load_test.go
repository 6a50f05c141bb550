package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Load benchmarks: concurrent clients on loopback against the whole local
// stack. Each reports requests (or flows) per second, p50/p99 latency and
// errors, and fails on any error.
//
//	go test -run '^$' -bench Load -benchtime 5s ./devstack/e2e

// BenchmarkLoadFlow: presign a PUT, upload 64 KiB to COS, ask /download
// for the redirect; one op is the three requests.
func BenchmarkLoadFlow(b *testing.B) {
	for _, store := range []string{"memory", "disk"} {
		b.Run(store, func(b *testing.B) {
			e := startLoadStack(b, store)
			body := bytes.Repeat([]byte("cosgate!"), 64<<10/8)
			load(b, e, 3, func(c *http.Client) error {
				var p struct {
					URL, Key string
					Headers  map[string]string
				}
				if err := postJSON(c, e, "/presign", map[string]any{"ext": "jpg", "size": len(body)}, &p); err != nil {
					return err
				}
				req, _ := http.NewRequest("PUT", p.URL, bytes.NewReader(body))
				for k, v := range p.Headers {
					if k != "Content-Length" {
						req.Header.Set(k, v)
					}
				}
				if err := expect(c, req, 200); err != nil {
					return fmt.Errorf("upload: %w", err)
				}
				req, _ = http.NewRequest("GET", e.FunctionsURL+"/download?key="+url.QueryEscape(p.Key), nil)
				req.Header.Set("Authorization", "Bearer "+e.token)
				return expect(c, req, 302)
			})
		})
	}
}

// BenchmarkLoadPresign: POST /presign alone.
func BenchmarkLoadPresign(b *testing.B) {
	e := startLoadStack(b, "memory")
	load(b, e, 1, func(c *http.Client) error {
		var p struct{ URL string }
		return postJSON(c, e, "/presign", map[string]any{"ext": "jpg", "size": 65536}, &p)
	})
}

func startLoadStack(b *testing.B, store string) *env {
	if store == "disk" {
		return startStackWith(b, b.TempDir()) // as make dev runs
	}
	return startStack(b, nil)
}

// load runs op (reqs HTTP requests) from 8 goroutines per CPU with
// keep-alive clients and reports throughput, latency percentiles of whole
// ops, and errors.
func load(b *testing.B, e *env, reqs int, op func(*http.Client) error) {
	b.SetParallelism(8)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		firstErr  atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{
			Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := op(c); err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(reqs*len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(errs.Load()), "errors")
	if n := errs.Load(); n > 0 {
		b.Fatalf("%d errors under load; first: %v", n, firstErr.Load())
	}
}

func postJSON(c *http.Client, e *env, path string, body any, out any) error {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.FunctionsURL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

func expect(c *http.Client, req *http.Request, status int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: %d %.300s", req.Method, req.URL.Path, resp.StatusCode, data)
	}
	return nil
}
