package ledger

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// TestCellCachedValue: which formula cells have a cached value, on the XML the writers produce.
func TestCellCachedValue(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		val       string
		noValue   bool
	}{
		{"excelize SetCellFormula", `<c r="A1"><f>B1*2</f></c>`, "", true},
		{"openpyxl", `<c r="A1"><f>B1*2</f><v/></c>`, "", true},
		{"openpyxl shared", `<c r="A1"><f t="shared" si="0"/><v></v></c>`, "", true},
		{"excel number", `<c r="A1"><f>B1*2</f><v>12</v></c>`, "12", false},
		{"excel zero", `<c r="A1" s="2"><f>B1*2</f><v>0</v></c>`, "0", false},
		{"excel empty string", `<c r="A1" t="str"><f>IF(B1="","",B1)</f><v></v></c>`, "", false},
		{"string without value", `<c r="A1" t="str"><f>B1</f></c>`, "", true},
		{"error value", `<c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c>`, "#DIV/0!", false},
		{"bool without value", `<c r="A1" t="b"><f>B1&gt;0</f><v/></c>`, "", true},
		{"no formula", `<c r="A1"><v>3</v></c>`, "3", false},
		{"inline string", `<c r="A1" t="inlineStr"><f>B1</f><is><t>x</t></is></c>`, "x", false},
	} {
		x := `<worksheet><sheetData><row r="1">` + c.xml + `<c r="B1"><v>6</v></c></row></sheetData></worksheet>`
		sr := &sheetRows{rc: io.NopCloser(strings.NewReader(x)), s: newXscan(strings.NewReader(x))}
		if !sr.Next() {
			t.Fatalf("%s: no row", c.name)
		}
		cells, err := sr.Columns()
		if err != nil || len(cells) != 2 || cells[0] != c.val || cells[1] != "6" {
			t.Errorf("%s: cells %q (%v), want [%q 6]", c.name, cells, err, c.val)
		}
		var want []int
		if c.noValue {
			want = []int{1}
		}
		if !reflect.DeepEqual(sr.NoValue(), want) {
			t.Errorf("%s: NoValue %v, want %v", c.name, sr.NoValue(), want)
		}
	}
}

const formulaSheet = "脱贫户收入台账"

