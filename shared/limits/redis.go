package limits

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Redis is the store every instance shares: a pool of connections, kept
// per process and reused across invocations of a warm function.
//
// The client is redigo, not go-redis: linked into a function, go-redis
// v9.23.0 grew each binary from 9.7 MB to 17.9 MB and the zips past 6 MB,
// and made a cold start 25-40% slower (BenchmarkColdStart/http, median
// 5.4-6.2 ms without, 7.5-7.8 ms with, same run). go-redis stays the tests'
// oracle: it reads what this store writes.
type Redis struct {
	pool             *redis.Pool
	charge, chargeIf *redis.Script
}

// NewRedis prepares a pool for a redis:// or rediss:// URL; nothing is
// dialled until the first call. timeout bounds each network step (dial,
// read, write); callers bound the whole call with their context.
func NewRedis(rawURL string, timeout time.Duration) (*Redis, error) {
	// The error never quotes the URL: it may hold a password.
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, errors.New("not a redis:// or rediss:// URL with a host")
	}
	return &Redis{charge: redis.NewScript(-1, chargeScript), chargeIf: redis.NewScript(-1, chargeIfScript), pool: &redis.Pool{
		MaxIdle:     4, // a function instance serves one request at a time (SCF, Lambda)
		IdleTimeout: 4 * time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialURLContext(ctx, rawURL, redis.DialConnectTimeout(timeout),
				redis.DialReadTimeout(timeout), redis.DialWriteTimeout(timeout))
		},
	}}, nil
}

// chargeScript checks every counter, then adds to all of them, in one
// atomic step. KEYS: per counter, its key and its previous window's key.
// ARGV: the number of counters, then per counter N, Limit, Weight and TTL
// in ms.
const chargeScript = `
local n = tonumber(ARGV[1])
for i = 1, n do
  local a = 1 + (i - 1) * 4
  local used = tonumber(redis.call('GET', KEYS[2*i-1]) or '0')
  local w = tonumber(ARGV[a+3])
  if w > 0 then used = used + w * tonumber(redis.call('GET', KEYS[2*i]) or '0') end
  if used + tonumber(ARGV[a+1]) > tonumber(ARGV[a+2]) then return i - 1 end
end
for i = 1, n do
  local a = 1 + (i - 1) * 4
  redis.call('INCRBY', KEYS[2*i-1], ARGV[a+1])
  redis.call('PEXPIRE', KEYS[2*i-1], ARGV[a+4])
end
return -1
`

func (s *Redis) Charge(ctx context.Context, counters []Counter) (int, error) {
	args := make([]any, 0, 2+6*len(counters))
	args = append(args, 2*len(counters))
	args = appendKeys(args, counters)
	args = append(args, len(counters))
	args = appendArgs(args, counters)
	return redis.Int(s.do(ctx, func(conn redis.Conn) (any, error) { return s.charge.DoContext(ctx, conn, args...) }))
}

// appendKeys adds each counter's key and previous window's key to a
// script's KEYS; appendArgs adds their N, Limit, Weight and TTL to ARGV.
func appendKeys(args []any, counters []Counter) []any {
	for _, c := range counters {
		prev := c.Prev
		if prev == "" {
			prev = c.Key // read with weight 0: never counted
		}
		args = append(args, c.Key, prev)
	}
	return args
}

func appendArgs(args []any, counters []Counter) []any {
	for _, c := range counters {
		args = append(args, c.N, c.Limit, strconv.FormatFloat(c.Weight, 'f', 6, 64), c.TTL.Milliseconds())
	}
	return args
}

// chargeIfScript is ChargeIf's step: the gate's read, then chargeScript's
// checks and charges, in one script. KEYS: the gate's key, then per counter
// its key and its previous window's key. ARGV: "present" or "revocation",
// the issue time rounded up to its second ("" for none), the number of
// counters, then per counter N, Limit, Weight and TTL in ms. It returns
// {value or nil, passed 0/1, denied, held}. The revocation rule is
// Gate.Admits's: absent, or exactly "restored <digits>" with the digits
// below that second.
const chargeIfScript = `
local v = redis.call('GET', KEYS[1])
local pass
if ARGV[1] == 'present' then
  pass = v ~= false
elseif v == false then
  pass = true
else
  local since = string.match(v, '^restored (%d+)$')
  pass = since ~= nil and (ARGV[2] == '' or tonumber(since) < tonumber(ARGV[2]))
end
if not pass then return {v, 0, -1, 0} end
local n = tonumber(ARGV[3])
for i = 1, n do
  local a = 3 + (i - 1) * 4
  local held = tonumber(redis.call('GET', KEYS[2*i]) or '0')
  local used = held
  local w = tonumber(ARGV[a+3])
  if w > 0 then used = used + w * tonumber(redis.call('GET', KEYS[2*i+1]) or '0') end
  if used + tonumber(ARGV[a+1]) > tonumber(ARGV[a+2]) then return {v, 1, i - 1, held} end
end
for i = 1, n do
  local a = 3 + (i - 1) * 4
  redis.call('INCRBY', KEYS[2*i], ARGV[a+1])
  redis.call('PEXPIRE', KEYS[2*i], ARGV[a+4])
end
return {v, 1, -1, 0}
`

func (s *Redis) ChargeIf(ctx context.Context, gate Gate, counters []Counter) (Charged, error) {
	args := make([]any, 0, 5+6*len(counters))
	args = append(args, 1+2*len(counters), gate.Key)
	args = appendKeys(args, counters)
	mode, issued := "revocation", ""
	if gate.Present {
		mode = "present"
	}
	if !gate.Issued.IsZero() {
		issued = strconv.FormatInt(gate.issuedCeil(), 10)
	}
	args = append(args, mode, issued, len(counters))
	args = appendArgs(args, counters)
	reply, err := redis.Values(s.do(ctx, func(conn redis.Conn) (any, error) {
		return s.chargeIf.DoContext(ctx, conn, args...)
	}))
	if err != nil {
		return Charged{}, err
	}
	var r Charged
	var passed int
	var value []byte // nil when absent
	if _, err := redis.Scan(reply, &value, &passed, &r.Denied, &r.Held); err != nil {
		return Charged{}, err
	}
	r.Value, r.Passed = string(value), passed == 1
	return r, nil
}

func (s *Redis) Value(ctx context.Context, key string) (string, error) {
	v, err := redis.String(s.do(ctx, func(conn redis.Conn) (any, error) {
		return redis.DoContext(conn, ctx, "GET", key)
	}))
	if errors.Is(err, redis.ErrNil) {
		return "", nil
	}
	return v, err
}

func (s *Redis) Mark(ctx context.Context, key, value string) error {
	_, err := s.do(ctx, func(conn redis.Conn) (any, error) { return redis.DoContext(conn, ctx, "SET", key, value) })
	return err
}

func (s *Redis) Unmark(ctx context.Context, key string) error {
	_, err := s.do(ctx, func(conn redis.Conn) (any, error) { return redis.DoContext(conn, ctx, "DEL", key) })
	return err
}

// do runs one exchange on a pooled connection. A done ctx stops it before
// anything is sent; and when ctx ends during the exchange, the error says
// so (Store's error contract), whichever of redigo's own errors (an I/O
// timeout, a dial error) came first.
func (s *Redis) do(ctx context.Context, f func(redis.Conn) (any, error)) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := s.pool.GetContext(ctx)
	if err == nil {
		defer conn.Close()
		var v any
		if v, err = f(conn); err == nil || errors.Is(err, redis.ErrNil) {
			return v, err
		}
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return nil, err
}

func (s *Redis) Close() error { return s.pool.Close() }
