package ledger

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// A 合计 row right under the header (the way many county forms put it) totals the rows below
// it: it is reconciled with all of them, not with the nothing read before it.
func TestReadTotalAboveData(t *testing.T) {
	for _, c := range []struct {
		name  string
		wage  int
		wants []wantErr
	}{
		// 工资性收入 12000 + 6000 + 6000 = 24000, 生产经营性收入 8000 + 1500 + 0 = 9500
		{"matching", 24000, nil},
		{"off by 1000", 25000, []wantErr{{formulaSheet, 2, "工资性收入", "合计行的‘工资性收入’为25000元，与各行之和24000元不一致，请核对"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "total.xlsx")
			f := ledgerFile(t, [][]any{
				{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "生产经营性收入（元）", "人均纯收入（元）"},
				{"合计", nil, nil, 7, c.wage, 9500},
				{"HQ001", "包玉山", idA, 4, 12000, 8000, 5000},
				{"HQ002", "王秀英", idB, 2, 6000, 1500, 3750},
				{"HQ003", "李德胜", idC, 1, 6000, 0, 6000},
			})
			led := saveRead(t, f, p, ReadOptions{Period: q1})
			checkErrors(t, led.Errors, c.wants)
			if s := sheetByName(t, led, formulaSheet); s.DataRows != 3 || len(s.Skipped) != 1 || s.Skipped[0] != 2 {
				t.Errorf("sheet %+v", s)
			}
		})
	}
}

// 小计 and 合计 rows labelled with their 组 or village ("一组小计", "红旗村合计") are totals, not
// households without an ID; only the sheet's own 合计 is reconciled with all rows.
func TestReadGroupSubtotals(t *testing.T) {
	p := filepath.Join(t.TempDir(), "groups.xlsx")
	f := ledgerFile(t, [][]any{
		{"序号", "村组", "户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）"},
		{1, "一组", "HQ001", "包玉山", idA, 4, 12000, 5000},
		{2, "一组", "HQ002", "王秀英", idB, 2, 6000, 3750},
		{"一组小计", nil, nil, nil, nil, 6, 18000}, // 12000 + 6000
		{3, "二组", "HQ003", "李德胜", idC, 1, 6000, 6000},
		{nil, "二组小计", nil, nil, nil, 1, 6000},
		{"红旗村合计", nil, nil, nil, nil, 7, 24000},
		{nil, "红旗村", "合    计", nil, nil, 7, 25000}, // 12000 + 6000 + 6000 = 24000: off by 1000
	})
	led := saveRead(t, f, p, ReadOptions{Period: q1})
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 8, "工资性收入", "合计行的‘工资性收入’为25000元，与各行之和24000元不一致，请核对"}})
	s := sheetByName(t, led, formulaSheet)
	if s.DataRows != 3 || fmt.Sprint(s.Skipped) != "[4 6 7 8]" || len(led.Inputs.Households) != 3 {
		t.Errorf("sheet %+v, %d households", s, len(led.Inputs.Households))
	}
}

// A ledger printed per village repeats its header and puts the village's name on a row of its
// own: neither is a household.
func TestReadRepeatedHeaderAndSectionTitle(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sections.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", formulaSheet); err != nil {
		t.Fatal(err)
	}
	hdr := []any{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）"}
	if err := rowsAt(f, formulaSheet, 1, [][]any{
		{"红旗村"},
		hdr,
		{"HQ001", "包玉山", idA, 4, 12000, 5000, 4000},
		{"HQ002", "王秀英", idB, 2, 6000, 3750, 3000},
		{},
		{"胜利村"},
		hdr,
		{"SL001", "李德胜", idC, 1, 6000, 6000, 5000},
	}); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, p, ReadOptions{Period: q1})
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 6, "", "第6行只有“胜利村”一项，按分段标题处理，未计算；如果这是一户，请补全这一行"}})
	var ids []string
	for _, h := range led.Inputs.Households {
		ids = append(ids, h.ID)
	}
	if fmt.Sprint(ids) != "[HQ001 HQ002 SL001]" {
		t.Errorf("households %v, want HQ001 HQ002 SL001", ids)
	}
	if s := sheetByName(t, led, formulaSheet); s.DataRows != 3 || fmt.Sprint(s.Skipped) != "[5 6 7]" {
		t.Errorf("sheet %+v", s)
	}
}

// A 户编号 longer than 15 digits typed as a number has lost its last digits (two households
// become one number): it is reported, and the households are told apart by their heads' ID
// numbers instead of one being dropped as a duplicate.
func TestReadHouseholdNoAsNumber(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hhno.xlsx")
	f := ledgerFile(t, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）"},
		{15042210100100012.0, "包玉山", idA, 4, 12000}, // Excel keeps 15 digits: 15042210100100000
		{15042210100100013.0, "王秀英", idB, 2, 6000},  // the same number once stored
		{"1.50422101001E+16", "张海", idD, 1, 9000},   // as Excel writes it in the file
		{"150422101001", "李德胜", idC, 3, 3000},       // 12 digits: fine
	})
	led := saveRead(t, f, p, ReadOptions{Period: q1})
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 2, "户编号", MsgHouseholdNoAsNumber},
		{formulaSheet, 3, "户编号", MsgHouseholdNoAsNumber},
		{formulaSheet, 4, "户编号", MsgHouseholdNoAsNumber},
	})
	var ids []string
	for _, h := range led.Inputs.Households {
		ids = append(ids, h.ID)
	}
	if want := fmt.Sprint([]string{idA, idB, idD, "150422101001"}); fmt.Sprint(ids) != want {
		t.Errorf("households %v, want %v", ids, want)
	}
}

