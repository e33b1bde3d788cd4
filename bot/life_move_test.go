package bot_test

import (
	"testing"
	"time"
)

// 包玉山's 2026Q4 workbook leaves a calf subsidy unpaid (600元) in 红旗村. The village's corrected
// 家庭收入台账 of the same quarter places the household in 新民村 (it moved): the 家庭收入台账 cannot
// judge the calf subsidy, so the task stays open, and it moves with the household — counted in
// 新民村, no longer in 红旗村. A later 牲畜台账 alone (no village column) leaves it in 新民村.
func TestOpenTasksMoveWithAHouseholdToAnotherVillage(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Unit.Village != "红旗村" {
		t.Fatalf("2026Q4: want the calf subsidy open in 红旗村: %+v", got)
	}
	moved := lifeHH("已落实", "王建军")
	moved[1][1], moved[1][2] = "哈拉哈达镇", "新民村"
	h.clock.Set(time.Date(2026, 12, 24, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", moved))
	h.drain()
	got = openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Unit.County != "巴林左旗" || got[0].Unit.Township != "哈拉哈达镇" || got[0].Unit.Village != "新民村" {
		t.Fatalf("the household moved to 哈拉哈达镇新民村; its open task: %+v", got)
	}
	h.clock.Set(time.Date(2026, 12, 26, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if got = openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].Unit.Village != "新民村" {
		t.Errorf("a 牲畜台账 alone names no village; the task must stay in 新民村: %+v", got)
	}
}
