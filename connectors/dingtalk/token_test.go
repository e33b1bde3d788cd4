package dingtalk

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"

	"zengshou/connectors"
)

func TestTokenSingleFlight(t *testing.T) {
	f := newFake(t)
	f.tokenDelay = 50 * time.Millisecond // long enough for all ten callers to wait on one fetch
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	var wg sync.WaitGroup
	toks := make([]string, 10)
	errs := make([]error, 10)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = c.token(context.Background(), tokenNew)
		}()
	}
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] != "fake-token-1" {
			t.Fatalf("caller %d: %q, %v", i, toks[i], errs[i])
		}
	}
	if n := f.fetches(); n != 1 {
		t.Fatalf("%d token fetches, want 1", n)
	}
	// Cached: no new fetch.
	if _, err := c.token(context.Background(), tokenNew); err != nil || f.fetches() != 1 {
		t.Fatalf("second call: %v, %d fetches", err, f.fetches())
	}
}

func TestTokenRefreshAndRetryOnce(t *testing.T) {
	f := newFake(t)
	f.files["dl"] = []byte("x")
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	ctx := context.Background()
	if _, err := c.Download(ctx, connectors.FileRef{Key: "dl"}, &bytes.Buffer{}, 10); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.rotate() // the cached fake-token-1 is now invalid
	f.mu.Unlock()
	if _, err := c.Download(ctx, connectors.FileRef{Key: "dl"}, &bytes.Buffer{}, 10); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := f.fetches(); n != 2 {
		t.Fatalf("%d fetches, want 2 (initial + one refresh)", n)
	}
	// oapi: errcode 40014 on upload also refreshes once.
	f.mu.Lock()
	f.rotate()
	f.mu.Unlock()
	if _, err := c.uploadMedia(ctx, "file", "a.xlsx", []byte("a")); err != nil {
		t.Fatalf("upload after rotation: %v", err)
	}
	if n := f.fetches(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}

// A token that stays invalid is retried once, not forever.
func TestTokenRetryOnlyOnce(t *testing.T) {
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	calls := 0
	c.rc.OnBeforeRequest(func(_ *resty.Client, r *resty.Request) error {
		if strings.Contains(r.URL, "groupMessages") {
			calls++
			r.SetHeader("x-acs-dingtalk-access-token", "always-wrong")
		}
		return nil
	})
	_, err := c.Send(context.Background(), connectors.Message{ChatID: "cidGroup0001==", Text: "x"})
	var e *connectors.Error
	if !errors.As(err, &e) || e.HTTPStatus != 401 || calls != 2 {
		t.Fatalf("err %v, %d calls (want 401 after 2)", err, calls)
	}
}

// Tokens are cached per (appKey, secret): a wrong secret never gets the right one's token.
func TestTokenPerSecret(t *testing.T) {
	f := newFake(t)
	good, _ := newTestConnector(t, f, ModeHTTP, nil)
	bad, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) { cfg.AppSecret = "wrongSecret" })
	shared := &tokenCache{entries: map[tokenKey]*tokenEntry{}}
	good.tokens, bad.tokens = shared, shared
	if _, err := good.token(context.Background(), tokenNew); err != nil {
		t.Fatal(err)
	}
	_, err := bad.token(context.Background(), tokenNew)
	var e *connectors.Error
	if !errors.As(err, &e) || !e.Permanent || !strings.Contains(e.Hint, "app_key") {
		t.Fatalf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrongSecret") || strings.Contains(err.Error(), testAppSecret) {
		t.Fatalf("error shows a secret: %v", err)
	}
}

func TestLegacyToken(t *testing.T) {
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) { cfg.OapiLegacyToken = true })
	if _, err := c.uploadMedia(context.Background(), "file", "a.xlsx", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.tokens.entries[c.tokenKey(tokenLegacy)]; !ok || f.fetches() != 1 {
		t.Fatalf("legacy token not used (%d fetches)", f.fetches())
	}
}

