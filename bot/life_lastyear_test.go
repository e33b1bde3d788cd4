package bot_test

import (
	"strings"
	"testing"
	"time"
)

// 包玉山's 2026 calf subsidy (600元) was unpaid at the 2026Q4 upload; the 2027Q1 workbook leaves it
// open (README 跨年). In April the village pays it and sends the corrected 2026Q4 workbook: the
// only ledger that can judge 2026's money closes the task, though a 2027 ledger came before it.
// It changes none of the household's 2027 tasks (the measure the 2027Q1 workbook found not done).
func TestLastYearsLedgerSentLateSettlesLastYearsSubsidy(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	q1 := lifeHH("未落实", "王建军")
	q1[1][9] = 5000
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", q1, "牲畜台账", lifeLivestock(0, 0)))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 {
		t.Fatalf("2027Q1: 2026's subsidy must stay open: %+v", got)
	}
	measures := len(openByRule(t, h, "measure_missing"))
	if measures != 1 {
		t.Fatalf("2027Q1: want the measure task open: %d", measures)
	}
	h.clock.Set(time.Date(2027, 4, 20, 10, 0, 0, 0, shanghai))
	// (It names the cadre of 2026, 李建国: the 2027 tasks stay 王建军's.)
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "李建国"), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
		t.Errorf("the corrected 2026Q4 workbook records 2026's 600元 paid; still open: %+v", got)
	}
	if got := openByRule(t, h, "measure_missing"); len(got) != 1 || got[0].Cadre != "王建军" {
		t.Errorf("the 2026Q4 workbook changed the 2027 measure task: %+v", got)
	}
	r := h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "确认已完成1项") {
		t.Errorf("reply:\n%s", last)
	}
}
