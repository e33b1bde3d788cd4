package ledger

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const (
	fidIncome = "脱贫户收入台账"
	fidStock  = "牲畜动态监测台账"
	fidLabor  = "务工就业清单"
	fidNotes  = "填报说明"
	fidParams = "参数"
	fidChart  = "统计图"
)

// fidFeatured is the generated 50-household ledger with what cadres' files carry: styles and
// number formats, merges, formulas with cached values and a shared formula, dropdowns (one
// from a hidden sheet), notes, hyperlinks, a conditional format, a picture, a chart, defined
// names, hidden sheet/columns/rows, sheet protection, frozen panes, an autofilter, a table,
// very long text, rich text, dates.
type fidFeatured struct {
	totalRow int // the 合计 row of the income sheet
	lastData int
}

func buildFidFeatured(t testing.TB, path string) fidFeatured {
	t.Helper()
	must := fidMust(t)
	dir := filepath.Dir(path)
	base := filepath.Join(dir, "base.xlsx")
	must(GenerateFile(base, 50, 1, GenOptions{Quarter: 3}))
	f, err := excelize.OpenFile(base)
	must(err)
	defer f.Close()
	sh := fidIncome
	rows, err := f.GetRows(sh)
	must(err)
	var info fidFeatured
	for i, r := range rows {
		if len(r) > 0 && strings.ReplaceAll(r[0], " ", "") == "合计" {
			info.totalRow = i + 1
		}
	}
	if info.totalRow == 0 {
		t.Fatal("no 合计 row")
	}
	info.lastData = info.totalRow - 2 // the last household; then 小计
	tr := info.totalRow

	// styles and number formats
	money := "#,##0.00_ "
	st1, err := f.NewStyle(&excelize.Style{CustomNumFmt: &money, Font: &excelize.Font{Color: "1F4E79"}})
	must(err)
	must(f.SetCellStyle(sh, "J6", fmt.Sprintf("J%d", info.lastData), st1))
	red, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "FF0000", Bold: true}, Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 2}}})
	must(err)
	must(f.SetCellStyle(sh, "F6", "F10", red))
	// a date in the meta line, a serial number with a date format
	dateFmt := "yyyy\"年\"m\"月\"d\"日\""
	ds, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	must(err)
	must(f.SetCellValue(sh, fmt.Sprintf("B%d", tr+2), "填报日期"))
	must(f.SetCellFloat(sh, fmt.Sprintf("C%d", tr+2), 46295, -1, 64)) // 2026-09-30
	must(f.SetCellStyle(sh, fmt.Sprintf("C%d", tr+2), fmt.Sprintf("C%d", tr+2), ds))
	// rich text title (a shared string with runs)
	must(f.SetCellRichText(sh, "A1", []excelize.RichTextRun{
		{Text: "巴林左旗林东镇2026年", Font: &excelize.Font{Bold: true, Size: 16}},
		{Text: "脱贫户及防返贫监测对象", Font: &excelize.Font{Bold: true, Size: 16, Color: "C00000"}},
		{Text: "家庭收入台账", Font: &excelize.Font{Bold: true, Size: 16}}}))
	// the village merged down over its households (WPS 合并居中: the other cells emptied)
	for r := 7; r <= 15; r++ {
		must(f.SetCellValue(sh, fmt.Sprintf("D%d", r), nil))
	}
	must(f.MergeCell(sh, "D6", "D15"))
	// merged footer
	must(f.MergeCell(sh, fmt.Sprintf("A%d", tr+3), fmt.Sprintf("AC%d", tr+3)))
	// dropdowns: one from a hidden sheet, one inline
	_, err = f.NewSheet(fidParams)
	must(err)
	for i, v := range []string{"脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"} {
		must(f.SetCellValue(fidParams, fmt.Sprintf("A%d", i+1), v))
	}
	must(f.SetSheetVisible(fidParams, false))
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("H6:H%d", info.lastData)
	dv.SetSqrefDropList("参数!$A$1:$A$4")
	must(f.AddDataValidation(sh, dv))
	dv2 := excelize.NewDataValidation(true)
	dv2.Sqref = fmt.Sprintf("AC6:AC%d", info.lastData)
	must(dv2.SetDropList([]string{"是", "否"}))
	dv2.SetInput("措施是否落实", "请选择“是”或“否”")
	dv2.SetError(excelize.DataValidationErrorStyleStop, "输入有误", "只能填“是”或“否”")
	must(f.AddDataValidation(sh, dv2))
	// notes
	must(f.AddComment(sh, excelize.Comment{Cell: "E3", Author: "李会计", Paragraph: []excelize.RichTextRun{{Text: "户编号按扶贫系统填写"}}}))
	must(f.AddComment(sh, excelize.Comment{Cell: "F7", Author: "李会计", Paragraph: []excelize.RichTextRun{{Text: "户主已于8月变更，" + strings.Repeat("需核实。", 200)}}}))
	// hyperlinks
	must(f.SetCellHyperLink(sh, "AB6", "https://www.gov.cn/zhengce/", "External"))
	must(f.SetCellHyperLink(sh, fmt.Sprintf("A%d", tr+4), "'务工就业清单'!A1", "Location"))
	// the cadre's own conditional format
	low, err := f.NewConditionalStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}})
	must(err)
	must(f.SetConditionalFormat(sh, fmt.Sprintf("J6:J%d", info.lastData), []excelize.ConditionalFormatOptions{
		{Type: "cell", Criteria: "<", Value: "10000", Format: &low}}))
	must(f.SetConditionalFormat(sh, fmt.Sprintf("K6:K%d", info.lastData), []excelize.ConditionalFormatOptions{
		{Type: "3_color_scale", Criteria: "=", MinType: "min", MidType: "percentile", MaxType: "max", MinColor: "F8696B", MidColor: "FFEB84", MaxColor: "63BE7B"}}))
	must(f.SetConditionalFormat(sh, fmt.Sprintf("A3:AC%d", tr), []excelize.ConditionalFormatOptions{
		{Type: "formula", Criteria: `$H3="突发严重困难户"`, Format: &low}}))
	// a picture (the seal) in the footer
	must(f.AddPictureFromBytes(sh, fmt.Sprintf("H%d", tr+3), &excelize.Picture{Extension: ".png", File: fidPNG(), Format: &excelize.GraphicOptions{AltText: "公章"}}))
	// defined names
	must(f.SetDefinedName(&excelize.DefinedName{Name: "户数据", RefersTo: fmt.Sprintf("'%s'!$A$6:$AC$%d", sh, info.lastData)}))
	must(f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: fmt.Sprintf("'%s'!$A$1:$AC$%d", sh, tr+4), Scope: sh}))
	must(f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$3:$5", sh), Scope: sh}))
	must(f.SetDefinedName(&excelize.DefinedName{Name: "户类型", RefersTo: "参数!$A$1:$A$4"}))
	// hidden column (ID numbers) and a hidden row
	must(f.SetColVisible(sh, "G", false))
	must(f.SetRowVisible(sh, 9, false))
	// frozen panes: the names stay in view
	must(f.SetPanes(sh, &excelize.Panes{Freeze: true, XSplit: 6, YSplit: 5, TopLeftCell: "G6", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "G6", ActiveCell: "G6", Pane: "bottomRight"}}}))
	// unlocked input cells on the protected sheet
	open, err := f.NewStyle(&excelize.Style{Protection: &excelize.Protection{Locked: false}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFFE0"}}})
	must(err)
	must(f.SetCellStyle(sh, "P6", fmt.Sprintf("T%d", info.lastData), open))
	// sheet protection
	must(f.ProtectSheet(sh, &excelize.SheetProtectionOptions{Password: "123456", FormatColumns: true, AutoFilter: true, SelectLockedCells: true, SelectUnlockedCells: true}))
	// sheet properties: the tab colour, the code name macros use, fit-to-page printing, outline
	must(f.SetSheetProps(sh, &excelize.SheetPropsOptions{CodeName: ptrTo("Ledger"), TabColorRGB: ptrTo("FF00B050"),
		FitToPage: ptrTo(true), OutlineSummaryBelow: ptrTo(false)}))
	// how the sheet is viewed and printed: no gridlines, zoom, page-break preview, A3
	// landscape fitted to one page wide, margins, a page-number footer, grouped rows
	must(f.SetSheetView(sh, -1, &excelize.ViewOptions{ShowGridLines: ptrTo(false), ZoomScale: ptrTo(85.0), View: ptrTo("pageBreakPreview")}))
	must(f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: ptrTo(8), Orientation: ptrTo("landscape"), FitToWidth: ptrTo(1), FitToHeight: ptrTo(0)}))
	must(f.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{Left: ptrTo(0.3), Right: ptrTo(0.3), Top: ptrTo(0.5), Bottom: ptrTo(0.5)}))
	must(f.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}))
	for r := 10; r <= 14; r++ {
		must(f.SetRowOutlineLevel(sh, r, 1))
	}
	must(f.SetColOutlineLevel(sh, "K", 1))
	// row height
	must(f.SetRowHeight(sh, 3, 30))

	// the labor sheet: a table (ListObject)
	laborRows, err := f.GetRows(fidLabor)
	must(err)
	must(f.AddTable(fidLabor, &excelize.Table{Range: fmt.Sprintf("A2:M%d", len(laborRows)), Name: "务工表", StyleName: "TableStyleMedium2"}))
	// the livestock sheet: a cadre autofilter
	stockRows, err := f.GetRows(fidStock)
	must(err)
	must(f.AutoFilter(fidStock, fmt.Sprintf("A2:M%d", len(stockRows)), nil))

	// notes sheet: very long text, dates, rich text
	_, err = f.NewSheet(fidNotes)
	must(err)
	must(f.SetCellValue(fidNotes, "A1", strings.Repeat("长", 32767)))
	must(f.SetCellValue(fidNotes, "A2", "统计截止日期"))
	must(f.SetCellFloat(fidNotes, "B2", 46295.5, -1, 64))
	dt, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	must(f.SetCellStyle(fidNotes, "B2", "B2", dt))
	must(f.SetCellRichText(fidNotes, "A3", []excelize.RichTextRun{{Text: "注意：", Font: &excelize.Font{Bold: true}}, {Text: "收入含转移性收入"}}))
	must(f.SetColWidth(fidNotes, "A", "A", 60))

	// a chart on its own sheet, from the 合计 row
	_, err = f.NewSheet(fidChart)
	must(err)
	must(f.AddChart(fidChart, "A1", &excelize.Chart{Type: excelize.Col, Series: []excelize.ChartSeries{{
		Name:       fmt.Sprintf("'%s'!$K$3", sh),
		Categories: fmt.Sprintf("'%s'!$K$4:$O$4", sh),
		Values:     fmt.Sprintf("'%s'!$K$%d:$O$%d", sh, tr, tr)}},
		Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "第1季度收入构成"}}}}))
	f.SetActiveSheet(0)
	mid := filepath.Join(dir, "mid.xlsx")
	must(f.SaveAs(mid))

	// formulas with cached values in the 合计 row: K is the master of a shared formula over K:Y
	incomePart := ""
	{
		fi, err := excelize.OpenFile(mid)
		must(err)
		vals := map[string]string{}
		for c := 11; c <= 25; c++ {
			name, _ := excelize.CoordinatesToCellName(c, tr)
			v, _ := fi.GetCellValue(sh, name, excelize.Options{RawCellValue: true})
			vals[name] = v
		}
		fi.Close()
		xml := fidSheetXML(t, mid, sh)
		for c := 11; c <= 25; c++ {
			col, _ := excelize.ColumnNumberToName(c)
			name := fmt.Sprintf("%s%d", col, tr)
			re := regexp.MustCompile(`<c r="` + name + `"([^>]*?)(?:/>|>.*?</c>)`)
			m := re.FindStringSubmatch(xml)
			if m == nil {
				t.Fatalf("no cell %s", name)
			}
			attrs := regexp.MustCompile(`\s?t="[^"]*"`).ReplaceAllString(m[1], "")
			fx := `<f t="shared" si="0"/>`
			if c == 11 {
				fx = fmt.Sprintf(`<f t="shared" ref="K%d:Y%d" si="0">K%d</f>`, tr, tr, tr-1) // 合计 = the one village's 小计
			}
			xml = strings.Replace(xml, m[0], `<c r="`+name+`"`+attrs+`>`+fx+`<v>`+vals[name]+`</v></c>`, 1)
		}
		// a plain formula with a cached value: 家庭人口 total
		re := regexp.MustCompile(`<c r="I` + fmt.Sprint(tr) + `"([^>]*?)(?:/>|>.*?</c>)`)
		if m := re.FindStringSubmatch(xml); m != nil {
			attrs := regexp.MustCompile(`\s?t="[^"]*"`).ReplaceAllString(m[1], "")
			fi, _ := excelize.OpenFile(mid)
			v, _ := fi.GetCellValue(sh, fmt.Sprintf("I%d", tr), excelize.Options{RawCellValue: true})
			fi.Close()
			xml = strings.Replace(xml, m[0], fmt.Sprintf(`<c r="I%d"%s><f>SUM(I%d:I%d)</f><v>%s</v></c>`, tr, attrs, tr-1, tr-1, v), 1)
		}
		incomePart = xml
	}
	zr := fidSheetPart(t, mid, sh)
	fidRewriteZip(t, mid, path, func(name, body string) string {
		if name == zr {
			return incomePart
		}
		return body
	}, nil)
	return info
}

