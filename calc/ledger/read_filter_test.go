package ledger

import (
	"archive/zip"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// writeFilteredLedger writes a household ledger the way Excel saves it after 筛选: an autofilter
// over A1:F5 keeping 帮扶责任人 = 李四, so the rows of 张三's households (2 and 3) are hidden;
// row 7 (below the filter's range) was hidden by hand. With criteria false, the autofilter has
// no criteria (the dropdowns only) and rows 2 and 3 were hidden by hand.
func writeFilteredLedger(t *testing.T, path string, criteria bool) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "帮扶责任人"},
		{"HQ001", "包玉山", idA, 4, 12000, "张三"},
		{"HQ002", "王秀英", idB, 2, 6000, "张三"},
		{"HQ003", "李德胜", idC, 3, 3000, "李四"},
		{"HQ004", "张海", idD, 1, 9000, "李四"},
		{},
		{"HQ005", "赵六", nil, 2, 5000, "李四"},
	}); err != nil {
		t.Fatal(err)
	}
	var opts []excelize.AutoFilterOptions
	if criteria {
		opts = []excelize.AutoFilterOptions{{Column: "F", Expression: "x == 李四"}}
	}
	if err := f.AutoFilter(s, "A1:F5", opts); err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{2, 3, 7} {
		if err := f.SetRowVisible(s, r, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// Rows hidden by an active filter are computed and said to be hidden by 筛选 (the cadre only
// filtered to look); a row hidden by hand outside the filter still gets the hidden-row note.
func TestReadFilteredRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "filtered.xlsx")
	writeFilteredLedger(t, p, true)
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if s := sheetByName(t, led, formulaSheet); !s.Filtered || s.DataRows != 5 {
		t.Fatalf("sheet = %+v, want filtered with 5 data rows", s)
	}
	// all five households are read, the filtered-out ones with their values
	if n := len(led.Inputs.Households); n != 5 {
		t.Fatalf("%d households, want 5", n)
	}
	// 工资性收入 names no quarter: read as 本年累计, 6000元 ÷ 2人 = 3000元 per person so far
	if h := household(t, led, "HQ002"); h.Members != 2 || h.YTDPerCapita == nil || *h.YTDPerCapita != calc.Yuan(3000) {
		t.Errorf("filtered-out household HQ002 = %+v", h)
	}
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 0, "", "‘脱贫户收入台账’设置了筛选，有2行被筛选隐藏（第2、3行），这些行已照常计算；结果表保留原筛选，取消筛选即可看到全部"},
		{formulaSheet, 0, "", "‘脱贫户收入台账’有1行被隐藏（第7行），已照常计算，请确认这些户是否应在台账中"},
		{formulaSheet, 0, "", "‘脱贫户收入台账’的收入列（工资性收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"},
	})
	for _, e := range led.Errors {
		if !e.Warning {
			t.Errorf("%+v is an error, want a warning", e)
		}
	}
}

// An autofilter with no criteria hides nothing: rows hidden under it were hidden by hand.
func TestReadFilterWithoutCriteria(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dropdowns.xlsx")
	writeFilteredLedger(t, p, false)
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if s := sheetByName(t, led, formulaSheet); s.Filtered {
		t.Fatalf("sheet = %+v, want not filtered", s)
	}
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 0, "", "‘脱贫户收入台账’有3行被隐藏（第2、3、7行），已照常计算，请确认这些户是否应在台账中"},
		{formulaSheet, 0, "", "‘脱贫户收入台账’的收入列（工资性收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"},
	})
}

