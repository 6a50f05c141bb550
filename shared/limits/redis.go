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
	pool *redis.Pool
}

// NewRedis prepares a pool for a redis:// or rediss:// URL; nothing is
// dialled until the first call. timeout bounds each network step (dial,
// read, write); callers bound the whole call with their context.
func NewRedis(rawURL string, timeout time.Duration) (*Redis, error) {
	// The error never quotes the URL: it may hold a password.
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, errors.New("not a redis:// or rediss:// URL with a host")
	}
	return &Redis{pool: &redis.Pool{
		MaxIdle:     4, // a function instance serves one request at a time (SCF, Lambda)
		IdleTimeout: 4 * time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialURLContext(ctx, rawURL, redis.DialConnectTimeout(timeout),
				redis.DialReadTimeout(timeout), redis.DialWriteTimeout(timeout))
		},
	}}, nil
}

// charge checks every counter, then adds to all of them, in one atomic step.
// KEYS: per counter, its key and its previous window's key. ARGV: the
// number of counters, then per counter N, Limit, Weight and TTL in ms.
var charge = redis.NewScript(-1, `
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
`)

func (s *Redis) Charge(ctx context.Context, counters []Counter) (int, error) {
	args := make([]any, 0, 1+6*len(counters))
	args = append(args, 2*len(counters))
	for _, c := range counters {
		prev := c.Prev
		if prev == "" {
			prev = c.Key // read with weight 0: never counted
		}
		args = append(args, c.Key, prev)
	}
	args = append(args, len(counters))
	for _, c := range counters {
		args = append(args, c.N, c.Limit, strconv.FormatFloat(c.Weight, 'f', 6, 64), c.TTL.Milliseconds())
	}
	return redis.Int(s.do(ctx, func(conn redis.Conn) (any, error) { return charge.DoContext(ctx, conn, args...) }))
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
