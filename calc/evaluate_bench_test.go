package calc_test

// Benchmarks of rule evaluation alone (issue 9: ≥ 1M households per second per core, so that
// evaluation is never the bottleneck of a ledger) and an output fingerprint that pins
// optimisations of the rules to byte-identical results. No timed assertions: run with
//
//	go test ./calc/ -run '^$' -bench Evaluate -benchmem
//
// The inputs are synthetic and deterministic (benchInputs): ledger-like households (three
// quarters of income, last year's income, categories, members, measures) with livestock, land,
// laborers, projects, 低保, insurance and 孝扶 rows for a share of them, so that every household
// rule has work to do.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
	"zengshou/config"
)

// benchInputs builds n households (and their other records) deterministically from seed.
func benchInputs(n int, seed uint64) *calc.Inputs {
	r := rand.New(rand.NewPCG(seed, seed^0x5DEECE66D))
	counties := []string{"巴林左旗", "巴林右旗", "红山区", "林西县"}
	cats := []string{calc.CategoryLifted, calc.CategoryLifted, calc.CategoryLifted, calc.CategoryUnstable,
		calc.CategoryEdge, calc.CategorySudden, calc.CategoryMonitored, calc.CategoryOrdinary}
	labors := []string{calc.LaborFull, calc.LaborFull, calc.LaborWeak, calc.LaborHalf, calc.LaborNone}
	measures := []string{"", "发展养殖", "公益岗位", "务工就业", "技能培训"}
	cadres := []string{"王建军", "李志强", "", "刘海燕"}
	fen := func(lo, hi int) calc.Fen { return calc.Fen(lo + r.IntN(hi-lo+1)) }
	in := &calc.Inputs{Households: make([]calc.Household, n)}
	for i := range in.Households {
		h := &in.Households[i]
		county := counties[(i*len(counties))/n]
		h.Ref = calc.Ref{Sheet: "脱贫户收入台账", Row: 6 + i}
		h.Unit = calc.Unit{County: county, Township: fmt.Sprintf("镇%d", i/2000), Village: fmt.Sprintf("村%d", i/50)}
		h.ID = fmt.Sprintf("1504%08d", i+1)
		h.Head = fmt.Sprintf("户主%d", i)
		h.Category = cats[r.IntN(len(cats))]
		h.Members = r.IntN(7) // 0 = missing, sometimes
		h.Labor = labors[r.IntN(len(labors))]
		if h.Labor == calc.LaborNone && r.IntN(2) == 0 {
			h.LaborLostWhy = "因病"
		}
		h.Cadre = cadres[r.IntN(len(cadres))]
		h.Measure = measures[r.IntN(len(measures))]
		h.MeasureDone = r.IntN(2) == 0
		h.HasIncomeProject = r.IntN(3) == 0
		if r.IntN(20) > 0 {
			h.LastYearPerCapita = new(calc.Fen)
			*h.LastYearPerCapita = fen(500000, 2000000)
		}
		if r.IntN(10) == 0 {
			s := calc.Shares{220000, 470000, 720000, 1000000}
			if r.IntN(4) == 0 {
				s[1] = 100000 // invalid: decreasing
			}
			h.LastYearShares = &s
		}
		members := max(h.Members, 1)
		switch k := r.IntN(10); {
		case k == 0:
			// only the cumulative per-capita figure
			v := fen(300000, 1500000)
			h.YTDPerCapita = &v
		case k == 1:
			// a missing quarter
			h.Quarters[0] = &calc.Income{Wage: fen(100000, 900000) * calc.Fen(members)}
		default:
			for q := 0; q < 3; q++ {
				inc := &calc.Income{Wage: fen(50000, 600000) * calc.Fen(members), Business: fen(0, 300000),
					Property: fen(0, 20000), Transfer: fen(0, 200000), BusinessCost: fen(0, 100000)}
				if r.IntN(8) == 0 {
					pc := fen(100000, 500000)
					inc.PerCapita = &pc
				}
				h.Quarters[q] = inc
			}
		}
		if r.IntN(15) == 0 {
			h.RigidSpending = fen(300000, 3000000)
		}
		if r.IntN(10) < 4 {
			sp := calc.Cattle
			if r.IntN(2) == 0 {
				sp = calc.Sheep
			}
			st := 5 + r.IntN(30)
			lr := calc.LivestockRecord{Ref: calc.Ref{Sheet: "牲畜动态监测台账", Row: 4 + i}, Household: h.ID, Species: sp,
				StockStart: st, Pregnant: r.IntN(st), Born: r.IntN(10), Bought: r.IntN(3), Sold: r.IntN(8), Died: r.IntN(2)}
			lr.YoungSold = r.IntN(lr.Sold + 1)
			if r.IntN(5) == 0 {
				end := lr.StockStart + lr.Born + lr.Bought - lr.Sold - lr.Died + r.IntN(2)
				lr.StockEnd = &end
			}
			in.Livestock = append(in.Livestock, lr)
		}
		if r.IntN(10) == 0 {
			kind := calc.LandContract
			if r.IntN(2) == 0 {
				kind = calc.LandEntrust
			}
			in.Land = append(in.Land, calc.LandRecord{Ref: calc.Ref{Sheet: "土地台账", Row: 4 + i}, Household: h.ID, Kind: kind,
				Area: calc.Area(100 + r.IntN(3000)), CropsSold: r.IntN(2) == 0, ContractSigned: r.IntN(2) == 0, LostLaborWhy: "因年龄"})
		}
		for k := r.IntN(3); k > 0; k-- {
			jobs := []string{calc.JobStable, calc.JobFlexible, calc.JobPost, calc.JobNone}
			l := calc.Laborer{Ref: calc.Ref{Sheet: "务工就业清单", Row: 4 + len(in.Laborers)}, Household: h.ID,
				Name: fmt.Sprintf("劳%d_%d", i, k), Job: jobs[r.IntN(len(jobs))], Unemployed: r.IntN(10) == 0,
				Returned: r.IntN(10) == 0, WantsWork: r.IntN(2) == 0, StableMonths: r.IntN(13),
				MonthlyWage: fen(150000, 600000), FlexibleDays: r.IntN(200), InCounty: r.IntN(2) == 0,
				OutsideRegion: r.IntN(8) == 0}
			if r.IntN(2) == 0 {
				l.IDNumber = fmt.Sprintf("15042219%02d0101%04d", 50+r.IntN(50), r.IntN(10000))
			}
			in.Laborers = append(in.Laborers, l)
		}
		if r.IntN(20) == 0 {
			in.Projects = append(in.Projects, calc.HouseholdProject{Ref: calc.Ref{Sheet: "到户项目", Row: 4 + i}, Household: h.ID,
				Name: "养牛", Type: "养殖", Funds: fen(1000000, 5000000), Subsidy: fen(500000, 3000000),
				PovertyFunded: r.IntN(2) == 0, SoldOff: r.IntN(3) == 0, Courtyard: r.IntN(4) == 0})
		}
		if r.IntN(50) == 0 {
			in.Dibao = append(in.Dibao, calc.DibaoRecord{Ref: calc.Ref{Sheet: "低保渐退", Row: 4 + i}, Household: h.ID,
				PhaseOutEnd: time.Date(2026, time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC), Reviewed: r.IntN(2) == 0})
		}
		if r.IntN(40) == 0 {
			in.Insurance = append(in.Insurance, calc.InsuranceEvent{Ref: calc.Ref{Sheet: "防贫保险", Row: 4 + i}, Household: h.ID,
				Cause: []string{"因病住院", "因学", "因灾", "其他"}[r.IntN(4)], Amount: fen(100000, 5000000), Claimed: r.IntN(2) == 0})
		}
		if r.IntN(40) == 0 {
			in.Filial = append(in.Filial, calc.FilialRecord{Ref: calc.Ref{Sheet: "孝扶", Row: 4 + i}, Household: h.ID,
				Dividend: fen(0, 100000), TempAid: fen(0, 100000), SocialAid: fen(0, 100000), Filial: fen(0, 300000)})
		}
		if r.IntN(30) == 0 {
			in.Payments = append(in.Payments, calc.Payment{Subject: h.ID, Rule: "calf_sale", Amount: fen(10000, 100000)})
		}
		if r.IntN(25) == 0 {
			in.PriorIncome = append(in.PriorIncome, calc.IncomePoint{Household: h.ID, Period: calc.Period{Year: 2026, Quarter: 1},
				YTDPerCapita: fen(100000, 600000), BasePerCapita: fen(500000, 2000000)})
		}
	}
	return in
}

