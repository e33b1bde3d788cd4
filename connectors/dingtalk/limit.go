package dingtalk

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// bucket is a token bucket that never drops: a caller reserves a token, possibly going into
// debt, and waits until the debt would have been paid back. Reservations are served in order.
type bucket struct {
	capacity float64
	perSec   float64
	tokens   float64
	last     time.Time
}

func (b *bucket) reserve(now time.Time) time.Duration {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens += el * b.perSec
		if b.tokens > b.capacity {
			b.tokens = b.capacity
		}
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.perSec * float64(time.Second))
}

// limiterSet holds one bucket per key (a custom webhook robot).
type limiterSet struct {
	mu       sync.Mutex
	n        int
	per      time.Duration
	now      func() time.Time
	buckets  map[string]*bucket
	sleepFor func(ctx context.Context, d time.Duration) error
}

func newLimiterSet(n int, per time.Duration, now func() time.Time) *limiterSet {
	return &limiterSet{n: n, per: per, now: now, buckets: map[string]*bucket{}, sleepFor: sleepCtx}
}

// reserve takes a token for key and says how long to wait before using it.
func (l *limiterSet) reserve(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{capacity: float64(l.n), perSec: float64(l.n) / l.per.Seconds(), tokens: float64(l.n), last: l.now()}
		l.buckets[key] = b
	}
	return b.reserve(l.now())
}

// cancel gives back a token reserved by a caller that stopped waiting.
func (l *limiterSet) cancel(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil {
		b.tokens++
	}
}

// wait blocks until key may send, or ctx ends.
func (l *limiterSet) wait(ctx context.Context, key string) error {
	d := l.reserve(key)
	if d <= 0 {
		return nil
	}
	if err := l.sleepFor(ctx, d); err != nil {
		l.cancel(key)
		return fmt.Errorf("wait for rate limit: %w", err)
	}
	return nil
}