// setFormula writes a formula; with a value, the cell keeps it as its cached value (Excel's way),
// without one the cell has <f> and no <v> (a program's way).
func setFormula(t *testing.T, f *excelize.File, sheet, cell, formula string, cached any) {
	t.Helper()
	if cached != nil {
		if err := f.SetCellValue(sheet, cell, cached); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellFormula(sheet, cell, formula); err != nil {
		t.Fatal(err)
	}
}

// writeFormulaLedger writes a household ledger: a title with a formula, one header row, three
// households (a formula with its cached value in row 3; 人均纯收入 and 家庭人口数 as formulas
// without values in rows 4 and 5; an unmapped helper column of formulas without values), then
// extra households (rows 6…) whose 人均纯收入 are all formulas without values.
func writeFormulaLedger(t *testing.T, path string, extra int) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"红旗村脱贫户收入台账"},
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "生产经营性收入（元）", "转移性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）", "辅助计算"},
		{"HQ001", "包玉山", idA, 4, 12000, 8000, 3000, nil, 5000},
		{"HQ002", "王秀英", idB, 2, 6000, 1500, 4000, nil, 6100},
		{"HQ003", "李德胜", idC, nil, 3000, 2000, 6000, 3700, 4000},
	}); err != nil {
		t.Fatal(err)
	}
	setFormula(t, f, s, "J1", `"制表："&TEXT(TODAY(),"yyyy-mm-dd")`, nil) // in the title row
	setFormula(t, f, s, "H3", "(E3+F3+G3)/D3", 5750)
	setFormula(t, f, s, "H4", "(E4+F4+G4)/D4", nil)
	setFormula(t, f, s, "D5", "1+1", nil)
	for r := 3; r <= 5+extra; r++ {
		setFormula(t, f, s, fmt.Sprintf("J%d", r), fmt.Sprintf("H%d-I%d", r, r), nil)
	}
	for i := range extra {
		r := 6 + i
		no := fmt.Sprintf("HQ%03d", 4+i)
		if err := rowsAt(f, s, r, [][]any{{no, fmt.Sprintf("户主%d", i), nil, 3, 9000, 0, 1000, nil, 3000}}); err != nil {
			t.Fatal(err)
		}
		setFormula(t, f, s, fmt.Sprintf("H%d", r), fmt.Sprintf("(E%d+F%d+G%d)/D%d", r, r, r, r), nil)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func household(t *testing.T, led *Ledger, id string) calc.Household {
	t.Helper()
	for _, h := range led.Inputs.Households {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("no household %s", id)
	return calc.Household{}
}

func TestReadFormulaWithoutValue(t *testing.T) {
	p := filepath.Join(t.TempDir(), "formula.xlsx")
	writeFormulaLedger(t, p, 0)
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	s := sheetByName(t, led, formulaSheet)
	if s.Kind != KindHouseholds || s.HeaderRows[0] != 2 || s.DataRows != 3 {
		t.Fatalf("sheet = %+v", s)
	}
	if c := s.Columns[9]; c.Header != "辅助计算" || c.Field != "" {
		t.Fatalf("column J = %+v, want an unmapped column", c)
	}
	// one problem per cell of a recognized column; the title row, the unmapped column and the
	// formula with a cached value say nothing; no "为空" for the 家庭人口数 formula
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 0, "", "‘脱贫户收入台账’的收入列（工资性收入、生产经营性收入、转移性收入、人均纯收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"},
		{formulaSheet, 4, "人均纯收入", "‘人均纯收入’是公式，但文件里没有保存计算结果（可能由程序生成或设为手动重算），无法读取；请在Excel或WPS中打开、重新计算并保存后再上传"},
		{formulaSheet, 5, "家庭人口数", "‘家庭人口数’是公式，但文件里没有保存计算结果"},
	})
	for _, e := range led.Errors[1:] { // after the sheet's note on its income columns
		if e.Warning {
			t.Errorf("%+v is a warning, want an error", e)
		}
	}
	// The income columns name no quarter: read as 本年累计 (the per-capita figure so far).
	// the cached value is read as before
	a := household(t, led, "HQ001")
	if a.YTDPerCapita == nil || *a.YTDPerCapita != calc.Yuan(5750) || a.Members != 4 {
		t.Errorf("HQ001 = %+v", a)
	}
	// the household's other values are read; the formula's value is missing, not 0: the
	// per-capita figure comes from the components, (6000 + 1500 + 4000) ÷ 2 = 5750
	b := household(t, led, "HQ002")
	if b.YTDPerCapita == nil || *b.YTDPerCapita != calc.Yuan(5750) || b.Members != 2 || mustFen(t, b.LastYearPerCapita) != calc.Yuan(6100) {
		t.Errorf("HQ002 = %+v", b)
	}
	c := household(t, led, "HQ003")
	if c.Members != 0 || c.YTDPerCapita == nil || *c.YTDPerCapita != calc.Yuan(3700) {
		t.Errorf("HQ003 = %+v", c)
	}
}