// benchPolicies: the shipped defaults (no 2026 growth or monitoring line: stale-value paths) and
// the same with 2026 figures set and per-person caps in one county (every income rule fires).
func benchPolicies() map[string]*calc.Policy {
	full := config.DefaultPolicy()
	full.LocalIncomeGrowth.Values = append(full.LocalIncomeGrowth.Values,
		calc.Dated[calc.Rate]{From: calc.Day(2026, 1, 1), Until: calc.Day(2027, 1, 1), Value: 70000})
	full.MonitoringLine.Values = append(full.MonitoringLine.Values,
		calc.Dated[calc.Fen]{From: calc.Day(2026, 1, 1), Until: calc.Day(2027, 1, 1), Value: calc.Yuan(8000)})
	if full.CapBasis.Counties == nil {
		full.CapBasis.Counties = map[string][]calc.Dated[string]{}
	}
	full.CapBasis.Counties["红山区"] = []calc.Dated[string]{{Value: calc.CapPerPerson}}
	return map[string]*calc.Policy{"default": config.DefaultPolicy(), "full": full}
}

func benchmarkEvaluate(b *testing.B, n int, policy string) {
	in := benchInputs(n, 1)
	pol := benchPolicies()[policy]
	p := calc.Period{Year: 2026, Quarter: 3}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		calc.Evaluate(p, pol, in)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "households/s")
}

