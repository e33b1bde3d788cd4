package bot_test

import (
	"context"
	"strings"
	"testing"
)

// The 牲畜台账 comes first, the 家庭收入台账 an hour later (各台账可以分开上传, in any order).
// The calf subsidy raised before the household ledger named its cadre is 王建军's once the
// household ledger says so: his digest lists it, and the village counts it.
func TestLivestockBeforeHouseholdLedgerTaskGoesToTheHouseholdsCadre(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度牲畜台账.xlsx", sheetFile(t, "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2026, 11, 30, 11, 0))
	h.drop(dir, "2026年第4季度家庭收入台账.xlsx", sheetFile(t, "家庭收入台账", lifeHH("已落实", "王建军")))
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 1 || open[0].Cadre != "王建军" || open[0].Unit.Village != "红旗村" || open[0].SubjectName != "包玉山" {
		t.Fatalf("the calf subsidy task after the household ledger: %+v", open)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	if d := h.directTo("wangjj"); len(d) != 1 || !strings.Contains(d[0], "出售犊牛") {
		t.Errorf("王建军's digest: %q", d)
	}
	if got := h.ask("p1", "红旗村群", "进度 红旗村"); !strings.Contains(got, "待办1项") {
		t.Errorf("进度:\n%s", got)
	}
}
