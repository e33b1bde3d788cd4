package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
	"zengshou/config"
)

func TestRatesInTextsAreNeverNonsense(t *testing.T) {
	// Nothing done, nothing open: calc's completion is 1, shown as "—", not 100.0%.
	if got := completionText(calc.UnitSummary{Completion: calc.RateOne}); got != "—" {
		t.Errorf("no measures: %q", got)
	}
	// 9999 of 10000 done: one task open is not 100.0%.
	u := calc.UnitSummary{DoneItems: 9999, OpenTasks: 1, Completion: calc.Rate(999900)}
	if got := completionText(u); got != "99.9%" {
		t.Errorf("one open task in 10000: %q", got)
	}
	if got := completionText(calc.UnitSummary{DoneItems: 1, OpenTasks: 0, Completion: calc.RateOne}); got != "100.0%" {
		t.Errorf("all done: %q", got)
	}
	if got := pct(calc.Rate(-300)); got != "0.0%" {
		t.Errorf("-0.03%%: %q", got)
	}
	// A growth below the local growth does not read "7.5%，低于当地农牧民7.5%".
	g, l := growthTexts(calc.Rate(74600), calc.Rate(75000))
	if g == l || g != "7.46%" || l != "7.50%" {
		t.Errorf("7.46%% vs 7.5%%: %q %q", g, l)
	}
	if g, l := growthTexts(calc.Rate(35581), calc.Rate(75000)); g != "3.6%" || l != "7.5%" {
		t.Errorf("3.56%% vs 7.5%%: %q %q", g, l)
	}
}

func TestSummaryTextOfAUnitWithoutTasks(t *testing.T) {
	cfg := config.Defaults()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	units := []calc.UnitSummary{
		{Level: "village", Unit: calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}, Households: 3, Completion: calc.RateOne},
		{Level: "village", Unit: calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}, Households: 5, OpenTasks: 2,
			DoneItems: 1, Overdue: 1, Completion: calc.Rate(333333), Lagging: true},
	}
	text := summaryText("weekly", "领导", config.Unit{County: "巴林左旗", Township: "林东镇"}, units, nil, nil, now, cfg, nil)
	for _, bad := range []string{"NaN", "100.0%", "0/0", "Inf"} {
		if strings.Contains(text, bad) {
			t.Errorf("summary shows %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{"红旗村：3户，纳入增收监测0户；应享补贴0元，已发放0元，未发放0元；待办0项，完成率—", "东风村 完成率33.3%，逾期超过30天1项"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

// A city leader's 落实不力 ranking ranks counties with counties and villages with villages: the
// village at 10% does not come before its county at 40%, and twelve lagging villages do not push
// the county off the list (ten per level, then the count).
func TestLaggingRankingIsByLevel(t *testing.T) {
	cfg := config.Defaults()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	units := []calc.UnitSummary{{Level: calc.LevelCounty, Unit: calc.Unit{County: "巴林左旗"}, Households: 600, OpenTasks: 60, DoneItems: 40,
		Completion: calc.Rate(400000), Lagging: true}}
	for i := 0; i < 12; i++ {
		// completion 10%, 11%, …, 21%: done 10+i of 100
		units = append(units, calc.UnitSummary{Level: calc.LevelVillage, Unit: calc.Unit{County: "巴林左旗", Township: "林东镇", Village: fmt.Sprintf("村%02d", i)},
			Households: 50, OpenTasks: 90 - i, DoneItems: 10 + i, Completion: calc.Rate((10 + i) * 10000), Lagging: true})
	}
	text := summaryText("weekly", "市长", config.Unit{}, units, nil, nil, now, cfg, nil)
	want := "旗县区：\n1. 巴林左旗 完成率40.0%\n嘎查村：\n1. 巴林左旗林东镇村00 完成率10.0%\n"
	if !strings.Contains(text, want) {
		t.Errorf("summary lacks %q:\n%s", want, text)
	}
	if !strings.Contains(text, "10. 巴林左旗林东镇村09 完成率19.0%\n……共12个\n") || strings.Contains(text, "村10") {
		t.Errorf("ten villages, then the count:\n%s", text)
	}
}
