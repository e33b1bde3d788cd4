package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/connectors"
)

// A job that panics gets the cadre the internal-error reply, which says the admins were told:
// they are (one alert per job), and the service goes on with the next job.
func TestPanicInAJobAlertsTheAdmins(t *testing.T) {
	h := newHarness(t, nil)
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
	h.svc = svc
	h.upload("红旗村", "台账一.xlsx", 10, 1, ledger.GenOptions{})
	h.upload("红旗村", "台账二.xlsx", 10, 2, ledger.GenOptions{})
	h.drain()
	var errReply, okReply bool
	for _, m := range h.messages("") {
		if m.Chat == "红旗村" && strings.Contains(m.Text, "内部错误") && strings.Contains(m.Text, "通知管理员") {
			errReply = true
		}
		if m.Chat == "红旗村" && m.Kind == "reply" && strings.Contains(m.Text, "已处理") {
			okReply = true
		}
	}
	var alerts []string
	for _, m := range h.messages("error") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			alerts = append(alerts, m.Text)
		}
	}
	if !errReply || !okReply {
		t.Fatalf("replies: internal error %v, next job processed %v", errReply, okReply)
	}
	if len(alerts) != 1 || !strings.Contains(alerts[0], "内部错误") {
		t.Fatalf("admin alerts: %q, want one about the internal error", alerts)
	}
}
