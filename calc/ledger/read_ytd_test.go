package ledger

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// Income columns marked 本年累计 are the year's income so far, not the quarter's own: in a Q3
// ledger they give the cumulative per-capita income instead of "‘第1季度收入’为空".
func TestReadYTDComponents(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ytd.xlsx")
	f := excelize.NewFile()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口", "上年人均纯收入", "本年累计工资性收入", "本年累计生产经营性收入",
			"本年累计财产性收入", "本年累计转移性收入", "本年累计生产经营性支出", "累计家庭纯收入"},
		{"HQ001", "包玉山", idA, 4, 12000, 18000, 9000, 1200, 3600, 4000},
		{"HQ002", "王秀英", idB, 3, 6000, 3000, 1000, 0, 1000, 0},
		{"HQ003", "李德胜", idC, 2, 5000, 9000, 0, 0, 0, 0, 7000},
	}); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, p, ReadOptions{Period: q3})
	checkErrors(t, led.Errors, nil)
	for _, c := range []struct {
		id   string
		want calc.Fen
	}{
		{"HQ001", calc.Yuan(6950)},  // (18000+9000+1200+3600−4000) ÷ 4 = 27800 ÷ 4 = 6950
		{"HQ002", calc.Fen(166667)}, // (3000+1000+0+1000−0) ÷ 3 = 1666.666… → 1666.67
		{"HQ003", calc.Fen(350000)}, // 家庭纯收入 7000 given: 7000 ÷ 2 = 3500
	} {
		h := household(t, led, c.id)
		if h.YTDPerCapita == nil || *h.YTDPerCapita != c.want {
			t.Errorf("%s: YTDPerCapita %v, want %v", c.id, h.YTDPerCapita, c.want)
		}
		for q, in := range h.Quarters {
			if in != nil {
				t.Errorf("%s: quarter %d income %+v from cumulative columns", c.id, q+1, in)
			}
		}
	}
}

// The standard household template, filled in and uploaded for Q3, is computed: its income
// columns are 本年累计 (as its notes say).
func TestProcessHouseholdTemplateQ3(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteTemplates(KindHouseholds, dir)
	if err != nil {
		t.Fatal(err)
	}
	in, out := paths[0], filepath.Join(dir, "out.xlsx")
	f, err := excelize.OpenFile(in)
	if err != nil {
		t.Fatal(err)
	}
	sh := f.GetSheetList()[0]
	rows, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	set := func(head string, v any) {
		for i, h := range rows[2] {
			if h == head {
				cell, _ := excelize.CoordinatesToCellName(i+1, 4)
				if err := f.SetCellValue(sh, cell, v); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("template has no column %s: %q", head, rows[2])
	}
	// the cadre's household over the example row
	for head, v := range map[string]any{"户编号": "HQ001", "户主姓名": "包玉山", "户主身份证号": idA, "户类型": "脱贫户",
		"家庭人口": 3, "上年人均纯收入": 10000, "本年累计工资性收入": 15000, "本年累计生产经营性收入": 3000,
		"本年累计财产性收入": 0, "本年累计转移性收入": 1500, "本年累计生产经营性支出": 1500, "帮扶措施": "", "措施是否落实": ""} {
		set(head, v)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep, err := Process(in, out, processOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, rep.Errors, nil)
	// YTD per capita (15000+3000+0+1500−1500) ÷ 3 = 6000; target 10000 × (1+7.5%) × 70% (Q3 share)
	// = 7525; gap (7525 − 6000) × 3 people = 4575
	var gap *calc.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Rule == "income_gap" && rep.Findings[i].Household == "HQ001" {
			gap = &rep.Findings[i]
		}
	}
	if gap == nil || gap.Amount == nil || *gap.Amount != calc.Yuan(4575) {
		t.Fatalf("income_gap = %+v, want 4575 yuan", gap)
	}
	if s := fmt.Sprint(gap.Explain); !containsAll(s, "已实现人均6000元", "目标全年人均10750元") {
		t.Errorf("explain %q", s)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
