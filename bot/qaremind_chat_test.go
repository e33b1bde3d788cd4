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

// One cadre outside the roster with ledgers in two groups: when every task of one group's
// ledgers is done, that group is told so (已完成), without “待办已全部完成” while the other
// group's task is still open; the other group's digest lists it.
func TestQaremindDoneInOneGroupIsNotAllDone(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	hq, df := h.lifeInbox("红旗村群"), h.lifeInbox("东风村群")
	h.drop(hq, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("红旗村", "HQ001", "包玉山", "李明", "未落实")))
	h.drain()
	h.drop(df, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("东风村", "DF001", "乌云花", "李明", "未落实")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	h.clock.Set(at(2026, 12, 1, 15, 0))
	h.drop(hq, "2026年第4季度台账(已落实).xlsx", lifeBook(t, "家庭收入台账", qaremindHH("红旗村", "HQ001", "包玉山", "李明", "已落实")))
	h.drain()
	n := len(h.messages("reminder"))
	h.tickAt(at(2026, 12, 2, 9, 0))
	var hqText string
	for _, m := range h.messages("reminder")[n:] {
		if m.Chat == "红旗村群" {
			hqText = m.Text
		}
	}
	if !strings.Contains(hqText, "已完成（最新台账确认，已销号）：包*山（红旗村）") || strings.Contains(hqText, "\n待办已全部完成") {
		t.Fatalf("红旗村群 after its task was done:\n%s", hqText)
	}
	if !strings.Contains(hqText, "本群台账中的待办已全部完成") {
		t.Errorf("红旗村群 is told its ledgers' tasks are done:\n%s", hqText)
	}
}