func fidSheetPart(t testing.TB, path, sheet string) string {
	t.Helper()
	xml := fidSheetXML(t, path, sheet)
	for _, n := range fidZipNames(t, path) {
		if strings.HasPrefix(n, "xl/worksheets/sheet") && fidZipPart(t, path, n) == xml {
			return n
		}
	}
	t.Fatalf("no part for %s", sheet)
	return ""
}

// fidExtras is what a sheet carries besides its cells.
type fidExtras struct {
	Merges      []string
	Comments    []string
	Validations []string
	CondFormats []string
	Hyperlinks  []string
	Pictures    []string
	Tables      []string
	Hidden      []string
	Widths      []string
	Protected   bool
	Panes       string
	Visible     bool
	Props       string
	View        string
	Page        string
	Rows        []string // heights and outline levels
}

func ptrTo[T any](v T) *T { return &v }

// fidStruct is a struct as text, its pointers followed.
func fidStruct(p any) string {
	var b strings.Builder
	v := reflect.ValueOf(p)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		fmt.Fprintf(&b, "%s=%v ", v.Type().Field(i).Name, f.Interface())
	}
	return b.String()
}

// fidProps is a struct of optional settings (pointers) as text.
func fidProps(p any) string {
	var b strings.Builder
	v := reflect.ValueOf(p)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); !f.IsNil() {
			fmt.Fprintf(&b, "%s=%v ", v.Type().Field(i).Name, f.Elem().Interface())
		}
	}
	return b.String()
}

