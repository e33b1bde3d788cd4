package wecom

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Token codes that mean "refresh the access_token and retry once" (PLATFORMS.md §2.5, §6 #9):
// 40014 invalid token, 42001 expired token, 40001 invalid credential.
func isTokenCode(code int) bool { return code == 40014 || code == 42001 || code == 40001 }

// tokenKey identifies one app secret; the secret itself is kept only as a hash.
type tokenKey struct {
	corpID string
	secret [32]byte
}

type tokenEntry struct {
	token   string
	expires time.Time
	wait    chan struct{} // non-nil while a fetch is in flight
	err     error         // result of the last fetch, read by waiters
}

// tokenFetch asks WeCom for a new token and its lifetime.
type tokenFetch func(ctx context.Context) (string, time.Duration, error)

// tokenCache caches one access_token per (corp id, secret), refreshes it single-flight and
// lets a caller force a refresh when WeCom rejected a token early.
type tokenCache struct {
	mu      sync.Mutex
	entries map[tokenKey]*tokenEntry
	now     func() time.Time
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{entries: map[tokenKey]*tokenEntry{}, now: now}
}

func makeTokenKey(corpID, secret string) tokenKey {
	return tokenKey{corpID: corpID, secret: sha256.Sum256([]byte(secret))}
}

// tokenMargin is how long before WeCom's expiry a token is refreshed.
const tokenMargin = 5 * time.Minute

// get returns a valid token. With stale set, that token was just rejected: unless another caller
// already replaced it, a new one is fetched.
func (t *tokenCache) get(ctx context.Context, k tokenKey, stale string, fetch tokenFetch) (string, error) {
	for {
		t.mu.Lock()
		e := t.entries[k]
		if e == nil {
			e = &tokenEntry{}
			t.entries[k] = e
		}
		if e.wait != nil {
			w := e.wait
			t.mu.Unlock()
			select {
			case <-w:
			case <-ctx.Done():
				return "", fmt.Errorf("wait token: %w", ctx.Err())
			}
			t.mu.Lock()
			tok, err := e.token, e.err
			fresh := tok != "" && tok != stale && t.now().Before(e.expires)
			t.mu.Unlock()
			if fresh {
				return tok, nil
			}
			if err != nil && !(isCtxErr(err) && ctx.Err() == nil) {
				return "", err
			}
			// The fetch we waited for failed only because its caller gave up: fetch again.
			continue
		}
		if e.token != "" && e.token != stale && t.now().Before(e.expires) {
			tok := e.token
			t.mu.Unlock()
			return tok, nil
		}
		w := make(chan struct{})
		e.wait = w
		t.mu.Unlock()

		tok, ttl, err := fetch(ctx)

		t.mu.Lock()
		e.err = err
		if err == nil {
			e.token = tok
			life := ttl - tokenMargin
			if life < ttl/2 {
				life = ttl / 2
			}
			e.expires = t.now().Add(life)
		} else {
			e.token = ""
		}
		e.wait = nil
		close(w)
		t.mu.Unlock()
		if err != nil {
			return "", err
		}
		return tok, nil
	}
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
