package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// Two cadres of the same name, neither in the roster, in two villages whose ledgers came from
// two group chats: each group gets the digest of its own village's tasks. The tasks were grouped
// by the name alone, so both villages' households went to the first chat, and the second chat
// heard nothing.
func TestQaremindNamesakesOutsideRosterEachInTheirOwnChat(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("红旗村", "HQ001", "包玉山", "李明", "未落实")))
	h.drain()
	h.drop(h.lifeInbox("东风村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("东风村", "DF001", "乌云花", "李明", "未落实")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	got := map[string][]string{}
	for _, m := range h.messages("reminder") {
		got[m.Chat] = append(got[m.Chat], m.Text)
	}
	for chat, own := range map[string]string{"红旗村群": "红旗村", "东风村群": "东风村"} {
		if len(got[chat]) != 1 {
			t.Errorf("digests in %s: %d, want 1: %q", chat, len(got[chat]), got[chat])
			continue
		}
		text := got[chat][0]
		if !strings.Contains(text, "（"+own+"）") || !strings.Contains(text, "共1项") {
			t.Errorf("%s's digest must list its own village's one task:\n%s", chat, text)
		}
		for _, other := range []string{"红旗村", "东风村"} {
			if other != own && strings.Contains(text, other) {
				t.Errorf("%s's digest lists a task of %s:\n%s", chat, other, text)
			}
		}
	}
}
