package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// qaremindHH is a 家庭收入台账 of one household of 红旗村 (or another village) for cadre, with
// its measure not done (one open task).
func qaremindHH(village, id, name, cadre, done string) [][]any {
	x := lifeHH(done, cadre)
	x[1][2], x[1][3], x[1][4] = village, id, name
	return x
}

// qaremindDirectDays counts the digests sent to a user by direct message, per day (Shanghai).
func qaremindDirectDays(h *harness, user string) map[string]int {
	out := map[string]int{}
	for _, m := range h.messages("reminder") {
		if len(m.To) == 1 && m.To[0] == user && strings.Contains(m.Text, "待办提醒") {
			out[m.Time.In(shanghai).Format("01-02")]++
		}
	}
	return out
}

// A digest time inside the evening quiet hours (22:00, quiet 21:00–08:00: config check warns
// that digests wait until 08:00) must still send one digest every working day at 08:00. The
// deferred run of Monday's 22:00 slot, made on Tuesday at 08:00, was recorded as Tuesday's 22:00
// run, so Tuesday's slot never ran on Wednesday: a digest every other day.
func TestQaremindDigestTimeInEveningQuietHoursRunsDaily(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.DigestTime = "22:00"
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Reminders.EscalateAfter = 10
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil { // Mon 11-30 10:00: the first tick
		t.Fatal(err)
	}
	for tm := at(2026, 11, 30, 10, 30); tm.Before(at(2026, 12, 5, 0, 0)); tm = tm.Add(30 * time.Minute) {
		h.tickAt(tm)
	}
	// Mon 22:00 → Tue 08:00, Tue 22:00 → Wed 08:00, Wed → Thu, Thu → Fri 08:00: 4 digests, each
	// 24 h after the last (repeat_interval 24h).
	if got, want := fmt.Sprint(qaremindDirectDays(h, "wangjj")), "map[12-01:1 12-02:1 12-03:1 12-04:1]"; got != want {
		t.Fatalf("digests to 王建军 per day: %s, want %s", got, want)
	}
}

// An admin moves digest_time from 09:00 to 15:00 after the day's 09:00 digest: the 15:00 slot
// the same day ran the pass again, and a task added since made a second digest that day
// (“每位帮扶责任人每天最多一份”), counted as a second reminder.
func TestQaremindDigestTimeMovedLaterSendsNoSecondDigestThatDay(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 10
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0)) // Tuesday's digest
	// 10:00: another household of 王建军 (a new task), and the schedule moved to 15:00.
	h.clock.Set(at(2026, 12, 1, 10, 0))
	h.drop(h.lifeInbox("东风村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", qaremindHH("东风村", "DF001", "乌云花", "王建军", "未落实")))
	h.drain()
	moved := *h.cfg
	moved.Reminders.DigestTime = "15:00"
	h.svc.SetConfig(&moved)
	for tm := at(2026, 12, 1, 10, 30); tm.Before(at(2026, 12, 3, 0, 0)); tm = tm.Add(30 * time.Minute) {
		h.tickAt(tm)
	}
	// Tuesday 09:00 (the first), Wednesday 15:00 (the new task: content changed).
	if got, want := fmt.Sprint(qaremindDirectDays(h, "wangjj")), "map[12-01:1 12-02:1]"; got != want {
		t.Fatalf("digests to 王建军 per day: %s, want %s", got, want)
	}
	open, _ := h.st.OpenTasks(context.Background())
	for _, tk := range open {
		if tk.Subject == "HQ001" && tk.Reminders != 2 {
			t.Errorf("HQ001's task reminded %d times, want 2 (Tue, Wed)", tk.Reminders)
		}
	}
}
