package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"zengshou/config"
)

// A digest that said 已完成 for a closed task was followed the next day by the same list of open
// tasks again: the next digest no longer had the closed task in it, so its content counted as
// changed. An unchanged list of open tasks waits the repeat interval (72 h) after a digest
// that also said 已完成.
func TestQaremindDoneDoesNotMakeTheNextDayRepeat(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 10
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	dir := h.lifeInbox("红旗村群")
	two := func(done string) [][]any {
		x := lifeHH(done, "王建军")
		return append(x, qaremindHH("红旗村", "HQ002", "乌云花", "王建军", "未落实")[1])
	}
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", two("未落实")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0)) // Tue: 2 open tasks
	h.clock.Set(at(2026, 12, 1, 15, 0))
	h.drop(dir, "2026年第4季度台账(更新).xlsx", lifeBook(t, "家庭收入台账", two("已落实"))) // 包玉山's measure done
	h.drain()
	for day := 2; day <= 5; day++ {
		h.tickAt(at(2026, 12, day, 9, 0))
	}
	// Tue (2 open), Wed (1 open, 已完成 包玉山), then 72 h after Wednesday: Sat is a day off, so
	// not before Mon 12-07; nothing on Thu 12-03 or Fri 12-04.
	got := qaremindDirectDays(h, "wangjj")
	if want := "map[12-01:1 12-02:1]"; fmt.Sprint(got) != want {
		t.Fatalf("digests to 王建军 per day: %v, want %s", got, want)
	}
	d := h.directTo("wangjj")
	if !strings.Contains(d[1], "已完成（最新台账确认，已销号）：包玉山（红旗村）") {
		t.Fatalf("Wednesday's digest says 已完成:\n%s", d[1])
	}
	h.tickAt(at(2026, 12, 7, 9, 0))
	if got := qaremindDirectDays(h, "wangjj"); got["12-07"] != 1 {
		t.Fatalf("the unchanged digest repeats after 72 h (Mon 12-07): %v", got)
	}
}