// Rows numbered (and given the village) in advance but not yet filled in are blank rows, not
// households without an ID: a ledger numbered 1…30 with two households says nothing about
// rows 4–31.
func TestReadPrefilledRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "numbered.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", formulaSheet); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"序号", "行政村", "户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）"},
		{1, "红旗村", "HQ001", "包玉山", idA, 4, 12000, 5000},
		{2, "红旗村", "HQ002", "王秀英", idB, 2, 6000, 3750},
	}
	for i := 3; i <= 30; i++ {
		rows = append(rows, []any{i, "红旗村"})
	}
	rows[10] = []any{10, "红旗村", "HQ010", "张海", idD, 1, 9000, 9000} // a household further down
	if err := rowsAt(f, formulaSheet, 1, rows); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, p, ReadOptions{Period: q1})
	checkErrors(t, led.Errors, nil)
	s := sheetByName(t, led, formulaSheet)
	if s.DataRows != 3 || s.LastRow != 11 || fmt.Sprint(s.Skipped) != "[4 5 6 7 8 9 10]" || len(led.Inputs.Households) != 3 {
		t.Errorf("sheet %+v, %d households", s, len(led.Inputs.Households))
	}
}

// Formulas copied down past the households (家庭纯收入 = 工资 + 经营 showing 0, 人均纯收入 =
// 纯收入 ÷ 人口 showing #DIV/0!) make rows waiting for data, not households without an ID; a
// row built by formulas that have values (=VLOOKUP from another sheet) is a household.
func TestReadFormulasCopiedDown(t *testing.T) {
	p := filepath.Join(t.TempDir(), "formulas.xlsx")
	f := excelize.NewFile()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"序号", "户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "生产经营性收入（元）", "家庭纯收入（元）", "人均纯收入（元）"},
		{1, "HQ001", "包玉山", idA, 4, 12000, 8000},
		{2, "HQ002", "王秀英", idB, 2, 6000, 1500},
	}); err != nil {
		t.Fatal(err)
	}
	// rows 2–3: 12000+8000 = 20000, ÷ 4 = 5000; 6000+1500 = 7500, ÷ 2 = 3750
	setFormula(t, f, s, "H2", "F2+G2", 20000)
	setFormula(t, f, s, "I2", "H2/E2", 5000)
	setFormula(t, f, s, "H3", "F3+G3", 7500)
	setFormula(t, f, s, "I3", "H3/E3", 3750)
	for r := 4; r <= 20; r++ {
		setFormula(t, f, s, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d+1", r-1), r-1)
		setFormula(t, f, s, fmt.Sprintf("H%d", r), fmt.Sprintf("F%d+G%d", r, r), 0)
		setFormula(t, f, s, fmt.Sprintf("I%d", r), fmt.Sprintf("H%d/E%d", r, r), 0)
	}
	// row 21: a household pulled from another sheet by formulas with values
	if err := rowsAt(f, s, 21, [][]any{{20, "B", "C", "D", 1, 9000, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rewriteEntry(t, p, "xl/worksheets/sheet1.xml", func(b []byte) []byte {
		// Excel keeps a division by an empty cell as an error value
		b = regexp.MustCompile(`<c r="(I(?:[4-9]|1\d|20))"([^>]*)><f>([^<]*)</f><v>0</v></c>`).
			ReplaceAll(b, []byte(`<c r="$1" t="e"><f>$3</f><v>#DIV/0!</v></c>`))
		// and a text formula's value as t="str"
		for col, v := range map[string]string{"B": "HQ021", "C": "张海", "D": idD} {
			b = regexp.MustCompile(`<c r="`+col+`21"[^>]*>.*?</c>`).
				ReplaceAll(b, []byte(`<c r="`+col+`21" t="str"><f>VLOOKUP(A21,底册!A:D,2,0)</f><v>`+v+`</v></c>`))
		}
		return b
	})
	if b, _ := zipEntry(t, p, "xl/worksheets/sheet1.xml"); !strings.Contains(string(b), `<c r="I20" t="e"><f>H20/E20</f><v>#DIV/0!</v></c>`) {
		t.Fatalf("no error values: %s", b)
	}
	led, err := Read(p, ReadOptions{Period: q1})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, led.Errors, nil)
	var ids []string
	for _, h := range led.Inputs.Households {
		ids = append(ids, h.ID)
	}
	if fmt.Sprint(ids) != "[HQ001 HQ002 HQ021]" {
		t.Errorf("households %v", ids)
	}
	if h := household(t, led, "HQ002"); h.Quarters[0] == nil || mustFen(t, h.Quarters[0].PerCapita) != calc.Yuan(3750) {
		t.Errorf("HQ002 = %+v", h)
	}
}
