package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"cosgate/devstack/trace"
	"cosgate/shared/httpapi"
)

// The charts cover the last five minutes in ten-second steps.
const (
	step  = 10 * time.Second
	steps = 30
)

// Series is one service's traffic over the charted period.
type Series struct {
	Service  string    `json:"service"`
	Function bool      `json:"function"`
	Requests []int     `json:"requests"` // per step, oldest first
	P50      []float64 `json:"p50"`      // latency per step, ms; 0 when idle
	Total    int       `json:"total"`
	Errors   int       `json:"errors"` // 4xx and 5xx
}

// Count is how often one refusal reason occurred.
type Count struct {
	Service string `json:"service"`
	Code    string `json:"code"`
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
}

// Stats is what the charts draw.
type Stats struct {
	Step    int      `json:"stepSeconds"`
	Series  []Series `json:"series"`
	Reasons []Count  `json:"reasons"` // every refusal recorded, most frequent first
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, summarize(s.c.Trace.Snapshot(), s.c.Now()))
}

// summarize computes the charts from the recorded exchanges.
func summarize(all []trace.Exchange, now time.Time) Stats {
	from := now.Add(-steps * step)
	series := map[string]*Series{}
	lat := map[string][][]float64{}
	reasons := map[Count]int{}
	for _, e := range all {
		if e.Status >= 400 || e.Code != "" {
			kind := ""
			if e.Reason != nil {
				kind = e.Reason.Kind
			}
			reasons[Count{Service: e.Service, Code: e.Code, Kind: kind}]++
		}
		if e.Time.Before(from) || e.Time.After(now) {
			continue
		}
		sr := series[e.Service]
		if sr == nil {
			sr = &Series{
				Service:  e.Service,
				Function: e.Function,
				Requests: make([]int, steps),
				P50:      make([]float64, steps),
			}
			series[e.Service], lat[e.Service] = sr, make([][]float64, steps)
		}
		i := min(int(e.Time.Sub(from)/step), steps-1)
		sr.Requests[i]++
		sr.Total++
		if e.Status >= 400 || e.Code != "" {
			sr.Errors++
		}
		lat[e.Service][i] = append(lat[e.Service][i], e.Millis)
	}
	out := Stats{Step: int(step / time.Second)}
	for name, sr := range series {
		for i, ms := range lat[name] {
			if len(ms) > 0 {
				slices.Sort(ms)
				sr.P50[i] = ms[len(ms)/2]
			}
		}
		out.Series = append(out.Series, *sr)
	}
	slices.SortFunc(out.Series, func(a, b Series) int {
		if a.Function != b.Function {
			if a.Function {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Service, b.Service)
	})
	for c, n := range reasons {
		c.Count = n
		out.Reasons = append(out.Reasons, c)
	}
	slices.SortFunc(out.Reasons, func(a, b Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Service+a.Code+a.Kind, b.Service+b.Code+b.Kind)
	})
	return out
}
