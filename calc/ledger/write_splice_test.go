package ledger

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// sameWorkbook compares what two outputs show: sheets, values, cell styles, merges,
// conditional formats, comments, panes, column widths and defined names.
func sameWorkbook(t *testing.T, a, b string) {
	t.Helper()
	fa, err := excelize.OpenFile(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := excelize.OpenFile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if la, lb := fa.GetSheetList(), fb.GetSheetList(); !reflect.DeepEqual(la, lb) {
		t.Fatalf("sheets %v vs %v", la, lb)
	}
	if da, db := fa.GetDefinedName(), fb.GetDefinedName(); !reflect.DeepEqual(da, db) {
		t.Errorf("defined names %v vs %v", da, db)
	}
	for _, sh := range fa.GetSheetList() {
		ra, _ := fa.GetRows(sh, excelize.Options{RawCellValue: true})
		rb, _ := fb.GetRows(sh, excelize.Options{RawCellValue: true})
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s: values differ:\n%q\n%q", sh, ra, rb)
			continue
		}
		width := 0
		for _, r := range ra {
			width = max(width, len(r))
		}
		for r := 1; r <= len(ra)+2; r++ {
			for c := 1; c <= width+2; c++ {
				cell, _ := excelize.CoordinatesToCellName(c, r)
				sa, _ := fa.GetCellStyle(sh, cell)
				sb, _ := fb.GetCellStyle(sh, cell)
				if sa != sb {
					t.Errorf("%s!%s: style %d vs %d", sh, cell, sa, sb)
				}
			}
			ha, _ := fa.GetRowHeight(sh, r)
			hb, _ := fb.GetRowHeight(sh, r)
			if ha != hb {
				t.Errorf("%s row %d: height %v vs %v", sh, r, ha, hb)
			}
		}
		for c := 1; c <= width+2; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			wa, _ := fa.GetColWidth(sh, name)
			wb, _ := fb.GetColWidth(sh, name)
			if wa != wb {
				t.Errorf("%s col %s: width %v vs %v", sh, name, wa, wb)
			}
		}
		ma, _ := fa.GetMergeCells(sh, true)
		mb, _ := fb.GetMergeCells(sh, true)
		if !reflect.DeepEqual(ma, mb) {
			t.Errorf("%s: merges %v vs %v", sh, ma, mb)
		}
		ca, _ := fa.GetConditionalFormats(sh)
		cb, _ := fb.GetConditionalFormats(sh)
		if !reflect.DeepEqual(ca, cb) {
			t.Errorf("%s: conditional formats %v vs %v", sh, ca, cb)
		}
		ka, _ := fa.GetComments(sh)
		kb, _ := fb.GetComments(sh)
		if !reflect.DeepEqual(ka, kb) {
			t.Errorf("%s: %d vs %d comments", sh, len(ka), len(kb))
		}
		pa, _ := fa.GetPanes(sh)
		pb, _ := fb.GetPanes(sh)
		if !reflect.DeepEqual(pa, pb) {
			t.Errorf("%s: panes %+v vs %+v", sh, pa, pb)
		}
	}
	if fa.GetActiveSheetIndex() != fb.GetActiveSheetIndex() {
		t.Errorf("active sheet %d vs %d", fa.GetActiveSheetIndex(), fb.GetActiveSheetIndex())
	}
}

// The splicing columns writer shows the same workbook as strategy A (every sheet in
// excelize's DOM), first time and reprocessing its own output.
func TestWriteColumnsSplicedMatchesDOM(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.xlsx")
	if err := GenerateFile(gen, 300, 1, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(dir, "fixture.xlsx")
	fled := buildFixture(t, fixture, 3)
	pol := config.DefaultPolicy()
	check := func(name, in string, led *Ledger, res *calc.Result, opt WriteOptions) string {
		spliced, dom := filepath.Join(dir, name+"-spliced.xlsx"), filepath.Join(dir, name+"-dom.xlsx")
		if err := writeColumnsSpliced(in, spliced, led, res, opt); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := writeColumnsDOM(in, dom, led, res, opt, ModeColumns); err != nil {
			t.Fatal(err)
		}
		sameWorkbook(t, spliced, dom)
		return spliced
	}
	led, err := Read(gen, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	out := check("gen", gen, led, calc.Evaluate(q3, pol, &led.Inputs), WriteOptions{Mode: ModeColumns})
	led2, err := Read(out, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	check("again", out, led2, calc.Evaluate(q3, pol, &led2.Inputs), WriteOptions{Mode: ModeColumns})
	check("budget", gen, led, calc.Evaluate(q3, pol, &led.Inputs), WriteOptions{Mode: ModeColumns, MaxComments: 5})
	check("fixture", fixture, fled, fixtureResult(), WriteOptions{Mode: ModeColumns})
}