// BenchmarkEvaluate10kHouseholdSheet is a ledger with only its household income sheet (the
// commonest upload: no livestock, land, laborer, project or other sheets).
func BenchmarkEvaluate10kHouseholdSheet(b *testing.B) {
	full := benchInputs(10000, 1)
	in := &calc.Inputs{Households: full.Households}
	pol := benchPolicies()["full"]
	p := calc.Period{Year: 2026, Quarter: 3}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		calc.Evaluate(p, pol, in)
	}
	b.ReportMetric(float64(len(in.Households))*float64(b.N)/b.Elapsed().Seconds(), "households/s")
}

func BenchmarkEvaluate1k(b *testing.B)         { benchmarkEvaluate(b, 1000, "full") }
func BenchmarkEvaluate10k(b *testing.B)        { benchmarkEvaluate(b, 10000, "full") }
func BenchmarkEvaluate10kDefault(b *testing.B) { benchmarkEvaluate(b, 10000, "default") }

// TestEvaluateFingerprint evaluates the synthetic inputs under both policies for every quarter
// and prints (or, with ZENGSHOU_EVAL_GOLDEN=FILE, writes) the SHA-256 of the JSON results. It
// is how a performance change to the rules is checked to leave every Finding, Task, Error,
// Warning and UnitSummary byte-for-byte the same: compare the fingerprint before and after.
// It does not fail on its own (the rule cases do that); it is fast (2,000 households).
func TestEvaluateFingerprint(t *testing.T) {
	pols := benchPolicies()
	in := benchInputs(2000, 7)
	var out []byte
	for _, name := range []string{"default", "full"} {
		for q := 1; q <= 4; q++ {
			res := calc.Evaluate(calc.Period{Year: 2026, Quarter: q}, pols[name], in)
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b...)
			out = append(out, '\n')
		}
	}
	sum := sha256.Sum256(out)
	t.Logf("evaluation fingerprint: %s (%d bytes)", hex.EncodeToString(sum[:]), len(out))
	if f := os.Getenv("ZENGSHOU_EVAL_GOLDEN"); f != "" {
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFastFormattingMatchesExact checks the integer formatting of Fen, Rate and Area (written
// for speed) against the exact math/big and fmt formulas they replaced, on edge and random values.
func TestFastFormattingMatchesExact(t *testing.T) {
	trim := func(s string) string { return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") }
	fenString := func(f calc.Fen) string {
		sign, v := "", int64(f)
		if v < 0 {
			sign, v = "-", -v
		}
		return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
	}
	fenText := func(f calc.Fen) string {
		s := strings.TrimSuffix(fenString(f), ".00")
		if strings.Contains(s, ".") {
			s = strings.TrimSuffix(s, "0")
		}
		return s + "元"
	}
	rateString := func(r calc.Rate) string {
		return trim(new(big.Rat).SetFrac64(int64(r), int64(calc.RateOne)).FloatString(6))
	}
	ratePercent := func(r calc.Rate) string {
		return trim(new(big.Rat).SetFrac64(int64(r), int64(calc.RateOne)/100).FloatString(4)) + "%"
	}
	areaString := func(a calc.Area) string {
		v := int64(a)
		frac := v % 100
		if frac < 0 {
			frac = -frac
		}
		return trim(fmt.Sprintf("%d.%02d", v/100, frac))
	}
	mulRate := func(f calc.Fen, r calc.Rate) calc.Fen {
		return calc.Fen(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(int64(f)), big.NewInt(int64(r))), big.NewInt(int64(calc.RateOne))).Int64())
	}
	vals := []int64{0, 1, -1, 5, -5, 9, 10, 11, 99, 100, 101, -100, -101, 1000, 1050, -1050, 999999, 1000000, 1000001,
		-999999, -1000000, 75000, 300000, 12345678, -12345678, 1 << 40, -(1 << 40)}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		v := r.Int64N(1<<34) - 1<<33
		if r.IntN(3) == 0 {
			v = r.Int64N(2000) - 1000
		}
		vals = append(vals, v)
	}
	for _, v := range vals {
		if got, want := calc.Fen(v).String(), fenString(calc.Fen(v)); got != want {
			t.Fatalf("Fen(%d).String() = %q, want %q", v, got, want)
		}
		if got, want := calc.Fen(v).Text(), fenText(calc.Fen(v)); got != want {
			t.Fatalf("Fen(%d).Text() = %q, want %q", v, got, want)
		}
		if got, want := calc.Rate(v).String(), rateString(calc.Rate(v)); got != want {
			t.Fatalf("Rate(%d).String() = %q, want %q", v, got, want)
		}
		if got, want := calc.Rate(v).Percent(), ratePercent(calc.Rate(v)); got != want {
			t.Fatalf("Rate(%d).Percent() = %q, want %q", v, got, want)
		}
		if got, want := calc.Area(v).String(), areaString(calc.Area(v)); got != want {
			t.Fatalf("Area(%d).String() = %q, want %q", v, got, want)
		}
		for _, rt := range []calc.Rate{0, 1, 300000, 700000, 1000000, 1500000, -200000, calc.Rate(v % 3000000)} {
			if got, want := calc.Fen(v).MulRate(rt), mulRate(calc.Fen(v), rt); got != want {
				t.Fatalf("Fen(%d).MulRate(%d) = %d, want %d", v, rt, got, want)
			}
		}
	}
}
