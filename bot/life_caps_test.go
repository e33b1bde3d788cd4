package bot_test

import (
	"fmt"
	"testing"
	"time"
)

// lifeID is a valid 18-digit ID number (GB 11643 check digit) from a 17-digit body.
func lifeID(body string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

func lifeLaborers(id string, paid any) [][]any {
	return [][]any{
		{"序号", "户编号", "姓名", "身份证号", "就业类型", "务工单位", "务工地点", "是否跨省", "务工时长", "月工资", "是否失业", "已发放"},
		{1, "HQ001", "包玉山", id, "稳定就业", "赤峰某建筑公司", "赤峰市", "否", 6, 5000, "否", paid},
	}
}

// 包玉山's 稳岗补贴 (30% × 3 × 5000 = 4500, capped at 3000元 a person a year) was paid in full as
// the 2026Q2 workbook records. The 2026Q3 务工就业清单 leaves 已发放 blank: the stored 3000元 counts
// and nothing is owed again.
func TestStableJobSubsidyPaidInAnEarlierUploadIsNotOwedAgain(t *testing.T) {
	for _, c := range []struct{ name, q2ID, q3ID string }{
		{"same ID", lifeID("15042219800101123"), lifeID("15042219800101123")},
		{"no ID in either", "", ""},
		{"ID added in Q3", "", lifeID("15042219800101123")},
		{"ID left out in Q3", lifeID("15042219800101123"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			h.clock.Set(time.Date(2026, 7, 13, 10, 0, 0, 0, shanghai))
			h.drop(dir, "2026年第2季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "务工就业清单", lifeLaborers(c.q2ID, 3000)))
			h.drain()
			if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
				t.Fatalf("Q2: paid in full, yet %+v", got)
			}
			h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
			h.drop(dir, "2026年第3季度务工就业清单.xlsx", sheetFile(t, "务工就业清单", lifeLaborers(c.q3ID, "")))
			h.drain()
			if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
				var s string
				for _, tk := range got {
					s += fmt.Sprintf("\n%s %v %s", tk.ID, tk.Amount, tk.Explain)
				}
				t.Errorf("Q3: the 3000元 paid is owed again:%s\nreply: %s", s, h.messages("reply")[1].Text)
			}
		})
	}
}

// The calf cap is per household per year across uploads: 3 calves paid 600元 by Q2; by Q3 6
// calves (1200元, capped at 1000元) with 已发放 left blank: 400元 is owed, not 1000元 or 600元.
func TestCalfCapAcrossUploadsOfOneYear(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 7, 13, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第2季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "牲畜台账", lifeLivestock(6, "")))
	h.drain()
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Amount == nil || *got[0].Amount != 40000 {
		t.Errorf("Q3: want 400元 owed: %+v", got)
	}
}
