package console

import (
	"testing"
	"time"

	"cosgate/devstack/trace"
)

// TestSummarize: requests land in ten-second steps per service, the median
// latency per step is the middle value, and refusals are counted by
// service, code and reason, including those older than the charts.
func TestSummarize(t *testing.T) {
	now := time.Unix(1700000000, 0)
	denied := &trace.Reason{Kind: trace.KindDenied}
	all := []trace.Exchange{
		{Time: now.Add(-time.Hour), Service: "cos", Status: 403, Code: "AccessDenied", Reason: denied},
		{Time: now.Add(-5 * time.Second), Service: "presign", Function: true, Status: 200, Millis: 1},
		{Time: now.Add(-4 * time.Second), Service: "presign", Function: true, Status: 200, Millis: 9},
		{Time: now.Add(-3 * time.Second), Service: "presign", Function: true, Status: 200, Millis: 4},
		{Time: now.Add(-25 * time.Second), Service: "cos", Status: 403, Code: "AccessDenied", Reason: denied},
		{Time: now.Add(-25 * time.Second), Service: "cos", Status: 200},
	}
	s := summarize(all, now)
	if len(s.Series) != 2 || s.Series[0].Service != "presign" || s.Series[1].Service != "cos" {
		t.Fatalf("series: %+v", s.Series)
	}
	p, c := s.Series[0], s.Series[1]
	if p.Requests[steps-1] != 3 || p.P50[steps-1] != 4 || p.Total != 3 || p.Errors != 0 {
		t.Errorf("presign: %+v", p)
	}
	if c.Requests[steps-3] != 2 || c.Total != 2 || c.Errors != 1 {
		t.Errorf("cos: %+v", c)
	}
	if len(s.Reasons) != 1 || s.Reasons[0] != (Count{Service: "cos", Code: "AccessDenied", Kind: trace.KindDenied, Count: 2}) {
		t.Errorf("reasons: %+v", s.Reasons)
	}
}
