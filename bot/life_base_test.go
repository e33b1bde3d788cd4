package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
)

func lifeHHNoBase(ytd int) [][]any {
	return [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", "脱贫户", 1, "有劳动能力", ytd, "王建军", "发展养殖", "已落实"},
	}
}

// The 2027 ledgers have no 上年人均纯收入 column: the 2027Q1 evaluation takes I0 from the 2026Q4
// upload (README 跨年). The 2027Q1 point stored for the next quarters must carry that base: stored
// without it, the 2027Q2 evaluation left 2027Q1 out of 有收入下降趋势 (a point without a base has
// no growth).
func TestNewYearPointKeepsTheBaseTakenFromLastYearsQ4(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", sheetFile(t, "家庭收入台账", [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", "脱贫户", 1, "有劳动能力", 9000, 10000, "王建军", "发展养殖", "已落实"},
	}))
	h.drain()
	h.clock.Set(time.Date(2027, 4, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", sheetFile(t, "家庭收入台账", lifeHHNoBase(2100)))
	h.drain()
	pts, err := h.st.PriorIncome(context.Background(), []string{"HQ001"}, calc.Period{Year: 2027, Quarter: 2})
	if err != nil {
		t.Fatal(err)
	}
	var q1 *calc.IncomePoint
	for i := range pts {
		if pts[i].Period == (calc.Period{Year: 2027, Quarter: 1}) {
			q1 = &pts[i]
		}
	}
	if q1 == nil || q1.YTDPerCapita != calc.Yuan(2100) {
		t.Fatalf("2027Q1 point: %+v", pts)
	}
	if q1.BasePerCapita != calc.Yuan(10000) {
		t.Errorf("2027Q1 point's base = %v, want 10000元 (the 2026Q4 upload's year per capita)", q1.BasePerCapita)
	}
	// Growth on I0 = 10000: 2026Q4 +11.1% (on 9000), 2027Q1 2100 ÷ 0.20 = 10500 → +5%, 2027Q2
	// 4590 ÷ 0.45 = 10200 → +2%: falling two quarters running.
	h.clock.Set(time.Date(2027, 7, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第2季度台账.xlsx", sheetFile(t, "家庭收入台账", lifeHHNoBase(4590)))
	h.drain()
	r := h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "有收入下降趋势") {
		t.Errorf("2027Q2: 2026Q4 +11.1%% → 2027Q1 +5%% → 2027Q2 +2%% is 有收入下降趋势:\n%s", last)
	}
}
