package bot_test

import (
	"testing"
	"time"
)

// 包玉山 keeps two herds of cattle, one row each in the 牲畜台账: 3 + 3 calves sold, 1200元 capped
// at 1000元 a household a year, 500元 recorded paid on each row (1000元, paid in full). The 2026Q4
// 牲畜台账 leaves 已发放 blank: the 1000元 stored must count, not 500元 (the store kept the larger
// of the two rows' payments rather than their sum).
func TestCalfSubsidyPaidOnTwoRowsCountsInFullNextUpload(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	rows := func(paid any) [][]any {
		return [][]any{
			{"序号", "户编号", "户主姓名", "畜种", "年初存栏", "能繁母畜", "出生", "购入", "出售", "出售犊牛", "死淘", "存栏", "已发放"},
			{1, "HQ001", "包玉山", "牛", 6, 3, 3, 0, 3, 3, 0, 6, paid},
			{2, "HQ001", "包玉山", "牛", 4, 3, 3, 0, 3, 3, 0, 4, paid},
		}
	}
	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "牲畜台账", rows(500)))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
		t.Fatalf("Q3: paid in full (500 + 500), yet %+v\n%s", got, h.messages("reply")[0].Text)
	}
	h.clock.Set(time.Date(2026, 12, 14, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度牲畜台账.xlsx", sheetFile(t, "牲畜台账", rows("")))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
		t.Errorf("Q4: the 1000元 paid is partly owed again: %s", got[0].Explain)
	}
}
