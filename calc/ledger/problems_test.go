package ledger

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

var q1 = calc.Period{Year: 2026, Quarter: 1}

// writeNoValueLedger writes a Q1 household ledger whose header says 家庭人口 (not 家庭人口数):
// row 3's 家庭人口 and row 4's 上年人均纯收入 are formulas without cached values (人均纯收入 of
// row 3 blank, so the rules need 家庭人口); row 5's 上年人均纯收入 is really blank; rows 6–11 are
// households whose 上年人均纯收入 are all formulas without values.
func writeNoValueLedger(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口", "工资性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）"},
		{"HQ001", "包玉山", idA, 4, 12000, 3000, 2800},
		{"HQ002", "王秀英", idB, nil, 6000, nil, 6100},
		{"HQ003", "李德胜", idC, 3, 3000, 1000, nil},
		{"HQ004", "张海", idD, 1, 9000, 9000, nil},
	}); err != nil {
		t.Fatal(err)
	}
	setFormula(t, f, s, "D3", "1+1", nil)
	setFormula(t, f, s, "G4", "900+100", nil)
	for r := 6; r <= 11; r++ {
		if err := rowsAt(f, s, r, [][]any{{fmt.Sprintf("HQ%03d", r-1), fmt.Sprintf("户主%d", r), nil, 2, 4000, 2000}}); err != nil {
			t.Fatal(err)
		}
		setFormula(t, f, s, fmt.Sprintf("G%d", r), "1800+200", nil)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// A formula cell without a cached value gets the reader's message only: the rules' "‘X’为空"
// for the same cell is left out of the report, 问题清单 and the count; a cell that is really
// blank keeps the rules' message.
func TestProblemsOneMessagePerCell(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	writeNoValueLedger(t, in)
	opt := processOptions(t)
	opt.Period = q1
	rep, err := Process(in, out, opt)
	if err != nil {
		t.Fatal(err)
	}
	// reader: D3, G4, G6, G7 one by one (3 per column), then one line for G8–G11;
	// rules: only G5, which is blank in the file
	want := []wantErr{
		{formulaSheet, 3, "家庭人口", "‘家庭人口’" + MsgNoValue},
		{formulaSheet, 4, "上年人均纯收入", "‘上年人均纯收入’" + MsgNoValue},
		{formulaSheet, 6, "上年人均纯收入", "‘上年人均纯收入’" + MsgNoValue},
		{formulaSheet, 7, "上年人均纯收入", "‘上年人均纯收入’" + MsgNoValue},
		{formulaSheet, 8, "上年人均纯收入", "自本行起还有4行‘上年人均纯收入’（第8、9、10、11行）也是公式"},
		{formulaSheet, 5, "上年人均纯收入", "第5行‘上年人均纯收入’为空，无法计算增速"},
	}
	checkErrors(t, rep.Errors, want)
	if rep.Summary.Errors != len(want) {
		t.Errorf("summary counts %d problems, want %d", rep.Summary.Errors, len(want))
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetProblems)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(want) {
		t.Fatalf("问题清单 has %d rows, want %d: %q", len(rows), 1+len(want), rows)
	}
	for _, r := range rows[1:] {
		if strings.Contains(r[4], "为空") && r[2] != "5" {
			t.Errorf("问题清单 still says 为空 beside the formula message: %q", r)
		}
	}
}

// NoValue keeps every formula cell without a value as runs of rows per column.
func TestReadNoValueRuns(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.xlsx")
	writeNoValueLedger(t, p)
	led, err := Read(p, ReadOptions{Period: q1})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(sheetByName(t, led, formulaSheet).NoValue)
	if want := "[{4 3 3} {7 4 4} {7 6 11}]"; got != want {
		t.Errorf("NoValue = %s, want %s", got, want)
	}
}

// A blank cell the reader already reports gets no second "为空" from the rules, and a rule's
// problem names the column by the sheet's own header (家庭人口 for 家庭人口数, 2025年人均纯收入
// for 上年人均纯收入), so the cadre finds it.
func TestProblemsBlankCellAndColumnNames(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	f := ledgerFile(t, [][]any{
		{"户编号", "户主", "身份证号", "家庭人口（人）", "工资性收入（元）", "人均纯收入（元）", "2025年人均纯收入（元）"},
		{"HQ001", "包玉山", idA, nil, 12000, nil, 4000},
		{"HQ002", "王秀英", idB, 2, 6000, 3750, nil},
	})
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()
	opt := processOptions(t)
	opt.Period = q1
	rep, err := Process(in, out, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, rep.Errors, []wantErr{
		{formulaSheet, 2, "家庭人口", "‘家庭人口’为空，无法计算人均收入"},
		{formulaSheet, 3, "2025年人均纯收入", "第3行‘上年人均纯收入’为空，无法计算增速"},
	})
}
