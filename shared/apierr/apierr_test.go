package apierr

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCode(t *testing.T) {
	base := errors.New("dial tcp: refused")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{New(RateLimited, "slow down"), RateLimited},
		{fmt.Errorf("presign: %w", Wrap(UpstreamUnavailable, base, "STS is unavailable")), UpstreamUnavailable},
		{base, ""},
		{nil, ""},
	} {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	e := &Error{Code: QuotaExceeded, Message: "no more today", Cause: base, RetryAfter: time.Hour}
	if !errors.Is(e, base) || e.Error() != "QuotaExceeded: no more today: dial tcp: refused" {
		t.Errorf("%v", e)
	}
}

func ExampleCode() {
	err := fmt.Errorf("sts: %w", New(TokenExpired, "the token has expired; obtain a new one"))
	fmt.Println(Code(err))
	// Output: TokenExpired
}
