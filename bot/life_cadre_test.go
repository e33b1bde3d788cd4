package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// 包玉山's household passes from 王建军 to 李建国 (the corrected 2026Q4 家庭收入台账 says so). The
// calf subsidy the full workbook raised, which the household ledger alone cannot judge, follows
// the household: 李建国 is reminded of it, 王建军 no more.
func TestNewCadreOfAHouseholdTakesOverItsOtherLedgersTasks(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Cadres = append(c.Roster.Cadres, config.Cadre{Name: "李建国", IDs: config.IDs{"local": "lijg"}})
	})
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2026, 11, 30, 15, 0))
	h.drop(dir, "2026年第4季度家庭收入台账.xlsx", sheetFile(t, "家庭收入台账", lifeHH("未落实", "李建国")))
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	for _, tk := range open {
		if tk.Cadre != "李建国" {
			t.Errorf("task %s still with %s", tk.ID, tk.Cadre)
		}
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	if d := h.directTo("wangjj"); len(d) != 0 {
		t.Errorf("王建军 reminded of a household no longer his: %q", d)
	}
	if d := h.directTo("lijg"); len(d) != 1 || !strings.Contains(d[0], "出售犊牛") {
		t.Errorf("李建国's digest: %q", d)
	}
}
