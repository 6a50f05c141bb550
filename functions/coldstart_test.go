package functions_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"cosgate/shared/platform/platformtest"
)

// BenchmarkColdStart measures, per start, the time from exec to the first
// answered request: over HTTP, and over SCF's RPC (where the configuration
// is read at the first invocation). The reported metric is the median.
func BenchmarkColdStart(b *testing.B) {
	bin := bins["sts"]
	b.Run("http", func(b *testing.B) {
		coldStarts(b, func(port int) func() bool {
			url := "http://127.0.0.1:" + strconv.Itoa(port) + "/sts"
			client := &http.Client{Timeout: time.Second}
			return func() bool {
				resp, err := client.Post(url, "application/json", nil)
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.Header.Get("X-Request-Id") != "" // any answer from the function
			}
		}, bin, func(port int) []string { return []string{"PORT=" + strconv.Itoa(port), "LISTEN_HOST=127.0.0.1"} })
	})
	b.Run("scf-rpc", func(b *testing.B) {
		event, _ := json.Marshal(map[string]any{"httpMethod": "POST", "path": "/sts", "headers": map[string]string{"host": "x"}})
		coldStarts(b, func(port int) func() bool {
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
		}, bin, func(port int) []string {
			return []string{"_LAMBDA_SERVER_PORT=" + strconv.Itoa(port), "TENCENTCLOUD_RUNENV=SCF", "SCF_RUNTIME=Go1"}
		})
	})
}

func coldStarts(b *testing.B, probe func(port int) func() bool, bin string, extra func(port int) []string) {
	var times []time.Duration
	for b.Loop() {
		port := platformtest.FreePort(b)
		answered := probe(port)
		cmd := exec.Command(bin)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for k, v := range env() {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Env = append(cmd.Env, extra(port)...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for !listening(port) {
			if time.Since(start) > 5*time.Second {
				b.Fatal("no listener after 5s")
			}
			time.Sleep(100 * time.Microsecond)
		}
		for !answered() {
			if time.Since(start) > 5*time.Second {
				b.Fatal("no answer after 5s")
			}
		}
		times = append(times, time.Since(start))
		cmd.Process.Kill()
		cmd.Wait()
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "ms-p90")
}

func listening(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 50*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
