package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// An admin sends “提醒” at 08:55, five minutes before the daily pass. The digest it sends is the
// cadre's escalate_after-th reminder and warns “如下次提醒前仍未完成…将报告…领导”; the 09:00 pass
// reported the tasks to the leader five minutes later. Escalation by the count waits for a
// later day's pass than the reminder that reached it: the warned cadre gets a day.
func TestQaremindCommandBeforeThePassDoesNotEscalateMinutesAfterTheWarning(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 2
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	ctx := context.Background()
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0)) // Tuesday: the 1st reminder
	h.clock.Set(at(2026, 12, 4, 8, 55))
	if r := h.say("红旗村群", "admin1", "提醒"); !strings.Contains(r, "已发送提醒1份") {
		t.Fatalf("提醒: %s", r)
	}
	d := h.directTo("wangjj")
	if len(d) != 2 || !strings.Contains(d[1], "如下次提醒前仍未完成（或已逾期），将报告巴林左旗林东镇领导") {
		t.Fatalf("the 2nd reminder (提醒) must warn: %q", d)
	}
	h.tickAt(at(2026, 12, 4, 9, 0)) // Friday's pass, five minutes later
	if got := len(qaremindEscalations(h, "leader1")); got != 0 {
		t.Fatalf("reported to the leader %d time(s) five minutes after the warning", got)
	}
	h.tickAt(at(2026, 12, 7, 9, 0)) // Monday's pass: not done, reported
	if got := len(qaremindEscalations(h, "leader1")); got != 1 {
		t.Fatalf("escalations on the next working day: %d, want 1", got)
	}
}
