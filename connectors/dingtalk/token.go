package dingtalk

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

type tokenKind int

const (
	tokenNew    tokenKind = iota // POST api.dingtalk.com/v1.0/oauth2/accessToken
	tokenLegacy                  // GET oapi.dingtalk.com/gettoken
)

// tokenMargin: refresh this long before the announced expiry (expireIn − 5 min, §3.5).
const tokenMargin = 5 * time.Minute

// tokenKey identifies a token: a wrong secret never reuses a token cached for the right one.
type tokenKey struct {
	kind   tokenKind
	base   string
	appKey string
	secret [sha256.Size]byte
}

type tokenCall struct {
	done chan struct{}
	tok  string
	err  error
}

type tokenEntry struct {
	tok     string
	expires time.Time
	call    *tokenCall // the fetch under way, if any
}

// tokenCache caches tokens per (kind, API base, appKey, secret) with a single fetch in flight
// per key. DingTalk returns the same token (and extends it) when asked again within its
// validity, so sharing one cache between connectors of the same app is harmless.
type tokenCache struct {
	mu      sync.Mutex
	entries map[tokenKey]*tokenEntry
}

var sharedTokens = &tokenCache{entries: map[tokenKey]*tokenEntry{}}

func (c *Connector) tokenKey(kind tokenKind) tokenKey {
	base := c.cfg.BaseURL
	if kind == tokenLegacy {
		base = c.cfg.OapiURL
	}
	return tokenKey{kind: kind, base: base, appKey: c.cfg.AppKey, secret: sha256.Sum256([]byte(c.cfg.AppSecret))}
}

// token returns a valid access token, fetching it once for all concurrent callers.
func (c *Connector) token(ctx context.Context, kind tokenKind) (string, error) {
	key := c.tokenKey(kind)
	tc := c.tokens
	tc.mu.Lock()
	e := tc.entries[key]
	if e == nil {
		e = &tokenEntry{}
		tc.entries[key] = e
	}
	if e.tok != "" && c.now().Before(e.expires) {
		tok := e.tok
		tc.mu.Unlock()
		return tok, nil
	}
	call := e.call
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		e.call = call
		go c.fetchToken(key, kind, e, call)
	}
	tc.mu.Unlock()
	select {
	case <-call.done:
		return call.tok, call.err
	case <-ctx.Done():
		return "", fmt.Errorf("get token: %w", ctx.Err())
	}
}

// fetchToken runs detached from the caller's context so that one caller giving up does not
// fail the others waiting for the same token.
func (c *Connector) fetchToken(key tokenKey, kind tokenKind, e *tokenEntry, call *tokenCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		tok string
		ttl time.Duration
		err error
	)
	if kind == tokenLegacy {
		tok, ttl, err = c.fetchLegacyToken(ctx)
	} else {
		tok, ttl, err = c.fetchNewToken(ctx)
	}
	c.tokens.mu.Lock()
	e.call = nil
	if err == nil {
		e.tok = tok
		if ttl > 2*tokenMargin {
			ttl -= tokenMargin
		} else {
			ttl /= 2
		}
		e.expires = c.now().Add(ttl)
	}
	c.tokens.mu.Unlock()
	call.tok, call.err = tok, err
	close(call.done)
	if err != nil {
		c.log.WithError(err).Warn("dingtalk token fetch failed")
	}
}

// invalidate drops tok from the cache if it is still the cached one.
func (c *Connector) invalidate(kind tokenKind, tok string) {
	key := c.tokenKey(kind)
	c.tokens.mu.Lock()
	if e := c.tokens.entries[key]; e != nil && e.tok == tok {
		e.tok = ""
	}
	c.tokens.mu.Unlock()
}

func (c *Connector) fetchNewToken(ctx context.Context) (string, time.Duration, error) {
	resp, err := c.rc.R().SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(map[string]string{"appKey": c.cfg.AppKey, "appSecret": c.cfg.AppSecret}).
		Post(c.cfg.BaseURL + "/v1.0/oauth2/accessToken")
	if err != nil {
		return "", 0, scrub("fetch token", err)
	}
	if resp.StatusCode() >= 400 {
		return "", 0, fmt.Errorf("fetch token: %w", apiError("token", resp.StatusCode(), resp.Header(), resp.Body()))
	}
	var out struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}
	if err := json.Unmarshal(resp.Body(), &out); err != nil {
		return "", 0, fmt.Errorf("fetch token: decode: %w", err)
	}
	if out.AccessToken == "" || out.ExpireIn <= 0 {
		return "", 0, errors.New("fetch token: empty accessToken")
	}
	return out.AccessToken, time.Duration(out.ExpireIn) * time.Second, nil
}

func (c *Connector) fetchLegacyToken(ctx context.Context) (string, time.Duration, error) {
	resp, err := c.rc.R().SetContext(ctx).
		SetQueryParam("appkey", c.cfg.AppKey).
		SetQueryParam("appsecret", c.cfg.AppSecret).
		Get(c.cfg.OapiURL + "/gettoken")
	if err != nil {
		return "", 0, scrub("fetch legacy token", err)
	}
	var out struct {
		oapiResult
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.Body(), &out); err != nil {
		return "", 0, fmt.Errorf("fetch legacy token: decode (http %d): %w", resp.StatusCode(), err)
	}
	if out.ErrCode != 0 {
		e := oapiError("token", resp.StatusCode(), resp.Header(), out.oapiResult)
		if !e.Permanent && e.RetryAfter == 0 && resp.StatusCode() < 500 {
			e.Permanent = true
		}
		if e.Hint == "" {
			e.Hint = hintFor("token", newAPIError{})
		}
		return "", 0, fmt.Errorf("fetch legacy token: %w", e)
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return "", 0, errors.New("fetch legacy token: empty access_token")
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}