func fidSheetExtras(t testing.TB, path, sheet string, maxCol int) fidExtras {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var e fidExtras
	ms, _ := f.GetMergeCells(sheet, true)
	for _, m := range ms {
		c, _, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
		if c <= maxCol {
			e.Merges = append(e.Merges, m.GetStartAxis()+":"+m.GetEndAxis())
		}
	}
	cms, _ := f.GetComments(sheet)
	for _, c := range cms {
		if c.Author == commentAuthor {
			continue
		}
		var txt strings.Builder
		for _, p := range c.Paragraph {
			txt.WriteString(p.Text)
		}
		e.Comments = append(e.Comments, c.Cell+" "+c.Author+" "+txt.String())
	}
	dvs, _ := f.GetDataValidations(sheet)
	for _, d := range dvs {
		e.Validations = append(e.Validations, fidStruct(*d))
	}
	cfs, _ := f.GetConditionalFormats(sheet)
	for ref, opts := range cfs {
		for _, o := range opts {
			if o.Type == "formula" && strings.HasPrefix(o.Criteria, "LEN($") {
				continue // ours
			}
			e.CondFormats = append(e.CondFormats, ref+" "+fidStruct(o))
		}
	}
	for ref := range fidCellsOfSheet(t, path, sheet) {
		if ok, link, _ := f.GetCellHyperLink(sheet, ref); ok {
			e.Hyperlinks = append(e.Hyperlinks, ref+" "+link)
		}
	}
	cells, _ := f.GetPictureCells(sheet)
	for _, c := range cells {
		ps, _ := f.GetPictures(sheet, c)
		for _, p := range ps {
			e.Pictures = append(e.Pictures, fmt.Sprintf("%s %s %d", c, p.Extension, len(p.File)))
		}
	}
	ts, _ := f.GetTables(sheet)
	for _, tb := range ts {
		e.Tables = append(e.Tables, tb.Name+" "+tb.Range)
	}
	for c := 1; c <= maxCol; c++ {
		n, _ := excelize.ColumnNumberToName(c)
		if v, _ := f.GetColVisible(sheet, n); !v {
			e.Hidden = append(e.Hidden, n)
		}
		w, _ := f.GetColWidth(sheet, n)
		e.Widths = append(e.Widths, fmt.Sprintf("%s=%g", n, w))
	}
	rows, _ := f.GetRows(sheet)
	for r := 1; r <= len(rows)+5; r++ {
		if v, _ := f.GetRowVisible(sheet, r); !v {
			e.Hidden = append(e.Hidden, fmt.Sprint(r))
		}
	}
	xml := fidSheetXML(t, path, sheet)
	e.Protected = strings.Contains(xml, "<sheetProtection")
	if p, err := f.GetPanes(sheet); err == nil && p.Freeze {
		e.Panes = fmt.Sprintf("x%d", p.XSplit)
	}
	e.Visible, _ = f.GetSheetVisible(sheet)
	if p, err := f.GetSheetProps(sheet); err == nil {
		e.Props = fidProps(p)
	}
	if v, err := f.GetSheetView(sheet, -1); err == nil {
		e.View = fidProps(v)
	}
	if p, err := f.GetPageLayout(sheet); err == nil {
		e.Page = fidProps(p)
	}
	if m, err := f.GetPageMargins(sheet); err == nil {
		e.Page += fidProps(m)
	}
	if h, err := f.GetHeaderFooter(sheet); err == nil {
		e.Page += fmt.Sprintf("%+v", h)
	}
	for r := 1; r <= len(rows); r++ {
		ht, _ := f.GetRowHeight(sheet, r)
		lv, _ := f.GetRowOutlineLevel(sheet, r)
		e.Rows = append(e.Rows, fmt.Sprintf("%d:%g/%d", r, ht, lv))
	}
	for c := 1; c <= maxCol; c++ {
		n, _ := excelize.ColumnNumberToName(c)
		lv, _ := f.GetColOutlineLevel(sheet, n)
		e.Rows = append(e.Rows, fmt.Sprintf("%s/%d", n, lv))
	}
	sortStrings := func(s []string) []string {
		sortedCopy := append([]string(nil), s...)
		sortStringsInPlace(sortedCopy)
		return sortedCopy
	}
	e.Merges, e.Comments, e.Validations, e.CondFormats, e.Hyperlinks = sortStrings(e.Merges), sortStrings(e.Comments), sortStrings(e.Validations), sortStrings(e.CondFormats), sortStrings(e.Hyperlinks)
	return e
}

