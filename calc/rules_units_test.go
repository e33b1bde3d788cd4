package calc_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"zengshou/calc"
	"zengshou/config"
)

// unitCase evaluates a case of testdata/rules/16_units.yaml and returns the unit summaries.
func unitCase(t *testing.T, name string) []calc.UnitSummary {
	t.Helper()
	raw, err := os.ReadFile("testdata/rules/16_units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cf caseFile
	if err := yaml.UnmarshalStrict(raw, &cf); err != nil {
		t.Fatal(err)
	}
	for _, c := range cf.Cases {
		if c.Name == name {
			p, err := calc.ParsePeriod(c.Period)
			if err != nil {
				t.Fatal(err)
			}
			return calc.Evaluate(p, config.DefaultPolicy(), &c.Inputs).Units
		}
	}
	t.Fatalf("no case %q", name)
	return nil
}

func rateText(r *calc.Rate) string {
	if r == nil {
		return "nil"
	}
	return r.String()
}

// TestUnitSummaries checks the summaries of the first case of 16_units.yaml; the hand
// calculations are in that file's header and below.
func TestUnitSummaries(t *testing.T) {
	units := unitCase(t, "完成率与逾期 → 落实不力")
	// 两高于 (members-weighted, Â = A_4 at Q4):
	//   村1: (5500×2 + 6300×3) ÷ (5000×2 + 6000×3) − 1 = 29900/28000 − 1 = 0.0678571… → 0.067857
	//   村2: 3800/4000 − 1 = −0.05
	//   镇A = 林西县: (29900 + 3800) ÷ (28000 + 4000) − 1 = 33700/32000 − 1 = 0.053125
	//   宁城县 (镇B, 村3): 6000×4 ÷ 5000×4 − 1 = 0.2
	//   city: (33700 + 24000) ÷ (32000 + 20000) − 1 = 57700/52000 − 1 = 0.1096153… → 0.109615
	// g_local 2024 = 0.075: above local only 宁城县 (0.2); above city (0.1096) only 宁城县.
	want := []struct {
		level                       string
		unit                        calc.Unit
		households, monitored       int
		open, done, overdue         int
		completion, growth          string
		aboveLocal, aboveCity, lags bool
	}{
		{"county", calc.Unit{County: "宁城县"}, 1, 0, 0, 1, 1, "1", "0.2", true, true, true},
		{"township", calc.Unit{County: "宁城县", Township: "镇B"}, 1, 0, 0, 1, 1, "1", "0.2", true, true, true},
		{"village", calc.Unit{County: "宁城县", Township: "镇B", Village: "村3"}, 1, 0, 0, 1, 1, "1", "0.2", true, true, true},
		{"county", calc.Unit{County: "林西县"}, 3, 2, 1, 1, 0, "0.5", "0.053125", false, false, true},
		{"township", calc.Unit{County: "林西县", Township: "镇A"}, 3, 2, 1, 1, 0, "0.5", "0.053125", false, false, true},
		{"village", calc.Unit{County: "林西县", Township: "镇A", Village: "村1"}, 2, 1, 0, 1, 0, "1", "0.067857", false, false, false},
		{"village", calc.Unit{County: "林西县", Township: "镇A", Village: "村2"}, 1, 1, 1, 0, 0, "0", "-0.05", false, false, true},
	}
	if len(units) != len(want) {
		for _, u := range units {
			t.Logf("%+v", u)
		}
		t.Fatalf("got %d units, want %d", len(units), len(want))
	}
	for i, w := range want {
		u := units[i]
		if u.Level != w.level || u.Unit != w.unit {
			t.Errorf("unit %d: got %s %+v, want %s %+v", i, u.Level, u.Unit, w.level, w.unit)
			continue
		}
		if u.Households != w.households || u.Monitored != w.monitored || u.OpenTasks != w.open || u.DoneItems != w.done ||
			u.Overdue != w.overdue || u.Completion.String() != w.completion || rateText(u.Growth) != w.growth ||
			u.AboveLocal != w.aboveLocal || u.AboveCity != w.aboveCity || u.Lagging != w.lags {
			t.Errorf("%+v:\n got households=%d monitored=%d open=%d done=%d overdue=%d completion=%s growth=%s local=%v city=%v lagging=%v\nwant %+v",
				w.unit, u.Households, u.Monitored, u.OpenTasks, u.DoneItems, u.Overdue, u.Completion, rateText(u.Growth),
				u.AboveLocal, u.AboveCity, u.Lagging, w)
		}
		if rateText(u.LocalGrowth) != "0.075" {
			t.Errorf("%+v: local growth %s, want 0.075", w.unit, rateText(u.LocalGrowth))
		}
	}
	// Flags, owed and paid by rule.
	lx := units[3] // 林西县
	for rule, n := range map[string]int{"income_below_local": 1, "income_decrease": 1, "income_gap": 2, "measure_missing": 1, "scale_risk": 4} {
		if lx.Flags[rule] != n {
			t.Errorf("林西县 flags[%s] = %d, want %d (all: %v)", rule, lx.Flags[rule], n, lx.Flags)
		}
	}
	if _, ok := lx.Owed["income_gap"]; ok {
		t.Errorf("income_gap is not money owed: %v", lx.Owed)
	}
	nc := units[0] // 宁城县
	if nc.Owed["stable_job"] != calc.Yuan(2700) || nc.Paid["stable_job"] != calc.Yuan(2700) {
		t.Errorf("宁城县 owed/paid %v/%v, want stable_job 2700/2700", nc.Owed, nc.Paid)
	}
}

// TestUnitCompletionEdges: 3 done of 5 is exactly 60% (not lagging); 2 of 5 is 40%.
func TestUnitCompletionEdges(t *testing.T) {
	for _, c := range []struct {
		name       string
		completion string
		lagging    bool
	}{
		{"完成率恰为60%不算落实不力；逾期恰30天不算", "0.6", false},
		{"完成率低于60%（2/5=40%）→ 落实不力", "0.4", true},
	} {
		units := unitCase(t, c.name)
		if len(units) != 1 || units[0].Unit != (calc.Unit{County: "敖汉旗"}) {
			t.Fatalf("%s: units %+v", c.name, units)
		}
		u := units[0]
		if u.Completion.String() != c.completion || u.Lagging != c.lagging || u.Overdue != 0 || u.Growth != nil {
			t.Errorf("%s: completion=%s lagging=%v overdue=%d growth=%s", c.name, u.Completion, u.Lagging, u.Overdue, rateText(u.Growth))
		}
	}
}

// TestUnitNoTasks: a unit with nothing open or done is complete (completion 1).
func TestUnitNoTasks(t *testing.T) {
	in := &calc.Inputs{Households: []calc.Household{{ID: "H1", Head: "户一", Category: calc.CategoryLifted, Members: 2,
		Unit: calc.Unit{County: "红山区", Village: "村"}}}}
	res := calc.Evaluate(calc.Period{Year: 2025, Quarter: 2}, config.DefaultPolicy(), in)
	if len(res.Units) != 2 {
		t.Fatalf("units: %+v", res.Units)
	}
	for _, u := range res.Units {
		if u.Completion != calc.RateOne || u.Lagging || u.Households != 1 || u.Growth != nil {
			t.Errorf("%+v", u)
		}
	}
	// A village without a township: county first, then the village.
	if res.Units[0].Level != "county" || res.Units[1].Level != "village" {
		t.Errorf("order: %s, %s", res.Units[0].Level, res.Units[1].Level)
	}
}

// TestUnitSummariesRecount recounts every unit's households, monitored households, flags, owed
// and paid, open tasks and done items straight from the findings and tasks (one set of
// (household, unit) pairs, one map update per finding and level: the plain way), on synthetic
// inputs where some household ids appear twice in different villages, so that a household has
// monitored findings in two units.
func TestUnitSummariesRecount(t *testing.T) {
	in := benchInputs(3000, 11)
	for i := 0; i < len(in.Households); i += 37 { // a second row of the same household elsewhere
		d := in.Households[i]
		d.Unit.Village += "乙"
		d.Ref.Row += 100000
		in.Households = append(in.Households, d)
	}
	for _, pol := range benchPolicies() {
		res := calc.Evaluate(calc.Period{Year: 2026, Quarter: 3}, pol, in)
		type key struct {
			hh   string
			unit calc.Unit
		}
		type acc struct {
			households, monitored, open, done int
			flags                             map[string]int
			owed, paid                        map[string]calc.Fen
		}
		want := map[calc.Unit]*acc{}
		get := func(u calc.Unit) *acc {
			if want[u] == nil {
				want[u] = &acc{flags: map[string]int{}, owed: map[string]calc.Fen{}, paid: map[string]calc.Fen{}}
			}
			return want[u]
		}
		levels := func(u calc.Unit) []calc.Unit {
			var out []calc.Unit
			if u.County != "" {
				out = append(out, calc.Unit{County: u.County})
			}
			if u.Township != "" {
				out = append(out, calc.Unit{County: u.County, Township: u.Township})
			}
			if u.Village != "" {
				out = append(out, u)
			}
			return out
		}
		first := map[string]*calc.Household{}
		for i := range in.Households {
			h := &in.Households[i]
			if first[h.ID] != nil {
				continue
			}
			first[h.ID] = h
			for _, l := range levels(h.Unit) {
				get(l).households++
			}
		}
		seen := map[key]bool{}
		for _, f := range res.Findings {
			if f.Rule == "unit_lagging" {
				continue
			}
			u := f.Unit
			if u == (calc.Unit{}) && first[f.Household] != nil {
				u = first[f.Household].Unit
			}
			for _, l := range levels(u) {
				a := get(l)
				if f.Kind == calc.KindAmount && f.Paid != nil {
					a.owed[f.Rule] += *f.Amount
					a.paid[f.Rule] += *f.Paid
					if *f.Amount > 0 && *f.Paid >= *f.Amount {
						a.done++
					}
				} else {
					a.flags[f.Rule]++
				}
				if k := (key{f.Household, l}); f.Monitored && f.Household != "" && !seen[k] {
					seen[k] = true
					a.monitored++
					if h := first[f.Household]; h != nil && h.MeasureDone {
						a.done++
					}
				}
			}
		}
		for _, tk := range res.Tasks {
			for _, l := range levels(tk.Unit) {
				get(l).open++
			}
		}
		checked, twoUnits := 0, 0
		for _, s := range res.Units {
			w := want[s.Unit]
			if w == nil {
				continue // a unit seen only in other records
			}
			checked++
			if s.Households != w.households || s.Monitored != w.monitored || s.OpenTasks != w.open || s.DoneItems != w.done {
				t.Errorf("%v: households/monitored/open/done %d/%d/%d/%d, recount %d/%d/%d/%d", s.Unit, s.Households,
					s.Monitored, s.OpenTasks, s.DoneItems, w.households, w.monitored, w.open, w.done)
			}
			if fmt.Sprint(s.Flags) != fmt.Sprint(w.flags) || fmt.Sprint(s.Owed) != fmt.Sprint(w.owed) || fmt.Sprint(s.Paid) != fmt.Sprint(w.paid) {
				t.Errorf("%v: flags/owed/paid %v %v %v, recount %v %v %v", s.Unit, s.Flags, s.Owed, s.Paid, w.flags, w.owed, w.paid)
			}
		}
		for k := range seen {
			if strings.HasSuffix(k.unit.Village, "乙") {
				twoUnits++
			}
		}
		if checked < 100 || twoUnits == 0 {
			t.Fatalf("checked %d units, %d monitored households in a second village: the inputs do not test what they should", checked, twoUnits)
		}
	}
}

// TestUnitSummariesHouseholdOnTwoRows: a household id on two rows of the ledger is one
// household of its unit, monitored once; a monitored household whose id is not first in the
// ledger order is still counted (the summaries find households by row, not by id).
func TestUnitSummariesHouseholdOnTwoRows(t *testing.T) {
	u := calc.Unit{County: "林西县", Township: "镇A", Village: "村1"}
	last := calc.Yuan(10000)
	inc := func(y int64) [4]*calc.Income {
		return [4]*calc.Income{{Wage: calc.Yuan(y)}, {Wage: calc.Yuan(y)}, {Wage: calc.Yuan(y)}, {Wage: calc.Yuan(y)}}
	}
	hh := func(id string, row int, wage int64) calc.Household {
		return calc.Household{Ref: calc.Ref{Sheet: "收入", Row: row}, Unit: u, ID: id, Head: "户" + id,
			Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborFull, Cadre: "王建军",
			LastYearPerCapita: &last, Quarters: inc(wage)}
	}
	// A: 4 × 1000 = 4000 < 10000 → income_decrease, monitored, on rows 2 and 4 (the same id).
	// B: 12000 > 10000 (20% growth) → not monitored. C: 4 × 1500 = 6000 → monitored.
	// B's quarters follow the default quarter shares 20/45/70/100%: 2400, 3000, 3000, 3600 give
	// 2400/0.2 = 5400/0.45 = 8400/0.7 = 12000 projected every quarter (no downtrend).
	b := hh("B", 3, 0)
	b.Quarters = [4]*calc.Income{{Wage: calc.Yuan(2400)}, {Wage: calc.Yuan(3000)}, {Wage: calc.Yuan(3000)}, {Wage: calc.Yuan(3600)}}
	in := &calc.Inputs{Households: []calc.Household{hh("A", 2, 1000), b, hh("A", 4, 1000), hh("C", 5, 1500)}}
	res := calc.Evaluate(calc.Period{Year: 2025, Quarter: 4}, config.DefaultPolicy(), in)
	var village *calc.UnitSummary
	for i := range res.Units {
		if res.Units[i].Level == calc.LevelVillage {
			village = &res.Units[i]
		}
	}
	if village == nil {
		t.Fatalf("no village summary: %+v", res.Units)
	}
	// Households A, B, C (A's second row is the same household); monitored A and C.
	if village.Households != 3 || village.Monitored != 2 {
		t.Errorf("village: households %d, monitored %d; want 3 and 2", village.Households, village.Monitored)
	}
}

// A unit whose ledger names no 旗县区 (a village-only ledger) shows the local growth its
// households were compared with in （一）: the region's, 7.5% for 2024 in the defaults.
func TestUnitWithoutCountyHasLocalGrowth(t *testing.T) {
	last := calc.Yuan(10000)
	h := calc.Household{Ref: calc.Ref{Sheet: "收入", Row: 2}, Unit: calc.Unit{Village: "村1"}, ID: "A", Head: "户A",
		Category: calc.CategoryLifted, Members: 1, Labor: calc.LaborFull, LastYearPerCapita: &last,
		Quarters: [4]*calc.Income{{Wage: calc.Yuan(2000)}, {Wage: calc.Yuan(2500)}, {Wage: calc.Yuan(2500)}, {Wage: calc.Yuan(4000)}}}
	res := calc.Evaluate(calc.Period{Year: 2024, Quarter: 4}, config.DefaultPolicy(), &calc.Inputs{Households: []calc.Household{h}})
	if len(res.Units) != 1 {
		t.Fatalf("units %+v", res.Units)
	}
	u := res.Units[0]
	// Growth 11000 / 10000 − 1 = 10% > 7.5%.
	if rateText(u.LocalGrowth) != "0.075" || rateText(u.Growth) != "0.1" || !u.AboveLocal {
		t.Fatalf("local growth %s, growth %s, above local %v; want 0.075, 0.1, true", rateText(u.LocalGrowth), rateText(u.Growth), u.AboveLocal)
	}
}

// Unpaid is what is still owed, household by household: an overpaid household does not lower
// another's debt. 甲 sold 4 calves: 4 × 200 = 800 owed, 1000 recorded paid (200 over); 乙 sold
// 2: 400 owed, nothing paid. Owed 1200, paid 1000, but unpaid 400 (not 1200 − 1000 = 200).
func TestUnitUnpaidIsPerHousehold(t *testing.T) {
	u := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	in := &calc.Inputs{
		Households: []calc.Household{
			{ID: "C1", Head: "甲", Category: calc.CategoryLifted, Members: 3, Unit: u},
			{ID: "C2", Head: "乙", Category: calc.CategoryLifted, Members: 3, Unit: u},
		},
		Livestock: []calc.LivestockRecord{
			{Household: "C1", Species: calc.Cattle, Ref: calc.Ref{Sheet: "牲畜台账", Row: 2}, StockStart: 10, Born: 5, Sold: 4, YoungSold: 4},
			{Household: "C2", Species: calc.Cattle, Ref: calc.Ref{Sheet: "牲畜台账", Row: 3}, StockStart: 10, Born: 5, Sold: 2, YoungSold: 2},
		},
		Payments: []calc.Payment{{Subject: "C1", Rule: "calf_sale", Amount: calc.Yuan(1000)}},
	}
	res := calc.Evaluate(calc.Period{Year: 2024, Quarter: 3}, config.DefaultPolicy(), in)
	for _, s := range res.Units {
		if s.Level != calc.LevelVillage {
			continue
		}
		if s.Owed["calf_sale"] != calc.Yuan(1200) || s.Paid["calf_sale"] != calc.Yuan(1000) || s.Unpaid["calf_sale"] != calc.Yuan(400) {
			t.Fatalf("owed %v paid %v unpaid %v; want 1200, 1000, 400", s.Owed, s.Paid, s.Unpaid)
		}
		return
	}
	t.Fatalf("no village summary: %+v", res.Units)
}
