package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// qaremindEscalations lists the escalations sent to a user.
func qaremindEscalations(h *harness, user string) []string {
	var out []string
	for _, m := range h.messages("reminder") {
		if strings.Contains(m.Text, "上报】") && len(m.To) == 1 && m.To[0] == user {
			out = append(out, m.Text)
		}
	}
	return out
}

// A task escalated, then done (closed), then raised again by a later ledger is escalated again
// when it is reminded escalate_after times once more. The escalation's notification key was the
// leader and the set of task ids: the second report of the same task was taken for the first,
// marked escalated and never sent.
func TestQaremindReopenedTaskIsEscalatedAgain(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 1
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if open, _ := h.st.OpenTasks(ctx); len(open) != 1 {
		t.Fatalf("want the one open task (measure not done): %+v", open)
	}
	h.tickAt(at(2026, 12, 1, 9, 0)) // reminded once (escalate_after 1)
	h.tickAt(at(2026, 12, 2, 9, 0)) // escalated
	if got := len(qaremindEscalations(h, "leader1")); got != 1 {
		t.Fatalf("escalations after the first round: %d, want 1", got)
	}
	// Done on Wednesday afternoon; the measure lapses and the ledger of Thursday says so again.
	h.clock.Set(at(2026, 12, 2, 15, 0))
	h.drop(dir, "2026年第4季度台账(已落实).xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军")))
	h.drain()
	h.tickAt(at(2026, 12, 3, 9, 0)) // 已完成
	h.clock.Set(at(2026, 12, 3, 15, 0))
	h.drop(dir, "2026年第4季度台账(更正).xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 1 || open[0].Reminders != 0 || !open[0].EscalatedAt.IsZero() {
		t.Fatalf("the task raised again starts afresh: %+v", open)
	}
	h.tickAt(at(2026, 12, 4, 9, 0)) // reminded once again
	h.tickAt(at(2026, 12, 7, 9, 0)) // Monday: escalated again
	if got := len(qaremindEscalations(h, "leader1")); got != 2 {
		t.Fatalf("escalations: %d, want 2 (the task raised again was reminded and not done)", got)
	}
	if open, _ := h.st.OpenTasks(ctx); len(open) != 1 || open[0].EscalatedAt.IsZero() {
		t.Fatalf("the task is marked escalated: %+v", open)
	}
}
