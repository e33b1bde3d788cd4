package calc_test

import (
	"strings"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// TestFilialCountyRatio: （十五）“0.8-1.5倍”, the ratio set per county. Until case files can carry a
// config snippet, the override is set on a copy of the shipped policy.
func TestFilialCountyRatio(t *testing.T) {
	pol := config.DefaultPolicy()
	pol.FilialRatio.Counties = map[string][]calc.Dated[calc.Rate]{
		"林西县": {{Value: snRate(t, "1.5")}},
	}
	pol.FilialIncomeLine.Values = []calc.Dated[calc.Fen]{{From: calc.Day(2025, 1, 1), Value: calc.Yuan(8000)}}
	in := &calc.Inputs{
		Households: []calc.Household{
			{ID: "L1", Head: "林一", Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborNone, Unit: calc.Unit{County: "林西县"}, LastYearPerCapita: snYuan(7000)},
			{ID: "L2", Head: "林二", Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborNone, Unit: calc.Unit{County: "林西县"}, LastYearPerCapita: snYuan(7000)},
			{ID: "N1", Head: "宁一", Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborNone, Unit: calc.Unit{County: "宁城县"}, LastYearPerCapita: snYuan(7000)},
			// 8000 is not below the income line 8000: not 收入较低.
			{ID: "L3", Head: "林三", Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborNone, Unit: calc.Unit{County: "林西县"}, LastYearPerCapita: snYuan(8000)},
		},
		Filial: []calc.FilialRecord{
			// 林西县 1.5: 2000 × 1.5 = 3000; 2000 given → short 1000.
			{Household: "L1", Dividend: calc.Yuan(2000), Filial: calc.Yuan(2000)},
			// 3000 = 1.5 × 2000: not short.
			{Household: "L2", Dividend: calc.Yuan(2000), Filial: calc.Yuan(3000)},
			// 宁城县 default 0.8: 2000 × 0.8 = 1600 ≤ 2000: not short.
			{Household: "N1", Dividend: calc.Yuan(2000), Filial: calc.Yuan(2000)},
			{Household: "L3", Dividend: calc.Yuan(2000), Filial: calc.Yuan(0)},
		},
	}
	res := calc.Evaluate(calc.Period{Year: 2025, Quarter: 2}, pol, in)
	var got []calc.Finding
	for _, f := range res.Findings {
		if f.Rule == "filial_short" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("filial_short findings: %+v", got)
	}
	f := got[0]
	if f.Subject != "L1" || f.Amount == nil || *f.Amount != calc.Yuan(1000) {
		t.Errorf("got %s %v, want L1 1000", f.Subject, f.Amount)
	}
	if !strings.Contains(f.Explain, "上年人均纯收入7000元低于收入较低标准8000元") || !strings.Contains(f.Explain, "资产收益分红2000元×1.5倍=3000元") {
		t.Errorf("explain: %s", f.Explain)
	}
	var ratioUsed bool
	for _, u := range f.Params {
		if u.Key == pol.FilialRatio.Key && u.County == "林西县" && u.Value == "1.5" {
			ratioUsed = true
		}
	}
	if !ratioUsed {
		t.Errorf("params do not record the county ratio: %+v", f.Params)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "孝扶") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
}

func snRate(t *testing.T, s string) calc.Rate {
	t.Helper()
	r, err := calc.ParseRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func snYuan(y int64) *calc.Fen {
	f := calc.Yuan(y)
	return &f
}
