package calc_test

import (
	"strings"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// Clause （一）: I0 is last year's per-capita net income. A 2027Q1 ledger without 上年人均纯收入
// has it in the store: the 2026Q4 upload's 本年累计 per capita is 2026's whole year.
// Hand calculation: I0 = 10000 元 (2026Q4 累计); Q1 share 0.20; Â = 1500 ÷ 0.20 = 7500 元;
// g = 7500 ÷ 10000 − 1 = −25% < −1% ⇒ income_decrease.
func TestQ1BaseFromLastYearsQ4Upload(t *testing.T) {
	in := &calc.Inputs{Households: []calc.Household{{ID: "S1", Category: calc.CategoryLifted, Members: 2,
		Unit:         calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"},
		YTDPerCapita: fenP(t, "1500"), Measure: "务工", MeasureDone: true, Cadre: "甲"}},
		PriorIncome: []calc.IncomePoint{{Household: "S1", Period: calc.Period{Year: 2026, Quarter: 4},
			YTDPerCapita: calc.Yuan(10000), BasePerCapita: calc.Yuan(9000)}}}
	res := calc.Evaluate(calc.Period{Year: 2027, Quarter: 1}, config.DefaultPolicy(), in)
	fs := findings(res, "income_decrease", "S1")
	if len(fs) != 1 {
		t.Fatalf("want income_decrease from the 2026Q4 base, got %+v (errors %+v)", res.Findings, res.Errors)
	}
	if !strings.Contains(fs[0].Explain, "25%") {
		t.Errorf("explain %q lacks the 25%% fall", fs[0].Explain)
	}
	for _, e := range res.Errors {
		if e.Column == "上年人均纯收入" {
			t.Errorf("a stored base is not a missing cell: %+v", e)
		}
	}
	// The village's 两高于 growth uses the same base: (7500 × 2) ÷ (10000 × 2) − 1 = −25%.
	var village *calc.UnitSummary
	for i := range res.Units {
		if res.Units[i].Level == calc.LevelVillage {
			village = &res.Units[i]
		}
	}
	if village == nil || village.Growth == nil || *village.Growth != calc.Rate(-250000) {
		t.Errorf("village growth = %+v, want −25%% from the 2026Q4 base", village)
	}
	// Without the stored point the cell is reported missing, as before.
	in.PriorIncome = nil
	res = calc.Evaluate(calc.Period{Year: 2027, Quarter: 1}, config.DefaultPolicy(), in)
	if len(findings(res, "income_decrease", "S1")) != 0 {
		t.Errorf("no base, no growth")
	}
}
