package bot

import (
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// rosterCadre: namesakes are told apart by their units; a ledger without a village column
// (blank village) still finds the cadre whose units are set to a village of that township;
// an entry whose units name another village is not this cadre.
func TestRosterCadreByUnits(t *testing.T) {
	hq := config.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	df := config.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}
	cadres := []config.Cadre{
		{Name: "王建军", Units: []config.Unit{hq}},
		{Name: "王建军", Units: []config.Unit{df}},
		{Name: "李志强"},
		{Name: "刘海燕", Units: []config.Unit{hq}},
	}
	for _, c := range []struct {
		name string
		unit calc.Unit
		want int
	}{
		{"王建军", calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}, 0},
		{"王建军", calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}, 1},
		{"王建军", calc.Unit{County: "巴林左旗", Township: "林东镇"}, 0},                  // no village column: the first that fits
		{"李志强", calc.Unit{County: "宁城县", Township: "大城子镇", Village: "某某村"}, 2},  // no units: any unit
		{"刘海燕", calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "胜利村"}, -1}, // another village: someone else
		{"张明", calc.Unit{County: "巴林左旗"}, -1},
	} {
		if got := rosterCadre(cadres, c.name, c.unit); got != c.want {
			t.Errorf("rosterCadre(%s, %+v) = %d, want %d", c.name, c.unit, got, c.want)
		}
	}
}