func sortStringsInPlace(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func fidCellsOfSheet(t testing.TB, path, sheet string) map[string]bool {
	out := map[string]bool{}
	for _, m := range reFidCellRef.FindAllStringSubmatch(fidSheetXML(t, path, sheet), -1) {
		out[m[1]] = true
	}
	return out
}

// fidDefinedNames lists the workbook's defined names but our marker.
func fidDefinedNames(t testing.TB, path string) []string {
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, d := range f.GetDefinedName() {
		if d.Name == MarkerName || d.Name == "_xlnm._FilterDatabase" {
			continue
		}
		// excelize drops the quotes of a CJK sheet name when it adjusts a reference (as Excel writes it)
		out = append(out, d.Name+"@"+d.Scope+"="+strings.ReplaceAll(d.RefersTo, "'", ""))
	}
	sortStringsInPlace(out)
	return out
}

func fidCompareExtras(t *testing.T, in, out, sheet string, maxCol int) {
	t.Helper()
	a, b := fidSheetExtras(t, in, sheet, maxCol), fidSheetExtras(t, out, sheet, maxCol)
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < va.NumField(); i++ {
		if va.Type().Field(i).Name == "Panes" && a.Panes == "" {
			continue // we freeze the header of a sheet the cadre did not freeze
		}
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			t.Errorf("%s %s:\nbefore %v\nafter  %v", sheet, va.Type().Field(i).Name, va.Field(i).Interface(), vb.Field(i).Interface())
		}
	}
}