// 20 messages a minute: the bucket starts full (20), then refills one token every 60/20 = 3 s.
func TestBucket(t *testing.T) {
	now := testNow()
	l := newLimiterSet(webhookPerMinute, time.Minute, func() time.Time { return now })
	for i := 0; i < 20; i++ {
		if d := l.reserve("robot"); d != 0 {
			t.Fatalf("send %d waits %v", i+1, d)
		}
	}
	if d := l.reserve("robot"); d != 3*time.Second {
		t.Fatalf("21st waits %v, want 3s", d)
	}
	if d := l.reserve("other robot"); d != 0 {
		t.Fatalf("another robot waits %v", d)
	}
	// The 22nd, reserved at once, queues behind the 21st: 6 s.
	if d := l.reserve("robot"); d != 6*time.Second {
		t.Fatalf("22nd waits %v, want 6s", d)
	}
	now = now.Add(time.Minute) // debt of 2 repaid, 18 tokens back
	for i := 0; i < 18; i++ {
		if d := l.reserve("robot"); d != 0 {
			t.Fatalf("after a minute, send %d waits %v", i+1, d)
		}
	}
	if d := l.reserve("robot"); d != 3*time.Second {
		t.Fatalf("19th after a minute waits %v", d)
	}
}

// The connector waits for the webhook budget instead of dropping messages.
func TestWebhookWaitsNotDrops(t *testing.T) {
	f := newFake(t)
	f.webhookSecrets["hooktok"] = "SECx"
	c, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) {
		cfg.Webhooks = map[string]Webhook{"cidGroup0001==": {URL: f.srv.URL + "/robot/send?access_token=hooktok", Secret: "SECx"}}
	})
	var waits []time.Duration
	c.hooks.sleepFor = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	for i := 0; i < 21; i++ {
		if _, err := c.Send(context.Background(), connectors.Message{ChatID: "cidGroup0001==", Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.sentMessages()) != 21 || len(waits) != 1 || waits[0] != 3*time.Second {
		t.Fatalf("%d delivered, waits %v (want 21 and one 3 s wait)", len(f.sentMessages()), waits)
	}
	// A cancelled wait gives the token back.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.hooks.sleepFor = sleepCtx
	if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	_, err := New(Config{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "dingtalk.app_key") || !strings.Contains(err.Error(), "dingtalk.app_secret") ||
		!strings.Contains(err.Error(), "未设置") || !strings.Contains(err.Error(), "is not set") {
		t.Fatalf("empty config: %v", err)
	}
	base := Config{AppKey: "k", AppSecret: "s"}
	for name, tc := range map[string]struct {
		mut  func(*Config)
		want string
	}{
		"mode":        {func(c *Config) { c.Mode = "webhook" }, "dingtalk.mode"},
		"aes key":     {func(c *Config) { c.CallbackToken, c.CallbackAESKey = "t", "short" }, "dingtalk.callback_aes_key"},
		"token alone": {func(c *Config) { c.CallbackToken = "t" }, "dingtalk.callback_aes_key"},
		"aes alone":   {func(c *Config) { c.CallbackAESKey = officialVectors[0].aesKey }, "dingtalk.callback_token"},
		"base url":    {func(c *Config) { c.BaseURL = "api.dingtalk.com" }, "dingtalk.base_url"},
		"webhook": {func(c *Config) {
			c.Webhooks = map[string]Webhook{"cid1": {URL: "https://oapi.dingtalk.com/robot/send"}}
		}, "dingtalk.webhooks.cid1.url"},
	} {
		cfg := base
		tc.mut(&cfg)
		_, err := New(cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, err := New(Config{AppKey: " k ", AppSecret: "s", CallbackToken: "t", CallbackAESKey: officialVectors[0].aesKey}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Mode != ModeStream || c.cfg.RobotCode != "k" || c.cfg.BaseURL != defaultBaseURL || c.cfg.OapiURL != defaultOapiURL || c.crypto == nil {
		t.Fatalf("defaults: %+v", c.cfg)
	}
	if l := c.Limits(); l.MaxFileBytes != 20<<20 || l.MaxTextRunes != maxTextRunes || l.PerChatPerSecond != 20.0/60 {
		t.Fatalf("limits = %+v", l)
	}
}
