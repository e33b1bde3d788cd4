package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// qaremindWarned starts a harness on the defaults (repeat_interval 72h, escalate_after 3) with
// one open task of 王建军, reminded on Tue 12-01, Fri 12-04 and Mon 12-07 (72 h apart), the
// third warning “如下次提醒前仍未完成（或已逾期），将报告…领导”. No leader has heard of it.
func qaremindWarned(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	for tm := at(2026, 12, 1, 9, 0); tm.Before(at(2026, 12, 7, 10, 0)); tm = tm.Add(24 * time.Hour) {
		h.tickAt(tm)
	}
	d := h.directTo("wangjj")
	if len(d) != 3 || strings.Contains(d[1], "请注意") || !strings.Contains(d[2], "请注意：第1项如下次提醒前仍未完成（或已逾期），将报告巴林左旗林东镇领导。") {
		t.Fatalf("reminders to 王建军 (the third warns): %q", d)
	}
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("escalated before the warning: %d", n)
	}
	return h
}

// The third reminder says the task is reported if it is not done before the next reminder. With
// nothing new the next reminder is 72 h later (Thu 12-10); the task was reported on Tue 12-08,
// one day after the warning. It is reported when the next reminder is due, with that reminder.
func TestQaremindEscalationWaitsForTheNextReminderItWarnedOf(t *testing.T) {
	h := qaremindWarned(t)
	h.tickAt(at(2026, 12, 8, 9, 0))
	h.tickAt(at(2026, 12, 9, 9, 0))
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("reported %d time(s) before the next reminder the warning named (12-10)", n)
	}
	h.tickAt(at(2026, 12, 10, 9, 0))
	if n := len(qaremindEscalations(h, "leader1")); n != 1 {
		t.Fatalf("escalations on 12-10: %d, want 1", n)
	}
	d := h.directTo("wangjj")
	if len(d) != 4 || !strings.Contains(d[3], "第1项已报告巴林左旗林东镇领导，请尽快落实。") {
		t.Fatalf("the next reminder says it was reported: %q", d)
	}
}

// When the cadre's digest changes before the 72 h are up (a new task on Tue 12-08), the next
// reminder is Wednesday's: the warned task is reported then, not held back to 12-10.
func TestQaremindEscalationComesWithAnEarlierChangedDigest(t *testing.T) {
	h := qaremindWarned(t)
	h.tickAt(at(2026, 12, 8, 9, 0))
	h.clock.Set(at(2026, 12, 8, 10, 0))
	h.drop(h.lifeInbox("东风村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("东风村", "DF001", "乌云花", "王建军", "未落实")))
	h.drain()
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("reported %d time(s) on 12-08", n)
	}
	h.tickAt(at(2026, 12, 9, 9, 0))
	esc := qaremindEscalations(h, "leader1")
	if len(esc) != 1 || !strings.Contains(esc[0], "以下1项待办") || !strings.Contains(esc[0], "包*山") {
		t.Fatalf("escalations on 12-09: %q, want the warned task (包*山) only", esc)
	}
	d := h.directTo("wangjj")
	if len(d) != 4 || !strings.Contains(d[3], "共2项") || !strings.Contains(d[3], "已报告巴林左旗林东镇领导") {
		t.Fatalf("12-09's digest: %q", d)
	}
}
