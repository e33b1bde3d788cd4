package wecom

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Documented send limits (PLATFORMS.md §2.6).
const (
	// webhookPerMinute: a group robot may send 20 messages a minute.
	webhookPerMinute = 20
	// memberPerMinute: one member receives at most 30 app messages a minute (excess dropped silently).
	memberPerMinute = 30
)

// bucket is a token bucket: capacity burst, one token every interval. Callers wait for a token
// instead of dropping the message, because WeCom drops excess messages silently.
type bucket struct {
	mu       sync.Mutex
	tokens   float64
	burst    float64
	interval time.Duration
	last     time.Time
}

func newBucket(perMinute int, now time.Time) *bucket {
	return &bucket{
		tokens:   float64(perMinute),
		burst:    float64(perMinute),
		interval: time.Minute / time.Duration(perMinute),
		last:     now,
	}
}

// reserve takes one token and returns how long the caller must wait before using it.
func (b *bucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.last) {
		b.tokens += float64(now.Sub(b.last)) / float64(b.interval)
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens * float64(b.interval))
}

// limiter keeps one bucket per key (a webhook key hash, a user id).
type limiter struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	perMinute int
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
}

func newLimiter(perMinute int, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	return &limiter{buckets: map[string]*bucket{}, perMinute: perMinute, now: now, sleep: sleep}
}

// wait blocks until key may send once more, or ctx ends.
func (l *limiter) wait(ctx context.Context, key string) error {
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = newBucket(l.perMinute, l.now())
		l.buckets[key] = b
	}
	l.mu.Unlock()
	if d := b.reserve(l.now()); d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			return fmt.Errorf("wait rate limit: %w", err)
		}
	}
	return nil
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Rate-limit and busy codes worth a pause and a retry: -1 system busy, 45009 API frequency
// exceeded (also the webhook 20/min limit), 45033 too many concurrent calls, 45011 API minute
// limit.
func isBackoffCode(code int) bool {
	return code == -1 || code == 45009 || code == 45033 || code == 45011
}

// backoffAttempts is how many times a rate-limited call is tried in all before the error goes
// back to the bot with RetryAfter set.
const backoffAttempts = 3

// retryAfterRateLimit is what the bot is told to wait once our own retries are spent: the
// documented limits are per minute.
const retryAfterRateLimit = time.Minute
