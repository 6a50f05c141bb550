package cossign

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Window is a signature's validity period in Unix seconds, written
// "start;end" in q-sign-time and q-key-time.
type Window struct {
	Start, End int64
}

// Backdate is how far in the past cosgate starts every signature it makes,
// so a COS server whose clock is a little behind ours does not answer
// "Request has expired".
const Backdate = 60 * time.Second

// NewWindow returns the window [now-backdate, now+lifetime]. Starting a little
// in the past keeps signatures valid on servers whose clock runs behind ours.
func NewWindow(now time.Time, backdate, lifetime time.Duration) Window {
	n := now.Unix()
	return Window{Start: n - int64(backdate/time.Second), End: n + int64(lifetime/time.Second)}
}

// String is "start;end", as q-sign-time and q-key-time write it.
func (w Window) String() string {
	var buf [41]byte // room for two int64s and the ';'
	b := strconv.AppendInt(buf[:0], w.Start, 10)
	b = append(b, ';')
	return string(strconv.AppendInt(b, w.End, 10))
}

// Contains reports whether t falls inside the window (both ends included).
func (w Window) Contains(t time.Time) bool {
	u := t.Unix()
	return w.Start <= u && u <= w.End
}

var errWindow = errors.New(`want "<start>;<end>" in Unix seconds with start <= end`)

// ParseWindow parses "start;end": two decimal Unix times, no spaces.
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, ";")
	if !ok {
		return Window{}, errWindow
	}
	start, err1 := parseUnix(a)
	end, err2 := parseUnix(b)
	if err1 != nil || err2 != nil || start > end {
		return Window{}, errWindow
	}
	return Window{Start: start, End: end}, nil
}

func parseUnix(s string) (int64, error) {
	if s == "" || len(s) > 12 {
		return 0, errWindow
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errWindow
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
