package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// namesakeLedger is a generated ledger of 红旗村 and 东风村 in which 东风村's households are
// also looked after by a 王建军 (the generator gives him 红旗村 only).
func namesakeLedger(t *testing.T, path string) {
	t.Helper()
	if err := ledger.GenerateFile(path, 60, 11, ledger.GenOptions{Quarter: 4, Villages: 2, Clean: true}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	others := []string{"张明", "陈丽华", "赵永刚"} // 东风村's cadres in the generator
	changed := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			if !slices.Contains(row, "东风村") {
				continue
			}
			for c, v := range row {
				if slices.Contains(others, strings.TrimSpace(v)) {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if err := f.SetCellValue(sheet, cell, "王建军"); err != nil {
						t.Fatal(err)
					}
					changed++
				}
			}
		}
	}
	if changed == 0 {
		t.Fatal("no 东风村 household to give to 王建军")
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// 名册 lists a cadre outside the roster with the unit they were named for, deciding "outside" as
// the reminders match the roster: the 王建军 of 东风村 is not the 王建军 registered for 红旗村
// (he was hidden behind his namesake's name); the registered one is not listed; once the second
// is registered too (hot reload), neither is.
func TestRosterGapsTellNamesakesApart(t *testing.T) {
	hq := config.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Cadres = []config.Cadre{{Name: "王建军", IDs: config.IDs{"local": "wangjj"}, Units: []config.Unit{hq}}}
	})
	dir := filepath.Join(h.dir, "inbox", "林东镇群")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "台账.xlsx")
	namesakeLedger(t, tmp)
	b, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "台账.xlsx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	h.scan()
	if n := h.drain(); n != 1 {
		t.Fatalf("jobs: %d", n)
	}
	ask := func(id string) string {
		t.Helper()
		ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: "管理群", SenderID: "admin1", Text: "名册"}
		if err := h.svc.Intake(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		h.drain()
		replies := h.messages("reply")
		return replies[len(replies)-1].Text
	}
	text := ask("gaps-1")
	if !strings.Contains(text, "王建军（巴林左旗/林东镇/东风村）") {
		t.Errorf("名册 does not list the 东风村 王建军:\n%s", text)
	}
	if strings.Contains(text, "王建军（巴林左旗/林东镇/红旗村）") {
		t.Errorf("名册 lists the registered 王建军 of 红旗村:\n%s", text)
	}
	if !strings.Contains(text, "李志强（巴林左旗/林东镇/红旗村）") {
		t.Errorf("名册 does not list the other cadres outside the roster with their unit:\n%s", text)
	}

	both := *h.cfg
	both.Roster.Cadres = append(slices.Clone(h.cfg.Roster.Cadres),
		config.Cadre{Name: "王建军", IDs: config.IDs{"local": "wangjj2"}, Units: []config.Unit{{County: "巴林左旗", Township: "林东镇", Village: "东风村"}}})
	h.svc.SetConfig(&both)
	if text := ask("gaps-2"); strings.Contains(text, "王建军") {
		t.Errorf("名册 lists a 王建军 after both are registered:\n%s", text)
	}
}
