package ledger

import (
	"maps"
	"testing"

	"zengshou/config"
)

// A header merged over two columns (or two columns with the same header) gives both columns one
// field; only the first is read. The second column's numbers were dropped without a word.
func TestSecondColumnOfAFieldIsNamed(t *testing.T) {
	f := ledgerFile(t, [][]any{
		{"户编号", "户主姓名", "家庭人口数", "工资性收入（元）", nil, "上年人均纯收入"},
		{"HQ001", "包玉山", 4, 12000, 3000, 5000},
		{"HQ002", "王秀英", 2, 6000, 1000, 3750},
	})
	if err := f.MergeCell(formulaSheet, "D1", "E1"); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, t.TempDir()+"/merged.xlsx", ReadOptions{Period: q3})
	found := false
	for _, e := range led.Errors {
		if e.Column == "工资性收入" && e.Warning &&
			e.Message == "E列的表头‘工资性收入’与D列相同（或同在一个合并表头下），只读取了D列；如E列是另一项数据，请给它单独写表头后重新上传" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no note on column E: %+v", led.Errors)
	}
	// Column D is read: 12000 ÷ 4 = 3000 per person.
	if h := led.Inputs.Households[0]; h.YTDPerCapita == nil || *h.YTDPerCapita != 300000 {
		t.Fatalf("HQ001 per capita %v, want 3000 from column D", h.YTDPerCapita)
	}
}

// A workbook processed once and uploaded again is read as the first time: our 【增收计算】
// columns (帮扶责任人 among them) are not taken for the cadre's, and the confidence stays.
func TestReprocessedLedgerReadsTheSameColumns(t *testing.T) {
	dir := t.TempDir()
	in, out := dir+"/in.xlsx", dir+"/out.xlsx"
	if err := GenerateFile(in, 40, 5, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Process(in, out, Options{Policy: config.DefaultPolicy(), Period: q3}); err != nil {
		t.Fatal(err)
	}
	first, err := Read(in, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Read(out, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	mapped := func(s SheetInfo) map[string]int {
		m := map[string]int{}
		for _, c := range s.Columns {
			if c.Field != "" {
				m[c.Field+"|"+c.Species+"|"+c.Period] = c.Index
			}
		}
		return m
	}
	for _, s := range first.Sheets {
		for _, a := range again.Sheets {
			if a.Name != s.Name || s.Kind == "" {
				continue
			}
			if !maps.Equal(mapped(s), mapped(a)) || s.Confidence != a.Confidence {
				t.Errorf("%s: first %v (%.2f), again %v (%.2f)", s.Name, mapped(s), s.Confidence, mapped(a), a.Confidence)
			}
		}
	}
}
