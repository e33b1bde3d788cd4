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

// The admins' alert for a failed upload read “任务 #1 处理时出现内部错误…”: no chat, and a
// number the cadre saw as 上传编号 #1. It names the upload as the cadre's reply does, and where.
func TestFreshAdminAlertNamesTheUploadAndTheChat(t *testing.T) {
	h := newHarness(t, nil)
	log := logrus.New()
	log.SetOutput(h.logs)
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn}, Clock: h.clock,
		Log: logrus.NewEntry(log), DataDir: h.dir,
		Read: func(context.Context, string, ledger.ReadOptions) (*ledger.Ledger, error) { panic("a reader bug") }})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	var got []string
	for _, m := range h.messages("error") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			got = append(got, m.Text)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "群“红旗村群”的上传编号 #1 处理时出现内部错误") {
		t.Errorf("admin alerts %q", got)
	}
}
