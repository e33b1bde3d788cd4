package ledger

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// fixtureSheet is the cadre's sheet name in the hand-built workbook.
const fixtureSheet = "脱贫户收入台账"

// buildFixture writes a small messy ledger (title, meta line, 2-row merged header, code row,
// 3 households, a 小计 row with a formula, a footer, a second sheet) and returns the ledger the
// reader would report for it.
func buildFixture(t testing.TB, path string, households int) *Ledger {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := fixtureSheet
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", sh))
	must(f.SetCellValue(sh, "A1", "××县××镇2026年脱贫户家庭收入台账"))
	must(f.MergeCell(sh, "A1", "H1"))
	must(f.SetCellValue(sh, "A2", "填报单位（盖章）：××镇人民政府  单位：元、人"))
	heads := []string{"序号", "行政村", "户主姓名", "户编号", "家庭人口", "家庭年收入", "", "帮扶责任人"}
	for i, h := range heads {
		c, _ := excelize.CoordinatesToCellName(i+1, 3)
		must(f.SetCellValue(sh, c, h))
	}
	must(f.SetCellValue(sh, "F4", "工资性收入"))
	must(f.SetCellValue(sh, "G4", "生产经营性收入"))
	for _, c := range []string{"A", "B", "C", "D", "E", "H"} {
		must(f.MergeCell(sh, c+"3", c+"4"))
	}
	must(f.MergeCell(sh, "F3", "G3"))
	for i := 1; i <= 8; i++ {
		c, _ := excelize.CoordinatesToCellName(i, 5)
		must(f.SetCellValue(sh, c, i))
	}
	hs, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}})
	must(f.SetCellStyle(sh, "A3", "H4", hs))
	led := &Ledger{Sheets: []SheetInfo{{Name: sh, Kind: KindHouseholds, HeaderRows: []int{3, 4}, CodeRow: 5, FirstRow: 6,
		Columns: []Column{{Index: 1, Header: "序号", Field: "seq", Unit: ""}, {Index: 2, Header: "行政村", Field: "village", Unit: ""}, {Index: 3, Header: "户主姓名", Field: "head", Unit: ""}, {Index: 4, Header: "户编号", Field: "household_id", Unit: ""},
			{Index: 5, Header: "家庭人口", Field: "members", Unit: "人"}, {Index: 6, Header: "家庭年收入/工资性收入", Field: "wage_income", Unit: "元"}, {Index: 7, Header: "家庭年收入/生产经营性收入", Field: "business_income", Unit: "元"},
			{Index: 8, Header: "帮扶责任人", Field: "cadre", Unit: ""}}, Confidence: 0.9, LastCol: 8}}}
	row := 6
	for i := 0; i < households; i++ {
		id := fmt.Sprintf("H%04d", i+1)
		vals := []any{i + 1, "红旗村", fmt.Sprintf("户主%d", i+1), id, 3, "1,200元", 800, "张干部"}
		if i%2 == 1 {
			vals[1] = "东风村"
		}
		must(f.SetSheetRow(sh, fmt.Sprintf("A%d", row), &vals))
		led.Inputs.Households = append(led.Inputs.Households, calc.Household{Ref: calc.Ref{Sheet: sh, Row: row},
			Unit: calc.Unit{County: "巴林左旗", Township: "林东镇", Village: vals[1].(string)}, ID: id, Head: vals[2].(string),
			Category: calc.CategoryLifted, Members: 3, Cadre: "张干部"})
		row++
	}
	must(f.SetCellValue(sh, fmt.Sprintf("A%d", row), "小计"))
	must(f.SetCellFormula(sh, fmt.Sprintf("G%d", row), fmt.Sprintf("SUM(G6:G%d)", row-1)))
	led.Sheets[0].Skipped = []int{row}
	led.Sheets[0].LastRow = row
	led.Sheets[0].DataRows = households
	must(f.SetCellValue(sh, fmt.Sprintf("A%d", row+2), "填表人：李四   审核人：王五"))
	_, err := f.NewSheet("说明")
	must(err)
	must(f.SetCellValue("说明", "A1", "=HYPERLINK(\"http://x\",\"y\")"))
	led.Sheets = append(led.Sheets, SheetInfo{Name: "说明"})
	led.Errors = []calc.DataError{{Sheet: sh, Row: 6, Column: "工资性收入", Message: "‘1,200元’按1200元读取", Warning: true}}
	must(f.SaveAs(path))
	return led
}