// A column of formulas without values: the first few cells one by one, then one line for the rest.
func TestReadFormulaWithoutValueWholeColumn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "formula.xlsx")
	writeFormulaLedger(t, p, 10)
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(led.Inputs.Households); n != 13 {
		t.Fatalf("%d households, want 13", n)
	}
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 0, "", "‘脱贫户收入台账’的收入列（工资性收入、生产经营性收入、转移性收入、人均纯收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"},
		{formulaSheet, 4, "人均纯收入", "‘人均纯收入’" + MsgNoValue},
		{formulaSheet, 5, "家庭人口数", "‘家庭人口数’" + MsgNoValue},
		{formulaSheet, 6, "人均纯收入", "‘人均纯收入’" + MsgNoValue},
		{formulaSheet, 7, "人均纯收入", "‘人均纯收入’" + MsgNoValue},
		{formulaSheet, 8, "人均纯收入", "自本行起还有8行‘人均纯收入’（第8、9、10、11、12行等）也是公式，但文件里没有保存计算结果（可能由程序生成或设为手动重算），无法读取；请在Excel或WPS中打开、重新计算并保存后再上传"},
	})
	// per capita from the components, the formula having no value: (9000 + 0 + 1000) ÷ 3 = 3333.33
	if h := household(t, led, "HQ013"); h.YTDPerCapita == nil || *h.YTDPerCapita != calc.Fen(333333) || h.Members != 3 {
		t.Errorf("HQ013 = %+v", h)
	}
}

// writeHiddenLedger writes a household ledger whose rows 4 and 6 are hidden (households), with a
// hidden 合计 row 8 and a hidden blank row 9 before the last household, and two hidden columns:
// 上年人均纯收入 (recognized) and 辅助计算 (not).
func writeHiddenLedger(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"红旗村脱贫户收入台账"},
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）", "辅助计算"},
		{"HQ001", "包玉山", idA, 4, 12000, 3000, 5000, "a"},
		{"HQ002", "王秀英", idB, 2, 6000, 3000, 6100, "b"},
		{"HQ003", "李德胜", idC, 3, 3000, nil, 4000, "c"},
		{"HQ004", "张海", idD, 1, 9000, 9000, 3100, "d"},
		{"HQ005", "赵六", nil, 2, 5000, 2500, 2000, "e"},
		{"合计", nil, nil, 12, 35000},
		{},
		{"HQ006", "钱七", nil, 2, 4000, 2000, 1900, "f"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{4, 6, 8, 9} {
		if err := f.SetRowVisible(s, r, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetColVisible(s, "G:H", false); err != nil {
		t.Fatal(err)
	}
	setFormula(t, f, s, "F5", "E5/D5", nil) // a hidden row's neighbour with a formula without value
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func TestReadHiddenRowsAndColumns(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hidden.xlsx")
	writeHiddenLedger(t, p)
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(led.Inputs.Households); n != 6 {
		t.Fatalf("%d households, want 6 (hidden ones included)", n)
	}
	// 人均纯收入 names no quarter: read as 本年累计 (3000元 per person so far)
	if h := household(t, led, "HQ002"); h.Members != 2 || h.YTDPerCapita == nil || *h.YTDPerCapita != calc.Yuan(3000) || mustFen(t, h.LastYearPerCapita) != calc.Yuan(6100) {
		t.Errorf("hidden household HQ002 = %+v", h)
	}
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 0, "", "‘脱贫户收入台账’有2行被隐藏（第4、6行），已照常计算，请确认这些户是否应在台账中"},
		{formulaSheet, 0, "", "‘脱贫户收入台账’的收入列（工资性收入、人均纯收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"},
		{formulaSheet, 2, "上年人均纯收入", "‘上年人均纯收入’列被隐藏，已照常读取计算，请确认该列的数据是否应计入"},
		{formulaSheet, 5, "人均纯收入", MsgNoValue},
	})
	for i, e := range led.Errors {
		if e.Warning != (i < 3) {
			t.Errorf("%+v: Warning %v", e, e.Warning)
		}
	}
}

