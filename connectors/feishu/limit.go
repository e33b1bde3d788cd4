package feishu

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Documented send limits (PLATFORMS.md §1.6): message create/reply/upload 50/s and 1000/min per
// app; 5 QPS per group, shared by every bot in it.
const (
	perAppPerSecond  = 50
	perAppPerMinute  = 1000
	perChatPerSecond = 5
	// maxInlineWait: a rate-limit reset up to this long is waited out inside Send (per-second
	// windows reset within a second or two); a longer one means the minute quota is spent, so
	// the error goes back to the bot with RetryAfter and the outbox retries later.
	maxInlineWait = 5 * time.Second
	// defaultRetryAfter when a 429 / 99991400 / 230020 answer carries no x-ogw-ratelimit-reset.
	defaultRetryAfter = time.Second
	// idleChatLimiter: per-chat buckets unused this long are dropped (a full bucket is the same
	// as a new one after 1/5 s, so forgetting them loses nothing).
	idleChatLimiter = 10 * time.Minute
)

// rateLimitCodes are throttling answers (§1.6): generic 99991400, group overflow 230020.
var rateLimitCodes = map[int]bool{99991400: true, 230020: true}

type limiter struct {
	appSecond *rate.Limiter
	appMinute *rate.Limiter

	mu    sync.Mutex
	chats map[string]*chatLimiter
	swept time.Time
}

type chatLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

func newLimiter() *limiter {
	return &limiter{
		// Burst 1 on the per-second buckets keeps sends evenly spaced, never two in the same
		// instant; the minute bucket allows the per-second burst on top of its refill rate.
		appSecond: rate.NewLimiter(perAppPerSecond, 1),
		appMinute: rate.NewLimiter(rate.Limit(perAppPerMinute)/60, perAppPerSecond),
		chats:     map[string]*chatLimiter{},
	}
}

// wait blocks until one more call for chat (empty: no chat, e.g. an upload) may go out.
func (l *limiter) wait(ctx context.Context, chat string) error {
	if chat != "" {
		if err := l.chat(chat).Wait(ctx); err != nil {
			return fmt.Errorf("wait chat rate limit: %w", err)
		}
	}
	if err := l.appMinute.Wait(ctx); err != nil {
		return fmt.Errorf("wait app rate limit: %w", err)
	}
	if err := l.appSecond.Wait(ctx); err != nil {
		return fmt.Errorf("wait app rate limit: %w", err)
	}
	return nil
}

func (l *limiter) chat(id string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.swept) > idleChatLimiter {
		for k, c := range l.chats {
			if now.Sub(c.used) > idleChatLimiter {
				delete(l.chats, k)
			}
		}
		l.swept = now
	}
	c := l.chats[id]
	if c == nil {
		c = &chatLimiter{lim: rate.NewLimiter(perChatPerSecond, 1)}
		l.chats[id] = c
	}
	c.used = now
	return c.lim
}

// retryAfter reads x-ogw-ratelimit-reset (seconds until the window resets, §1.6).
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.ParseFloat(h.Get("x-ogw-ratelimit-reset"), 64)
	if err != nil || s <= 0 || s > 24*3600 {
		return defaultRetryAfter
	}
	return time.Duration(s * float64(time.Second))
}

// sleepCtx waits d or until ctx ends.
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