func fen(y int64) *calc.Fen { v := calc.Yuan(y); return &v }

// fixtureResult is a hand-made evaluation for the fixture: household H0001 sold 4 calves
// (4 × 200 = 800 yuan owed, 0 paid), is flagged income_decrease and has a gap of 1,500 yuan;
// H0002 has a subsidy_unpaid task only.
func fixtureResult() *calc.Result {
	u1 := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	u2 := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}
	ref1 := calc.Ref{Sheet: fixtureSheet, Row: 6}
	ref2 := calc.Ref{Sheet: fixtureSheet, Row: 7}
	return &calc.Result{Period: calc.Period{Year: 2026, Quarter: 3},
		Findings: []calc.Finding{
			{Rule: "income_decrease", Clause: "（一）", Kind: calc.KindFlag, Subject: "H0001", Household: "H0001", Unit: u1, Ref: ref1, Monitored: true,
				Explain: "预计全年人均纯收入9000元，比上年10000元减少10%"},
			{Rule: "income_gap", Clause: "（一）", Kind: calc.KindAmount, Subject: "H0001", Household: "H0001", Unit: u1, Ref: ref1, Amount: fen(1500),
				Explain: "本季度距增收目标还差1500元"},
			{Rule: "calf_sale", Clause: "（三）", Kind: calc.KindAmount, Subject: "H0001", Household: "H0001", Unit: u1, Ref: ref1, Amount: fen(800), Paid: fen(0),
				Explain: "出售犊牛4头×200元=800元，未超过每户1000元上限"},
			{Rule: "lamb_sale", Clause: "（三）", Kind: calc.KindAmount, Subject: "H0002", Household: "H0002", Unit: u2, Ref: ref2, Amount: fen(300), Paid: fen(100),
				Explain: "出售羔羊6只×50元=300元"},
		},
		Tasks: []calc.Task{
			{ID: "subsidy_unpaid|H0001|calf_sale", Rule: "subsidy_unpaid", Clause: "（三）", Subject: "H0001", Household: "H0001", Unit: u1, Ref: ref1,
				Cadre: "张干部", Due: calc.Day(2026, 12, 31), Amount: fen(800), Explain: "依据《若干措施》（三）：出售犊牛4头，应享奖补800元，尚未发放"},
			{ID: "subsidy_unpaid|H0002|lamb_sale", Rule: "subsidy_unpaid", Clause: "（三）", Subject: "H0002", Household: "H0002", Unit: u2, Ref: ref2,
				Cadre: "张干部", Due: calc.Day(2026, 12, 31), Amount: fen(200), Explain: "依据《若干措施》（三）：出售羔羊6只，应享奖补300元，已发放100元，尚欠200元"},
		},
		Errors: []calc.DataError{{Sheet: fixtureSheet, Row: 8, Column: "家庭人口", Message: "第8行‘家庭人口’为空", Rule: "income_decrease"}},
	}
}

type cellDump map[string]string // cell → value or "=formula"

