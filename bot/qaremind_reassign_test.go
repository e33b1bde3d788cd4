package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// A household given to another 帮扶责任人: the new cadre's reminders start from the first, as
// for the tasks the new ledger cannot judge. The tasks it raises again kept the count of the
// earlier cadre's reminders, so 李明's very first digest warned that they would be reported,
// and the next pass reported them with 李明 reminded once.
func TestQaremindNewCadreStartsFromTheFirstReminder(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.RepeatInterval = 24 * time.Hour // escalate_after 3 (default)
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Roster.Cadres = append(c.Roster.Cadres, config.Cadre{Name: "李明", IDs: config.IDs{"local": "liming"}})
	})
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	h.tickAt(at(2026, 12, 2, 9, 0)) // 王建军 reminded twice
	h.clock.Set(at(2026, 12, 2, 15, 0))
	h.drop(dir, "2026年第4季度台账(调整帮扶责任人).xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "李明")))
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 1 || open[0].Cadre != "李明" {
		t.Fatalf("the task is 李明's now: %+v", open)
	}
	h.tickAt(at(2026, 12, 3, 9, 0))
	d := h.directTo("liming")
	if len(d) != 1 || strings.Contains(d[0], "请注意") {
		t.Fatalf("李明's first reminder must not warn of a report: %q", d)
	}
	h.tickAt(at(2026, 12, 4, 9, 0))
	if n := len(qaremindEscalations(h, "leader1")); n != 0 {
		t.Fatalf("reported %d time(s) after 李明's first reminder", n)
	}
}
