package ledger

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// writeIncomeLedger writes one household with the given income headers (one set of columns).
func writeIncomeLedger(t *testing.T, path string, heads []string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := "脱贫户收入台账"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	head := append([]any{"户编号", "户主姓名", "家庭人口数", "户类型", "上年人均纯收入（元）"}, toAny(heads)...)
	if err := rowsAt(f, s, 1, [][]any{head, {"HQ001", "包玉山", 3, "脱贫户", 12000, 20000, 3000, 1000}}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// A household ledger with one set of income columns that name no quarter (工资性收入…, as real
// 家庭年收入 ledgers keep them), read for Q3: the figures are the year's income so far, the sheet
// says so once, and clause （一） computes on them. Read as the third quarter's own income, every
// household was "‘第1季度收入’为空" and nothing was computed.
func TestUnmarkedIncomeColumnsAreYearToDate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "年收入.xlsx")
	writeIncomeLedger(t, p, []string{"工资性收入（元）", "生产经营性收入（元）", "转移性收入（元）"})
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	h := household(t, led, "HQ001")
	// (20000 + 3000 + 1000) ÷ 3 = 8000 per person so far
	if h.YTDPerCapita == nil || *h.YTDPerCapita != calc.Yuan(8000) || h.Quarters[2] != nil {
		t.Fatalf("HQ001 = %+v, want 8000元 per person so far", h)
	}
	checkErrors(t, led.Errors, []wantErr{{"脱贫户收入台账", 0, "",
		"‘脱贫户收入台账’的收入列（工资性收入、生产经营性收入、转移性收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算；如填的是第3季度当季收入，请在表头注明“第3季度”"}})
	res := calc.Evaluate(q3, config.DefaultPolicy(), &led.Inputs)
	// 倒推算: 8000 ÷ 70% = 11428.57 for the year, 4.76% below last year's 12000 → 收入同比减少
	var decrease bool
	for _, f := range res.Findings {
		if f.Rule == "income_decrease" && f.Household == "HQ001" {
			decrease = strings.Contains(f.Explain, "11428.57")
		}
	}
	if !decrease {
		t.Fatalf("no income_decrease for HQ001 projected at 11428.57元: %+v %+v", res.Findings, res.Errors)
	}
	for _, e := range res.Errors {
		if strings.Contains(e.Column, "季度收入") {
			t.Errorf("rule error %+v: the year's income so far was given", e)
		}
	}

	// The same ledger for Q1, or with the quarter in its headers: read as that quarter's own
	// income, no note.
	led, err = Read(p, ReadOptions{Period: q1})
	if err != nil {
		t.Fatal(err)
	}
	if h := household(t, led, "HQ001"); h.Quarters[0] == nil || h.Quarters[0].Wage != calc.Yuan(20000) || h.YTDPerCapita != nil || len(led.Errors) != 0 {
		t.Fatalf("Q1: %+v %+v", h, led.Errors)
	}
	p2 := filepath.Join(dir, "第3季度.xlsx")
	writeIncomeLedger(t, p2, []string{"第3季度工资性收入", "第3季度生产经营性收入", "第3季度转移性收入"})
	led, err = Read(p2, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if h := household(t, led, "HQ001"); h.Quarters[2] == nil || h.Quarters[2].Wage != calc.Yuan(20000) || h.YTDPerCapita != nil || len(led.Errors) != 0 {
		t.Fatalf("marked Q3: %+v %+v", h, led.Errors)
	}
}
