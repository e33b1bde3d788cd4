package bot

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

func fenPtr(f calc.Fen) *calc.Fen    { return &f }
func ratePtr(r calc.Rate) *calc.Rate { return &r }

// Villages uploaded one by one: their township's and county's 两高于 growth is the ratio of the
// villages' sums, and every unit is compared with the city (all villages). Hand calculation:
//
//	村1: Σ Â×m = 11000, Σ I0×m = 10000 → +10%;  村2: 21000 / 20000 → +5%
//	镇A = 旗 = city: (11000 + 21000) / (10000 + 20000) − 1 = 32000 / 30000 − 1 = 0.066667
//	local growth 7.5%: 村1 above it (10%), 村2 and 镇A below; city 6.6667%: 村1 above, 村2 below.
func TestGrowthOfVillagesUploadedOneByOne(t *testing.T) {
	local := calc.RateOf(0.075)
	village := func(name string, proj, base calc.Fen, g float64) calc.UnitSummary {
		return calc.UnitSummary{Level: calc.LevelVillage, Unit: calc.Unit{County: "旗", Township: "镇A", Village: name}, Households: 2,
			Flags: map[string]int{}, Owed: map[string]calc.Fen{}, Paid: map[string]calc.Fen{},
			Growth: ratePtr(calc.RateOf(g)), LocalGrowth: &local, AboveLocal: g > 0.075,
			GrowthProj: fenPtr(proj), GrowthBase: fenPtr(base)}
	}
	units := []calc.UnitSummary{village("村1", calc.Yuan(11000), calc.Yuan(10000), 0.10), village("村2", calc.Yuan(21000), calc.Yuan(20000), 0.05)}
	units = rollUp(units, config.DefaultPolicy(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	withCityGrowth(units)
	want := map[string]struct {
		growth            string
		aboveLocal, above bool
	}{
		"村1": {"0.1", true, true}, "村2": {"0.05", false, false},
		"镇A": {"0.066667", false, false}, "旗": {"0.066667", false, false},
	}
	for _, u := range units {
		name := u.Unit.Village
		if name == "" {
			name = u.Unit.Township
		}
		if name == "" {
			name = u.Unit.County
		}
		w, ok := want[name]
		if !ok {
			t.Fatalf("unit %+v", u.Unit)
		}
		if u.Growth == nil || u.Growth.String() != w.growth || u.AboveLocal != w.aboveLocal || u.AboveCity != w.above {
			t.Errorf("%s: growth %v above local %v above city %v; want %s %v %v", name, u.Growth, u.AboveLocal, u.AboveCity, w.growth, w.aboveLocal, w.above)
		}
		delete(want, name)
	}
	if len(want) != 0 {
		t.Fatalf("missing units %v", want)
	}
	city, ok := cityGrowth(units)
	if !ok || city.String() != "0.066667" {
		t.Fatalf("city growth %v %v", city, ok)
	}
	cfg := config.Defaults()
	cfg.Policy = config.DefaultPolicy()
	text := summaryText("weekly", "领导", config.Unit{County: "旗", Township: "镇A"}, units, nil, nil, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), cfg, &city)
	if !strings.Contains(text, "村1") || !strings.Contains(text, "高于当地农牧民7.5%") || !strings.Contains(text, "高于全市脱贫人口6.7%") ||
		!strings.Contains(text, "低于全市脱贫人口6.7%") {
		t.Errorf("summary:\n%s", text)
	}
	// The workbook: 两高于 is 是 only above both; the city's growth and the comparison beside it.
	path := filepath.Join(t.TempDir(), "sum.xlsx")
	if err := writeSummaryBook(path, "weekly", units, nil, cfg.Policy, nil, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 30, &city); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("汇总")
	got := map[string]string{}
	for _, r := range rows[1:] {
		for len(r) < 19 {
			r = append(r, "")
		}
		got[r[0]+r[3]] = r[14] + "|" + r[17] + "|" + r[18]
	}
	if got["嘎查村村1"] != "是|6.7%|是" || got["嘎查村村2"] != "否|6.7%|否" || got["苏木乡镇"] != "否|6.7%|否" {
		t.Errorf("workbook 两高于|全市|高于全市: %v", got)
	}
}
