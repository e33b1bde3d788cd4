package bot_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// A panic while the plugin API processes a workbook answers 500 with the API's JSON error and
// a log line through the service's logger; the connection was dropped with no answer and the
// trace went to stderr. The parse slot is freed: the next request is processed.
func TestPluginAPIPanicIsAnInternalError(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.HTTP.Tokens = []string{"s3cret-token"}; c.HTTP.MaxParallel = 1 })
	calls := 0
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn}, Clock: h.clock,
		Log: logrus.NewEntry(h.logger()), DataDir: h.dir,
		Read: func(_ context.Context, path string, o ledger.ReadOptions) (*ledger.Ledger, error) {
			calls++
			if calls == 1 {
				var m map[string]int
				m["boom"]++ // a bug: assignment to a nil map
			}
			return ledger.Read(path, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	book := fxWorkbook(t, 10, 1)
	if r := post(srv.URL, book); r.err != nil || r.status != 500 {
		t.Fatalf("panicking request: %+v, want 500", r)
	}
	if !strings.Contains(h.logs.String(), "api: panic") {
		t.Fatalf("no log line for the panic: %s", h.logs.String())
	}
	if r := post(srv.URL, book); r.err != nil || r.status != 200 {
		t.Fatalf("next request: %+v, want 200 (the parse slot freed)", r)
	}
}
