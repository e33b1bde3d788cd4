package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// endsStart uploads 包玉山's 2026Q4 家庭收入台账 (measure not done, cadre 王建军) in 红旗村群 at the
// harness's Monday 2026-11-30 10:00, with the workbooks given, and runs the first tick (it sends
// nothing from before now).
func endsStart(t *testing.T, h *harness, sheets ...any) string {
	t.Helper()
	dir := h.lifeInbox("红旗村群")
	if len(sheets) == 0 {
		sheets = []any{"家庭收入台账", lifeHH("未落实", "王建军")}
	}
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, sheets...))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// endsQuiet turns off the leaders' summaries (only digests and escalations go out) and sets
// the repeat interval to a day.
func endsQuiet(c *config.Config) {
	c.Reminders.RepeatInterval = 24 * time.Hour
	c.Summaries.Weekly = ""
	c.Summaries.Quarterly = false
}

// An admin presses 提醒 twice on the morning of the daily pass's first reminder. Each press
// counted as a reminder: after the second, 王建军 had been “reminded” escalate_after (3) times
// within two hours, the second press warned “如下次提醒前仍未完成…将报告…领导”, and the
// 12-03 pass reported the task to the leaders two days after the first reminder. A task's count
// rises at most once a calendar day: the presses are 12-01's reminder, the 12-03 pass's is the
// 2nd, 12-04's the 3rd (it warns), and the report comes with the next reminder, Monday 12-07.
func TestEndsCommandPressedTwiceCountsOnceADay(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		endsQuiet(c) // escalate_after 3 (default)
	})
	ctx := context.Background()
	endsStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // Tuesday's pass: the 1st reminder
	for _, hh := range []int{10, 11} {
		h.clock.Set(at(2026, 12, 1, hh, 0))
		if r := h.say("红旗村群", "admin1", "提醒"); !strings.Contains(r, "已发送提醒1份") {
			t.Fatalf("提醒 at %d:00: %s", hh, r)
		}
	}
	d := h.directTo("wangjj")
	if len(d) != 3 {
		t.Fatalf("the pass and two presses: %d digests, want 3: %q", len(d), d)
	}
	for i, text := range d {
		if strings.Contains(text, "请注意") {
			t.Errorf("digest %d of 12-01 warns of a report after one day's reminder: %s", i+1, text)
		}
	}
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 1 || open[0].Reminders != 1 {
		t.Fatalf("reminders counted on 12-01: %+v, want one task reminded once", open)
	}
	// 12-02 09:00: the last digest (12-01 11:00) is 22 h old, under the 24 h interval: nothing.
	h.tickAt(at(2026, 12, 2, 9, 0))
	h.tickAt(at(2026, 12, 3, 9, 0)) // the 2nd reminder
	h.tickAt(at(2026, 12, 4, 9, 0)) // the 3rd: warns
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("reported %d time(s) before the warning's next reminder", n)
	}
	d = h.directTo("wangjj")
	if len(d) != 5 {
		t.Fatalf("digests by 12-04: %d, want 5 (3 on 12-01, 12-03, 12-04): %q", len(d), d)
	}
	if strings.Contains(d[3], "请注意") || !strings.Contains(d[4], "请注意：第1项如下次提醒前仍未完成（或已逾期），将报告巴林左旗林东镇领导") {
		t.Fatalf("the 3rd day's reminder (12-04) warns, the 2nd (12-03) does not:\n%s\n---\n%s", d[3], d[4])
	}
	h.tickAt(at(2026, 12, 7, 9, 0)) // Monday: the next reminder after the warning
	e := qaremindEscalations(h, "leader1")
	if len(e) != 1 || !strings.Contains(e[0], "已提醒3次") {
		t.Fatalf("the report with the reminder after the warning: %q", e)
	}
}
