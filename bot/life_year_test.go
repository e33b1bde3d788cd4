package bot_test

import (
	"strings"
	"testing"
	"time"
)

// 包玉山 sold 3 calves in 2026 and got nothing (600元 owed). In 2027 he sells one more: the
// 2027Q1 ledger owes 200元 for 2027. The 2026 debt must stay open at 600元 (README 跨年:
// 上一年应享未发的补贴待办不会被新一年的台账销号), and paying 2027's 200元 must not close it.
func TestLastYearsUnpaidCalfSubsidySurvivesANewYearDebtOfTheSameKind(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Amount == nil || *got[0].Amount != 60000 {
		t.Fatalf("2026Q4: want one subsidy_unpaid task of 600元: %+v", got)
	}

	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(8000), "牲畜台账", lifeLivestock(1, 0)))
	h.drain()
	amounts := func() map[int64]bool {
		out := map[int64]bool{}
		for _, tk := range openByRule(t, h, "subsidy_unpaid") {
			if tk.Amount != nil {
				out[int64(*tk.Amount)] = true
			}
		}
		return out
	}
	if a := amounts(); !a[60000] || !a[20000] {
		t.Errorf("2027Q1: want 2026's 600元 and 2027's 200元 both open, got amounts %v", a)
	}

	h.clock.Set(time.Date(2027, 7, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第2季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(16000), "牲畜台账", lifeLivestock(1, 200)))
	h.drain()
	if a := amounts(); !a[60000] || a[20000] {
		t.Errorf("2027Q2 (2027's 200元 paid): want only 2026's 600元 open, got amounts %v", a)
	}
	r := h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "确认已完成1项") {
		t.Errorf("2027Q2 reply: want exactly 2027's task reported done:\n%s", last)
	}
}
