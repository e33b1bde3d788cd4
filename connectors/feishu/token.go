package feishu

import (
	"context"
	"sync"
	"time"
)

// tokenExpiryMargin: the cached token is dropped this long before Feishu's "expire" (the SDK
// uses 3 min, PLATFORMS.md §1.5), so a request never leaves with a token about to lapse.
const tokenExpiryMargin = 3 * time.Minute

// tokenExpiredCodes make the connector refresh the tenant token and retry once (§1.5).
var tokenExpiredCodes = map[int]bool{
	99991661: true, // token missing
	99991663: true, // tenant token invalid
	99991664: true, // app token invalid
	99991671: true, // access token invalid
}

// tokenCache holds the tenant_access_token of one (app_id, app_secret) pair: a Connector is
// built from one Config, so a changed secret means a new Connector and a new cache (the SDK's
// app_id-only key reused tokens across secrets, §6 #3). Refreshes are single-flight.
type tokenCache struct {
	fetch func(ctx context.Context) (token string, expire time.Duration, err error)
	now   func() time.Time

	mu       sync.Mutex
	token    string
	until    time.Time
	inflight *tokenCall
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// get returns a valid token. stale, when not empty, is a token the platform just refused: it is
// dropped unless another caller already replaced it.
func (t *tokenCache) get(ctx context.Context, stale string) (string, error) {
	t.mu.Lock()
	if stale != "" && t.token == stale {
		t.token = ""
	}
	if t.token != "" && t.now().Before(t.until) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	call := t.inflight
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		t.inflight = call
		go t.refresh(call)
	}
	t.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// refresh runs detached from any one caller's context so that a caller giving up does not
// fail the others waiting on the same refresh; the fetch has its own timeout.
func (t *tokenCache) refresh(call *tokenCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, expire, err := t.fetch(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight = nil
	call.token, call.err = tok, err
	if err == nil {
		t.token = tok
		life := expire - tokenExpiryMargin
		if life <= 0 {
			life = expire / 2 // a short-lived token still serves half its life
		}
		t.until = t.now().Add(life)
	}
	close(call.done)
}
