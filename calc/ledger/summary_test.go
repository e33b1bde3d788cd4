package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// TestSummaryUnitRowsAgreeWithTheTotals: a unit's 未发放 is summed entitlement by entitlement (a
// household paid more than owed does not pay another's share), and a unit with nothing to do
// or no growth shows no completion rate and no 两高于 verdict.
func TestSummaryUnitRowsAgreeWithTheTotals(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	led := buildFixture(t, in, 3)
	res := fixtureResult()
	u1 := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	u2 := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}
	// H0003 of 红旗村 was paid 400 for a 200 entitlement.
	res.Findings = append(res.Findings, calc.Finding{Rule: "calf_sale", Clause: "（三）", Kind: calc.KindAmount, Subject: "H0003", Household: "H0003",
		Unit: u1, Ref: calc.Ref{Sheet: fixtureSheet, Row: 8}, Amount: fen(200), Paid: fen(400), Explain: "出售犊牛1头×200元=200元"})
	res.Tasks = res.Tasks[:1] // 东风村: nothing open
	g := calc.Rate(20000)
	local := calc.Rate(75000)
	res.Units = []calc.UnitSummary{
		{Level: "village", Unit: u1, Households: 2, Monitored: 1, Flags: map[string]int{}, Owed: map[string]calc.Fen{"calf_sale": calc.Yuan(1000)},
			Paid: map[string]calc.Fen{"calf_sale": calc.Yuan(400)}, OpenTasks: 1, DoneItems: 1, Completion: calc.Rate(500000), Growth: &g, LocalGrowth: &local},
		{Level: "township", Unit: calc.Unit{County: u1.County, Township: u1.Township}, Households: 3, Flags: map[string]int{},
			Owed: map[string]calc.Fen{}, Paid: map[string]calc.Fen{}, OpenTasks: 1, DoneItems: 99999, Completion: calc.Rate(999990)},
		{Level: "village", Unit: u2, Households: 1, Flags: map[string]int{}, Owed: map[string]calc.Fen{"lamb_sale": calc.Yuan(300)},
			Paid: map[string]calc.Fen{"lamb_sale": calc.Yuan(100)}, Completion: calc.RateOne, LocalGrowth: &local},
	}
	if err := Write(in, out, led, res, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	s := Summarize(led, res)
	if s.Unpaid != calc.Yuan(1000) { // 800 (H0001) + 200 (H0002) + 0 (H0003, overpaid)
		t.Fatalf("totals unpaid %s", s.Unpaid.Text())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetSummary)
	col := map[string]int{}
	for i, h := range rows[4] {
		col[h] = i
	}
	get := func(r []string, name string) string {
		if i, ok := col[name]; ok && i < len(r) {
			return r[i]
		}
		return ""
	}
	var unpaid calc.Fen
	seen := 0
	for _, r := range rows[5:] {
		if len(r) < 4 || r[0] != "嘎查村" {
			continue
		}
		seen++
		v, err := calc.ParseYuan(stripComma(get(r, "未发放合计（元）")))
		if err != nil {
			t.Fatal(err)
		}
		unpaid += v
		switch r[3] {
		case "红旗村":
			if v != calc.Yuan(800) || get(r, "完成率") != "50.00%" || get(r, "高于当地增速") != "否" {
				t.Errorf("红旗村 row: %v", r)
			}
		case "东风村":
			if get(r, "完成率") != "" || get(r, "高于当地增速") != "" || get(r, "高于全市平均") != "" {
				t.Errorf("东风村 (nothing to do, no growth) row: %v", r)
			}
		}
	}
	for _, r := range rows[5:] {
		if len(r) > 0 && r[0] == "苏木乡镇" && get(r, "完成率") != "99.99%" {
			t.Errorf("one task open in 100000: 完成率 %q", get(r, "完成率"))
		}
	}
	if seen != 2 || unpaid != s.Unpaid {
		t.Errorf("villages' 未发放 sum %s, totals %s", unpaid.Text(), s.Unpaid.Text())
	}
}

func stripComma(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r != ',' {
			out = append(out, r)
		}
	}
	return string(out)
}
