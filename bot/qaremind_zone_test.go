package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// A task's due date is a calendar day (2027-03-31, the end of the quarter after the upload).
// With reminders.timezone west of Greenwich it was read as the evening of the day before: the
// digest said “期限 2027-03-30”, and the task was overdue and reported on its own due date.
func TestQaremindDueDateIsTheSameDayInAnyZone(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.Timezone = "America/Chicago"
		c.Reminders.EscalateAfter = 100 // only the due date escalates here
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, chicago)) // Monday
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(time.Date(2026, 12, 1, 9, 0, 0, 0, chicago))
	d := h.directTo("wangjj")
	if len(d) != 1 || !strings.Contains(d[0], "期限 2027-03-31") || strings.Contains(d[0], "已逾期") {
		t.Fatalf("the digest names the due date 2027-03-31: %q", d)
	}
	// Wednesday 2027-03-31, its due date: not overdue yet, not reported.
	h.tickAt(time.Date(2027, 3, 31, 9, 0, 0, 0, chicago))
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("reported %d time(s) on its due date", n)
	}
	h.tickAt(time.Date(2027, 4, 1, 9, 0, 0, 0, chicago)) // the day after: overdue, reported
	esc := qaremindEscalations(h, "leader1")
	if len(esc) != 1 || !strings.Contains(esc[0], "已逾期（期限2027-03-31）") {
		t.Fatalf("escalations the day after the due date: %q", esc)
	}
}
