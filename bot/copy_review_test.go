package bot

import (
	"strings"
	"testing"
	"time"

	"zengshou/calc"
	"zengshou/config"
)

// A county that is the whole city has the city's growth: the demo's admin summary read
// “脱贫人口人均收入增速2.1%，……，低于全市脱贫人口2.1%”, a figure below itself. Equal is not
// 高于 (两高于 is not met) but it is not 低于 either.
func TestSummaryGrowthEqualToCityIsNotBelow(t *testing.T) {
	g, local := calc.RateOf(0.075), calc.RateOf(0.075)
	u := calc.UnitSummary{Level: calc.LevelCounty, Unit: calc.Unit{County: "巴林左旗"}, Households: 2,
		Flags: map[string]int{}, Owed: map[string]calc.Fen{}, Paid: map[string]calc.Fen{},
		Growth: &g, LocalGrowth: &local}
	cfg := config.Defaults()
	cfg.Policy = config.DefaultPolicy()
	city := g
	text := summaryText("weekly", "管理员", config.Unit{}, []calc.UnitSummary{u}, nil, nil, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), cfg, &city)
	if strings.Contains(text, "低于全市脱贫人口7.5%") || strings.Contains(text, "低于当地农牧民7.5%") ||
		!strings.Contains(text, "等于当地农牧民7.5%") || !strings.Contains(text, "等于全市脱贫人口7.5%") {
		t.Errorf("summary:\n%s", text)
	}
}