// A sheet with more hidden rows than are listed.
func TestReadHiddenRowsMany(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hidden.xlsx")
	writeFormulaLedger(t, p, 10)
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for r := 5; r <= 15; r++ {
		if err := f.SetRowVisible(formulaSheet, r, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	e := led.Errors[0]
	if e.Sheet != formulaSheet || e.Row != 0 || !e.Warning || e.Message != "‘脱贫户收入台账’有11行被隐藏（第5、6、7、8、9行等），已照常计算，请确认这些户是否应在台账中" {
		t.Errorf("first problem = %+v", e)
	}
}

// Through Process: the problems are on 问题清单 with sheet, row, column and kind, and the result
// workbook keeps the hidden rows and columns and the cadre's formulas, in both write modes.
func TestProcessFormulaAndHidden(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
			writeHiddenLedger(t, in)
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Mode != mode {
				t.Fatalf("mode %s", rep.Mode)
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
			want := [][]string{
				{formulaSheet, "", "", "有2行被隐藏（第4、6行）", "提示"},
				{formulaSheet, "2", "上年人均纯收入", "‘上年人均纯收入’列被隐藏", "提示"},
				{formulaSheet, "5", "人均纯收入", "‘人均纯收入’是公式，但文件里没有保存计算结果", "错误"},
			}
			for _, w := range want {
				found := false
				for _, r := range rows[1:] {
					for len(r) < 7 {
						r = append(r, "")
					}
					if r[1] == w[0] && r[2] == w[1] && r[3] == w[2] && strings.Contains(r[4], w[3]) && r[6] == w[4] {
						found = true
					}
				}
				if !found {
					t.Errorf("问题清单 lacks %q; has %q", w, rows)
				}
			}
			for r := 3; r <= 10; r++ {
				vis, err := f.GetRowVisible(formulaSheet, r)
				if err != nil || vis != (r != 4 && r != 6 && r != 8 && r != 9) {
					t.Errorf("row %d visible %v (%v)", r, vis, err)
				}
			}
			for _, c := range []string{"G", "H"} {
				if vis, err := f.GetColVisible(formulaSheet, c); err != nil || vis {
					t.Errorf("column %s visible %v (%v)", c, vis, err)
				}
			}
			if fm, err := f.GetCellFormula(formulaSheet, "F5"); err != nil || fm != "E5/D5" {
				t.Errorf("F5 formula %q (%v)", fm, err)
			}
			if v, _ := f.GetCellValue(formulaSheet, "B4"); v != "王秀英" {
				t.Errorf("B4 = %q", v)
			}
		})
	}
}

// The splicing writer (not its fallback) copies hidden data rows as they are; the general writer
// keeps them hidden too.
func TestWriteSplicedKeepsHiddenRows(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	writeHiddenLedger(t, in)
	led, err := Read(in, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	opt := processOptions(t)
	res := calc.Evaluate(q3, opt.Policy, &led.Inputs)
	if err := writeColumnsSpliced(in, out, led, res, WriteOptions{Limits: opt.Read.Limits}); err != nil {
		t.Fatalf("spliced write: %v", err)
	}
	// the data rows' start tags are the cadre's, byte for byte
	orig := string(zipParts(t, in)["xl/worksheets/sheet1.xml"])
	got := string(zipParts(t, out)["xl/worksheets/sheet1.xml"])
	for _, r := range []int{4, 6, 8, 9} {
		tag := regexp.MustCompile(fmt.Sprintf(`<row r="%d"[^>]*>`, r)).FindString(orig)
		if !strings.Contains(tag, `hidden="`) || !strings.Contains(got, tag) {
			t.Errorf("row %d: tag %q not in the result: %s", r, tag, got)
		}
	}
	// and the general writer (excelize's DOM), for sheets the splicer does not take
	dom := filepath.Join(dir, "dom.xlsx")
	if err := writeColumnsDOM(in, dom, led, res, WriteOptions{Limits: opt.Read.Limits}, ModeColumns); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{out, dom} {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for r := 3; r <= 10; r++ {
			if vis, _ := f.GetRowVisible(formulaSheet, r); vis != (r != 4 && r != 6 && r != 8 && r != 9) {
				t.Errorf("%s row %d visible %v", filepath.Base(p), r, vis)
			}
		}
		f.Close()
	}
}
