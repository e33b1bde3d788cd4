package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// With reminders.escalate_after 1 the report opened “以下1项待办经多次提醒仍未完成或已逾期”: the
// task was reminded once and is not overdue. It reads “经提醒仍未完成”.
func TestEndsEscalateAfterOneSaysRemindedNotRepeatedly(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		endsQuiet(c)
		c.Reminders.EscalateAfter = 1
	})
	endsStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // the one reminder, which warns
	h.tickAt(at(2026, 12, 2, 9, 0)) // the next: reported
	e := qaremindEscalations(h, "leader1")
	if len(e) != 1 {
		t.Fatalf("escalations: %q, want 1", e)
	}
	if !strings.Contains(e[0], "以下1项待办经提醒仍未完成：\n") || strings.Contains(e[0], "多次") || strings.Contains(e[0], "逾期：") ||
		!strings.Contains(e[0], "｜已提醒1次\n") {
		t.Fatalf("report after one reminder:\n%s", e[0])
	}
}

// A task reported for being past its due date (escalate_after is far off) was said to be
// “经多次提醒仍未完成或已逾期”; it was reminded once. It reads “已逾期仍未完成”.
func TestEndsOverdueEscalationSaysOverdue(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		endsQuiet(c)
		c.Reminders.EscalateAfter = 50
	})
	endsStart(t, h)
	open, _ := h.st.OpenTasks(context.Background())
	if len(open) != 1 {
		t.Fatalf("open tasks: %+v", open)
	}
	// The measure a 2026Q4 ledger raises is due at the next quarter's end, 2027-03-31 (a
	// Wednesday); it is overdue from Thursday 2027-04-01 (no holidays configured).
	if got := open[0].Due.UTC().Format("2006-01-02"); got != "2027-03-31" {
		t.Fatalf("due %s, want 2027-03-31", got)
	}
	h.tickAt(at(2026, 12, 1, 9, 0)) // reminded once
	h.tickAt(at(2027, 4, 1, 9, 0))  // overdue: reported
	e := qaremindEscalations(h, "leader1")
	if len(e) != 1 {
		t.Fatalf("escalations: %q, want 1", e)
	}
	if !strings.Contains(e[0], "以下1项待办已逾期仍未完成：\n") || strings.Contains(e[0], "提醒仍未完成") ||
		!strings.Contains(e[0], "｜已逾期（期限2027-03-31）\n") {
		t.Fatalf("report of an overdue task:\n%s", e[0])
	}
}

// An admin's 提醒 the morning after a task's due date, before the daily pass reports it: the
// digest warned “如下次提醒前仍未完成（或已逾期），将报告…” of a task already overdue, which the
// pass an hour later reports whatever the next reminder. It says the task is overdue and will
// be reported.
func TestEndsOverdueWarningSaysOverdue(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		endsQuiet(c)
		c.Reminders.EscalateAfter = 50
	})
	endsStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // reminded once
	// Due 2027-03-31 (see TestEndsOverdueEscalationSaysOverdue): overdue on Thursday 04-01.
	h.clock.Set(at(2027, 4, 1, 8, 30))
	if r := h.say("红旗村群", "admin1", "提醒"); !strings.Contains(r, "已发送提醒1份") {
		t.Fatalf("提醒: %s", r)
	}
	d := h.directTo("wangjj")
	if len(d) != 2 || !strings.Contains(d[1], "｜期限 2027-03-31（已逾期）\n请注意：第1项已逾期，将报告巴林左旗林东镇领导。\n") ||
		strings.Contains(d[1], "如下次提醒前") {
		t.Fatalf("the 提醒 of an overdue task: %q", d)
	}
	h.tickAt(at(2027, 4, 1, 9, 0))
	if e := qaremindEscalations(h, "leader1"); len(e) != 1 {
		t.Fatalf("the overdue task is reported at the pass: %q", e)
	}
}