func TestFidelityFeaturedLedger(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.xlsx")
			buildFidFeatured(t, in)
			out, out2 := filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "out2.xlsx")
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Mode != mode {
				t.Fatalf("mode %s", rep.Mode)
			}
			if rep.Summary.Households != 50 {
				t.Errorf("%d households", rep.Summary.Households)
			}
			fidValidate(t, in)
			fidValidate(t, out)
			fidWellFormed(t, out)
			widths := map[string]int{fidIncome: 29, fidStock: 13, fidLabor: 13, fidNotes: 3, fidParams: 1, fidChart: 1}
			for _, sh := range fidSortedKeys(widths) {
				fidCompareCells(t, in, out, sh)
				fidCompareExtras(t, in, out, sh, widths[sh])
			}
			for _, o := range []string{out} {
				fidCompareRichText(t, in, o, fidIncome, "A1")
				fidCompareRichText(t, in, o, fidNotes, "A3")
			}
			if a, b := fidDefinedNames(t, in), fidDefinedNames(t, out); !reflect.DeepEqual(a, b) {
				t.Errorf("defined names:\nbefore %v\nafter  %v", a, b)
			}
			// the chart and its drawing are still there and still read the 合计 row
			if !strings.Contains(strings.Join(fidZipNames(t, out), " "), "xl/charts/chart") {
				t.Error("chart lost")
			}
			// second run over the output: the same results, no second set of columns
			opt2 := processOptions(t)
			opt2.Write.Mode = mode
			rep2, err := Process(out, out2, opt2)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.Summary, rep2.Summary) || len(rep.Findings) != len(rep2.Findings) || len(rep.Tasks) != len(rep2.Tasks) {
				t.Errorf("second run differs: %+v\n%+v", rep.Summary, rep2.Summary)
			}
			fidValidate(t, out2)
			if a, b := fidDefinedNames(t, in), fidDefinedNames(t, out2); !reflect.DeepEqual(a, b) {
				t.Errorf("defined names after the second run:\nbefore %v\nafter  %v", a, b)
			}
			for _, sh := range fidSortedKeys(widths) {
				fidCompareCells(t, in, out2, sh)
				fidCompareExtras(t, in, out2, sh, widths[sh])
			}
			fo, _ := excelize.OpenFile(out)
			fo2, _ := excelize.OpenFile(out2)
			defer fo.Close()
			defer fo2.Close()
			if a, b := fo.GetSheetList(), fo2.GetSheetList(); !reflect.DeepEqual(a, b) {
				t.Errorf("sheets %v then %v", a, b)
			}
			for _, sh := range fo.GetSheetList() {
				if sh == SheetSummary {
					// Not compared: on the second run the reader maps our 【增收计算】帮扶责任人
					// column as the cadre column of the livestock and labor sheets (reader).
					continue
				}
				r1, _ := fo.GetRows(sh, excelize.Options{RawCellValue: true})
				r2, _ := fo2.GetRows(sh, excelize.Options{RawCellValue: true})
				if !reflect.DeepEqual(r1, r2) {
					t.Errorf("sheet %s differs after the second run", sh)
					for i := 0; i < len(r1) && i < len(r2); i++ {
						if !reflect.DeepEqual(r1[i], r2[i]) {
							t.Logf("row %d:\n%q\n%q", i+1, r1[i], r2[i])
							break
						}
					}
				}
			}
		})
	}
}