// sheetPartText returns a worksheet part of a workbook by sheet name.
func sheetPartText(t testing.TB, path, sheet string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	wb, err := readWorkbook(&zr.Reader)
	if err != nil {
		t.Fatal(err)
	}
	part := sheetPartOf(wb.sheets, sheet)
	for _, f := range zr.File {
		if f.Name == part {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no part for sheet %s", sheet)
	return ""
}

var reAutoFilter = regexp.MustCompile(`<autoFilter\b.*?(/>|</autoFilter>)`)

// The result workbook keeps the cadre's filter with its criteria and its hidden rows, in every
// write path; the results of the filtered-out households are written on their rows.
func TestWriteKeepsCadreFilter(t *testing.T) {
	for _, path := range []string{"spliced", "dom", ModeSheet} {
		t.Run(path, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
			writeFilteredLedger(t, in, true)
			opt := processOptions(t)
			switch path {
			case "dom":
				led, err := Read(in, ReadOptions{Period: q3})
				if err != nil {
					t.Fatal(err)
				}
				res := calc.Evaluate(q3, config.DefaultPolicy(), &led.Inputs)
				if err := writeColumnsDOM(in, out, led, res, WriteOptions{Mode: ModeColumns}, ModeColumns); err != nil {
					t.Fatal(err)
				}
			default:
				opt.Write.Mode = ModeColumns
				if path == ModeSheet {
					opt.Write.Mode = ModeSheet
				}
				if _, err := Process(in, out, opt); err != nil {
					t.Fatal(err)
				}
			}
			x := sheetPartText(t, out, formulaSheet)
			af := reAutoFilter.FindString(x)
			if !strings.Contains(af, `ref="$A$1:$F$5"`) && !strings.Contains(af, `ref="A1:F5"`) ||
				!strings.Contains(af, `<filterColumn colId="5">`) || !strings.Contains(af, `val="李四"`) {
				t.Errorf("autofilter = %s, want the cadre's on A1:F5 with 帮扶责任人 = 李四", af)
			}
			f, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for r := 2; r <= 7; r++ {
				vis, err := f.GetRowVisible(formulaSheet, r)
				if err != nil || vis != (r != 2 && r != 3 && r != 7) {
					t.Errorf("row %d visible %v (%v)", r, vis, err)
				}
			}
			rows, err := f.GetRows(SheetProblems)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range rows {
				found = found || len(r) > 4 && strings.Contains(r[4], "设置了筛选，有2行被筛选隐藏（第2、3行）")
			}
			if !found {
				t.Errorf("问题清单 lacks the filter note: %q", rows)
			}
		})
	}
}

// rewriteEntry replaces one zip entry's bytes through fn.
func rewriteEntry(t *testing.T, path, name string, fn func([]byte) []byte) {
	t.Helper()
	found := false
	rewriteZip(t, path, path, func(n string, b []byte) ([]byte, bool) {
		if n == name {
			b, found = fn(b), true
		}
		return b, false
	})
	if !found {
		t.Fatalf("no %s in %s", name, path)
	}
}

// A ledger formatted as a table (套用表格格式) and filtered in the table: the rows the table's
// filter hides are said to be filtered; the results keep the table's filter and add no sheet
// autofilter across the table.
func TestTableFilteredRows(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "table.xlsx"), filepath.Join(dir, "out.xlsx")
	f := excelize.NewFile()
	s := formulaSheet
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "帮扶责任人"},
		{"HQ001", "包玉山", idA, 4, 12000, "张三"},
		{"HQ002", "王秀英", idB, 2, 6000, "张三"},
		{"HQ003", "李德胜", idC, 3, 3000, "李四"},
		{"HQ004", "张海", idD, 1, 9000, "李四"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddTable(s, &excelize.Table{Range: "A1:F5", Name: "台账表"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{2, 3} {
		if err := f.SetRowVisible(s, r, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// Excel's filter on the table's 帮扶责任人 column (6th, colId 5) = 李四
	rewriteEntry(t, in, "xl/tables/table1.xml", func(b []byte) []byte {
		return regexp.MustCompile(`<autoFilter ref="A1:F5"\s*(/>|></autoFilter>)`).ReplaceAll(b,
			[]byte(`<autoFilter ref="A1:F5"><filterColumn colId="5"><filters><filter val="李四"/></filters></filterColumn></autoFilter>`))
	})
	if b, _ := zipEntry(t, in, "xl/tables/table1.xml"); !strings.Contains(string(b), "filterColumn") {
		t.Fatalf("table part not filtered: %s", b)
	}
	led, err := Read(in, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	if si := sheetByName(t, led, s); !si.Filtered || !si.Tables || si.DataRows != 4 {
		t.Fatalf("sheet %+v", si)
	}
	checkErrors(t, led.Errors, []wantErr{{s, 0, "", "‘脱贫户收入台账’设置了筛选，有2行被筛选隐藏（第2、3行），这些行已照常计算"},
		{s, 0, "", "‘脱贫户收入台账’的收入列（工资性收入）没有注明季度，已按本年累计（第1–3季度合计）收入核算"}})
	opt := processOptions(t)
	opt.Write.Mode = ModeColumns
	if _, err := Process(in, out, opt); err != nil {
		t.Fatal(err)
	}
	if af := reAutoFilter.FindString(sheetPartText(t, out, s)); af != "" {
		t.Errorf("sheet autofilter %s across the table", af)
	}
	if b, _ := zipEntry(t, out, "xl/tables/table1.xml"); !strings.Contains(string(b), `<filter val="李四"`) {
		t.Errorf("table lost its filter: %s", b)
	}
}
