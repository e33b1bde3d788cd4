package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/calc/ledger"
	"zengshou/config"
)

// A cadre in the roster whose ids name no enabled platform gets the digest in the group, like one
// outside the roster, but the group is not told they are missing from the roster: it says what
// the admin must add (their account on this platform).
func TestGroupDigestForARosterCadreWithoutAnAccountHere(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Cadres = []config.Cadre{{Name: "王建军", IDs: config.IDs{"feishu": "ou_wangjj"}}} // feishu is not enabled
	})
	h.upload("红旗村", "台账.xlsx", 40, 1, ledger.GenOptions{})
	h.drain()
	if _, err := h.svc.SendDigests(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var text string
	for _, m := range h.messages("reminder") {
		if m.Chat == "红旗村" {
			text = m.Text
		}
	}
	if !strings.Contains(text, "帮扶责任人：王建军（名册中没有其在本平台的账号）") || !strings.Contains(text, "无法私信提醒") ||
		strings.Contains(text, "以下帮扶责任人未在名册中") {
		t.Fatalf("group digest:\n%s", text)
	}
	if !strings.Contains(text, "帮扶责任人：李志强\n") {
		t.Fatalf("a cadre outside the roster is listed without the note:\n%s", text)
	}
}