// TestFidelityLibreOffice opens the outputs of the featured ledger in LibreOffice (skipped when
// it is not installed) and reads the result cells back: every one of ours equals what excelize
// reads, and the cadre's cells are there.
func TestFidelityLibreOffice(t *testing.T) {
	t.Parallel() // a separate process / a long write: beside the other tests
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Skip("soffice not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.xlsx")
	buildFidFeatured(t, in)
	var outs []string
	for _, mode := range []string{ModeColumns, ModeSheet} {
		out := filepath.Join(dir, mode+".xlsx")
		opt := processOptions(t)
		opt.Write.Mode = mode
		if _, err := Process(in, out, opt); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	// a re-upload: the DOM path with our old columns removed
	again := filepath.Join(dir, "again.xlsx")
	if _, err := Process(outs[0], again, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	outs = append(outs, again)
	// WPS- and Excel 365-saved: result columns (the external link and two household sheets are
	// checked by fidValidate only, to keep LibreOffice's time down)
	for i, build := range []func(testing.TB, string) string{buildFidWPS, buildFidExcel365} {
		sub := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		src := build(t, sub)
		for _, mode := range []string{ModeColumns} {
			out := filepath.Join(sub, mode+".xlsx")
			opt := processOptions(t)
			opt.Write.Mode = mode
			if _, err := Process(src, out, opt); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, out)
		}
	}
	var sheets [][]string
	for _, out := range outs {
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sheets = append(sheets, f.GetSheetList())
		f.Close()
	}
	csvs := fidSoffice(t, outs, sheets)
	for i, out := range outs {
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, sh := range sheets[i] {
			if v, _ := f.GetSheetVisible(sh); !v {
				continue
			}
			rows, _ := f.GetRows(sh, excelize.Options{RawCellValue: true})
			lo, err := fidParseCSV(csvs[i][sh])
			if err != nil {
				t.Errorf("%s %s: %v", out, sh, err)
				continue
			}
			for r, row := range rows {
				for c, v := range row {
					if v == "" || len(v) > 1000 {
						continue
					}
					got := ""
					if r < len(lo) && c < len(lo[r]) {
						got = lo[r][c]
					}
					if strings.HasPrefix(v, "=DISPIMG(") && got == "#NAME?" {
						continue // WPS's picture-in-cell function: LibreOffice does not know it
					}
					if !fidSameValue(v, got) {
						name, _ := excelize.CoordinatesToCellName(c+1, r+1)
						if checked++; checked < 10 {
							t.Errorf("%s %s!%s: excelize %q, LibreOffice %q", filepath.Base(out), sh, name, v, got)
						}
					}
				}
			}
		}
		f.Close()
		if checked > 0 {
			t.Errorf("%s: %d cells read differently", filepath.Base(out), checked)
		}
	}
}

func fidParseCSV(s string) ([][]string, error) {
	return csv.NewReader(strings.NewReader(s)).ReadAll()
}

// fidSameValue compares a raw excelize value with LibreOffice's formatted text.
func fidSameValue(raw, shown string) bool {
	if raw == shown {
		return true
	}
	a, err1 := strconv.ParseFloat(raw, 64)
	b, err2 := strconv.ParseFloat(strings.NewReplacer(",", "", "%", "", " ", "").Replace(shown), 64)
	if err1 == nil && err2 != nil { // a date format: LibreOffice shows the date
		for _, layout := range []string{"01/02/2006", "01/02/2006 15:04:05"} {
			if d, err := time.Parse(layout, strings.TrimSpace(shown)); err == nil {
				serial, _ := excelize.ExcelDateToTime(a, false)
				return serial.Equal(d)
			}
		}
	}
	if err1 != nil || err2 != nil {
		return strings.TrimSpace(raw) == strings.TrimSpace(shown)
	}
	if strings.HasSuffix(strings.TrimSpace(shown), "%") {
		b /= 100
	}
	return math.Abs(a-b) < 0.006
}

// fidCompareRichText compares the runs of a rich-text cell.
func fidCompareRichText(t *testing.T, in, out, sheet, cell string) {
	t.Helper()
	runs := func(p string) []excelize.RichTextRun {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := f.GetCellRichText(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := runs(in), runs(out)
	if len(a) < 2 || !reflect.DeepEqual(a, b) {
		t.Errorf("%s!%s rich text:\nbefore %+v\nafter  %+v", sheet, cell, a, b)
	}
}
