package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

type apiResult struct {
	status int
	err    error
}

// post sends a workbook to /api/v1/process from any goroutine (no t.Fatal off the test's own).
func post(url string, body []byte) apiResult {
	req, err := http.NewRequest("POST", url+"/api/v1/process?period=2026Q4", bytes.NewReader(body))
	if err != nil {
		return apiResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer s3cret-token")
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apiResult{err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return apiResult{status: resp.StatusCode}
}

// At most http.max_parallel workbooks are parsed at once through the plugin API: a request
// beyond it gets 503 with Retry-After and the API's JSON error, without a parse started; a
// slot frees when a parse ends; a hot reload of the limit applies at once.
func TestPluginAPIParsesAtMostMaxParallel(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.HTTP.Tokens = []string{"s3cret-token"}
	})
	var reads, parsing atomic.Int32
	started := make(chan struct{}, 8)
	proceed, stop := make(chan struct{}), make(chan struct{})
	var svc *bot.Service
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn}, Clock: h.clock,
		Log: logrus.NewEntry(h.logger()), DataDir: h.dir,
		Read: func(ctx context.Context, path string, o ledger.ReadOptions) (*ledger.Ledger, error) {
			reads.Add(1) // where the service starts a parse child
			n := parsing.Add(1)
			defer parsing.Add(-1)
			if int(n) > svc.Config().HTTP.MaxParallel { // over the limit: fail now rather than block the test
				return nil, errors.New("parse started beyond http.max_parallel")
			}
			started <- struct{}{}
			select {
			case <-proceed:
			case <-stop: // the test ended early: let the server close
			}
			return ledger.Read(path, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	book := fxWorkbook(t, 10, 1)
	if h.cfg.HTTP.MaxParallel != 2 {
		t.Fatalf("default http.max_parallel = %d, want 2", h.cfg.HTTP.MaxParallel)
	}

	results := make(chan apiResult, 4)
	for range 2 {
		go func() { results <- post(srv.URL, book) }()
	}
	<-started
	<-started // two parses running: the limit

	busy := func(limit string) {
		t.Helper()
		r := do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "application/octet-stream", bytes.NewReader(book))
		if r.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("request beyond the limit: %d, want 503", r.StatusCode)
		}
		if ra := r.Header.Get("Retry-After"); ra == "" || strings.Trim(ra, "0123456789") != "" {
			t.Errorf("Retry-After = %q, want seconds", ra)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		want := "服务繁忙：正在处理的工作簿已达上限（" + limit + "），请稍后重试"
		if body["error"] != "busy" || body["message"] != want || len(body) != 2 {
			t.Errorf("body = %v, want {error: busy, message: %s}", body, want)
		}
	}
	busy("2")
	if n := reads.Load(); n != 2 {
		t.Fatalf("parses started: %d, want 2 (the refused request must not start one)", n)
	}
	// Other endpoints parse no workbook and are not limited.
	if r := do(t, "GET", srv.URL+"/api/v1/policy", "s3cret-token", "", nil); r.StatusCode != 200 {
		t.Errorf("policy while busy: %d", r.StatusCode)
	}

	proceed <- struct{}{}
	proceed <- struct{}{}
	for range 2 {
		if r := <-results; r.err != nil || r.status != 200 {
			t.Fatalf("admitted request: %+v", r)
		}
	}

	// Hot reload: the limit lowered to 1 applies to the next request.
	one := *h.cfg
	one.HTTP.MaxParallel = 1
	svc.SetConfig(&one)
	go func() { results <- post(srv.URL, book) }()
	<-started
	busy("1")
	proceed <- struct{}{}
	if r := <-results; r.err != nil || r.status != 200 {
		t.Fatalf("admitted request: %+v", r)
	}
	if n := reads.Load(); n != 3 {
		t.Errorf("parses started: %d, want 3", n)
	}
}
