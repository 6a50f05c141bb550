package limits_test

import (
	"context"
	"fmt"
	"time"

	"cosgate/shared/limits"
)

// A Guard with a daily quota of two uploads: the third is refused until
// the day ends (UTC), and says so.
func ExampleGuard_Upload() {
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	g := &limits.Guard{
		Store:      limits.NewMemory(nil),
		Limits:     limits.Limits{UploadsPerDay: 2},
		FailClosed: limits.FailPolicy(nil),
		Timeout:    time.Second,
		Now:        func() time.Time { return now },
	}
	for range 3 {
		fmt.Println(g.Upload(context.Background(), "u1", 1024))
	}
	// Output:
	// <nil>
	// <nil>
	// QuotaExceeded: the quota of 2 uploads a day is used up; it resets at 00:00 UTC
}