func dumpSheet(t testing.TB, path, sheet string, maxCol int) (cellDump, []string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	d := cellDump{}
	for r, row := range rows {
		for c, v := range row {
			if maxCol > 0 && c+1 > maxCol {
				continue
			}
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if fm, _ := f.GetCellFormula(sheet, name); fm != "" {
				v = "=" + fm
			}
			if v != "" {
				d[name] = v
			}
		}
	}
	ms, err := f.GetMergeCells(sheet, true)
	if err != nil {
		t.Fatal(err)
	}
	var merges []string
	for _, m := range ms {
		merges = append(merges, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	return d, merges
}

func TestWriteColumnsPreservesAndAdds(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	led := buildFixture(t, in, 3)
	res := fixtureResult()
	if err := Write(in, out, led, res, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	before, mergesBefore := dumpSheet(t, in, fixtureSheet, 0)
	after, mergesAfter := dumpSheet(t, out, fixtureSheet, 8)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("cadre cells changed:\nbefore %v\nafter  %v", before, after)
	}
	for _, m := range mergesBefore {
		if !contains(mergesAfter, m) {
			t.Errorf("merge %s lost; after: %v", m, mergesAfter)
		}
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{fixtureSheet, "说明", SheetProblems, SheetSummary}) {
		t.Errorf("sheets = %v", got)
	}
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != SheetSummary {
		t.Errorf("active sheet = %s", got)
	}
	want := map[string]string{
		"I3": ResultMarker + ColFlags, "J3": ResultMarker + ColOwed, "K3": ResultMarker + ColPaid, "L3": ResultMarker + ColUnpaid,
		"M3": ResultMarker + ColGap, "N3": ResultMarker + ColTasks, "O3": ResultMarker + ColCadre,
		"I6": "收入同比减少", "J6": "800", "K6": "0", "L6": "800", "M6": "1500", "O6": "张干部",
		"J7": "300", "K7": "100", "L7": "200", // 6 lambs × 50 = 300 owed, 100 paid
		"I8": "", "O8": "张干部",
	}
	for c, v := range want {
		got, _ := f.GetCellValue(fixtureSheet, c, excelize.Options{RawCellValue: true})
		if got != v {
			t.Errorf("%s = %q, want %q", c, got, v)
		}
	}
	if v, _ := f.GetCellValue(fixtureSheet, "N6"); !strings.Contains(v, "出售犊牛4头") {
		t.Errorf("N6 = %q", v)
	}
	if typ, _ := f.GetCellType(fixtureSheet, "I6"); typ != excelize.CellTypeSharedString {
		t.Errorf("I6 type = %v, want a string", typ)
	}
	ms, _ := f.GetMergeCells(fixtureSheet, true)
	var ours []string
	for _, m := range ms {
		if c, _, _ := excelize.CellNameToCoordinates(m.GetStartAxis()); c > 8 {
			ours = append(ours, m.GetStartAxis()+":"+m.GetEndAxis())
		}
	}
	if len(ours) != 7 || ours[0] != "I3:I4" {
		t.Errorf("our header merges = %v", ours)
	}
	cf, _ := f.GetConditionalFormats(fixtureSheet)
	if len(cf) != 1 || len(cf["A6:O9"]) != 1 {
		t.Errorf("conditional formats = %v", cf)
	}
	cms, _ := f.GetComments(fixtureSheet)
	cells := map[string]bool{}
	for _, c := range cms {
		cells[c.Cell] = true
	}
	for _, c := range []string{"I6", "J6", "M6", "J7"} {
		if !cells[c] {
			t.Errorf("no comment on %s (comments: %v)", c, cells)
		}
	}
	if len(cms) != 4 {
		t.Errorf("%d comments, want 4", len(cms))
	}
	panes, _ := f.GetPanes(fixtureSheet)
	if !panes.Freeze || panes.YSplit != 5 {
		t.Errorf("panes = %+v", panes)
	}
	// 问题清单 lists the reader's warning and the rule's error.
	rows, _ := f.GetRows(SheetProblems)
	if len(rows) != 3 || rows[1][1] != fixtureSheet || rows[2][4] != "第8行‘家庭人口’为空" {
		t.Errorf("问题清单 = %v", rows)
	}
	// The formula-looking text on 说明 stays a string.
	if fm, _ := f.GetCellFormula("说明", "A1"); fm != "" {
		t.Errorf("说明!A1 became a formula %q", fm)
	}
	// 汇总: totals line and one row per unit (county, township, 2 villages).
	a3, _ := f.GetCellValue(SheetSummary, "A3")
	if !strings.Contains(a3, "3户") || !strings.Contains(a3, "纳入监测1户") || !strings.Contains(a3, "应享补贴1100元") ||
		!strings.Contains(a3, "已发放100元") || !strings.Contains(a3, "未发放1000元") || !strings.Contains(a3, "待办事项2项") {
		t.Errorf("汇总!A3 = %q", a3)
	}
	srows, _ := f.GetRows(SheetSummary)
	if len(srows) < 9 || srows[5][0] != "旗县区" || srows[7][3] != "东风村" || srows[8][3] != "红旗村" {
		t.Errorf("汇总 rows = %v", srows)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWriteReprocessIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	in, out1, out2, out3 := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "o1.xlsx"), filepath.Join(dir, "o2.xlsx"), filepath.Join(dir, "o3.xlsx")
	led := buildFixture(t, in, 3)
	res := fixtureResult()
	if err := Write(in, out1, led, res, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The reader sees our columns too; they must not count as the cadre's.
	led2 := *led
	led2.Sheets = append([]SheetInfo(nil), led.Sheets...)
	si := led2.Sheets[0]
	si.Columns = append([]Column(nil), si.Columns...)
	for i, t := range resultTitles(false) {
		si.Columns = append(si.Columns, Column{Index: 9 + i, Header: ResultMarker + t})
	}
	si.LastCol = 15
	led2.Sheets[0] = si
	if err := Write(out1, out2, &led2, res, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(out2, out3, led, res, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	d1, m1 := dumpSheet(t, out1, fixtureSheet, 0)
	for _, o := range []string{out2, out3} {
		d, m := dumpSheet(t, o, fixtureSheet, 0)
		if !reflect.DeepEqual(d1, d) {
			t.Errorf("%s: cells differ from the first output:\n%v\n%v", filepath.Base(o), d1, d)
		}
		if !reflect.DeepEqual(m1, m) {
			t.Errorf("%s: merges differ: %v vs %v", filepath.Base(o), m1, m)
		}
		f, err := excelize.OpenFile(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{fixtureSheet, "说明", SheetProblems, SheetSummary}) {
			t.Errorf("%s: sheets = %v", filepath.Base(o), got)
		}
		cf, _ := f.GetConditionalFormats(fixtureSheet)
		cms, _ := f.GetComments(fixtureSheet)
		if len(cf) != 1 || len(cms) != 4 {
			t.Errorf("%s: %d conditional formats, %d comments; want 1, 4", filepath.Base(o), len(cf), len(cms))
		}
		f.Close()
	}
}

func TestWriteCommentBudget(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	led := buildFixture(t, in, 3)
	if err := Write(in, out, led, fixtureResult(), WriteOptions{MaxComments: 2}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cms, _ := f.GetComments(fixtureSheet)
	if len(cms) != 0 {
		t.Errorf("%d comments beyond the budget", len(cms))
	}
	h, _ := f.GetCellValue(fixtureSheet, "P3")
	v, _ := f.GetCellValue(fixtureSheet, "P6")
	if h != ResultMarker+ColExplain || !strings.Contains(v, "出售犊牛4头×200元=800元") || !strings.Contains(v, "距增收目标还差1500元") {
		t.Errorf("P3 = %q, P6 = %q", h, v)
	}
}

// zipParts returns the uncompressed bytes of every part of an xlsx.
func zipParts(t testing.TB, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func TestWriteSheetModeLeavesSheetsByteIdentical(t *testing.T) {
	dir := t.TempDir()
	in, out1, out2 := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "o1.xlsx"), filepath.Join(dir, "o2.xlsx")
	led := buildFixture(t, in, 3)
	res := fixtureResult()
	opt := WriteOptions{Limits: Limits{LargeFileRows: 2}} // 3 data rows > 2: a result sheet
	if err := Write(in, out1, led, res, opt); err != nil {
		t.Fatal(err)
	}
	if err := Write(out1, out2, led, res, opt); err != nil { // reprocessing replaces our sheets
		t.Fatal(err)
	}
	pin := zipParts(t, in)
	for _, o := range []string{out1, out2} {
		po := zipParts(t, o)
		for _, part := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
			if !bytes.Equal(pin[part], po[part]) {
				t.Errorf("%s: %s changed", filepath.Base(o), part)
			}
		}
		f, err := excelize.OpenFile(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{fixtureSheet, "说明", SheetResults, SheetProblems, SheetSummary}) {
			t.Errorf("%s: sheets = %v", filepath.Base(o), got)
		}
		rows, err := f.GetRows(SheetResults, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][1] != "原表行号" || rows[1][1] != "6" || rows[1][5] != "收入同比减少" || rows[1][6] != "800" || rows[2][8] != "200" {
			t.Errorf("%s: 计算结果 = %v", filepath.Base(o), rows)
		}
		if !strings.Contains(rows[1][12], "出售犊牛4头") {
			t.Errorf("%s: 计算说明 = %q", filepath.Base(o), rows[1][12])
		}
		panes, _ := f.GetPanes(SheetResults)
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: panes = %+v", filepath.Base(o), panes)
		}
		f.Close()
		if !bytes.Contains(po["xl/worksheets/sheet3.xml"], []byte("<autoFilter")) && !anyPartContains(po, SheetResults, "<autoFilter") {
			t.Errorf("%s: no autofilter on the result sheet", filepath.Base(o))
		}
	}
}

// anyPartContains reports whether some worksheet part contains s (the result sheet's part
// number depends on what was removed before).
func anyPartContains(parts map[string][]byte, _ string, s string) bool {
	for name, b := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && bytes.Contains(b, []byte(s)) && bytes.Contains(b, []byte("原表行号")) {
			return true
		}
	}
	return false
}
