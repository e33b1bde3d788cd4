package ledger

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sameRows compares the reader's sheet iterator with excelize's Rows/Columns (RawCellValue)
// on every sheet of a workbook.
func sameRows(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// formulas and visibility from a second copy: excelize's Rows reads a sheet that was loaded
	// into the DOM as re-serialized from it, not as in the file
	dom, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer dom.Close()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	wb, err := readWorkbook(&zr.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sst, err := readSST(&zr.Reader, wb.sst, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range wb.sheets {
		want, err := f.Rows(sp.Name)
		if err != nil {
			continue
		}
		got, err := openSheetRows(&zr.Reader, sp.Part, sst)
		if err != nil {
			t.Fatalf("%s/%s: %v", filepath.Base(path), sp.Name, err)
		}
		raw, err := readZipPart(&zr.Reader, sp.Part, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		hidden := map[int]bool{}
		for n := 1; ; n++ {
			wn, gn := want.Next(), got.Next()
			if wn != gn {
				t.Fatalf("%s/%s row %d: Next %v, excelize %v", filepath.Base(path), sp.Name, n, gn, wn)
			}
			if !wn {
				break
			}
			// excelize gives a row missing from the XML the options of the next row read
			if inXML := got.curRow == got.seekRow; inXML && got.Hidden() != want.GetRowOpts().Hidden || !inXML && got.Hidden() {
				t.Errorf("%s/%s row %d: Hidden %v, excelize %v", filepath.Base(path), sp.Name, n, got.Hidden(), want.GetRowOpts().Hidden)
			}
			hidden[n] = got.Hidden()
			if n == 1 {
				for c := 1; c <= 40; c++ {
					name, _ := excelize.ColumnNumberToName(c)
					if vis, err := dom.GetColVisible(sp.Name, name); err == nil && vis == colHidden(got.HiddenCols(), c) {
						t.Errorf("%s/%s column %s: hidden %v, excelize visible %v", filepath.Base(path), sp.Name, name, !vis, vis)
					}
				}
			}
			if n%3 == 2 {
				continue // a row whose columns are not asked for is skipped alike
			}
			wc, werr := want.Columns()
			gc, gerr := got.Columns()
			if (werr != nil) != (gerr != nil) || !reflect.DeepEqual(wc, gc) && (len(wc) > 0 || len(gc) > 0) {
				t.Fatalf("%s/%s row %d:\n got  %q (%v)\n want %q (%v)", filepath.Base(path), sp.Name, n, gc, gerr, wc, werr)
			}
			if w := noValueOf(t, dom, raw, sp.Name, n, wc); !reflect.DeepEqual(got.NoValue(), w) {
				t.Errorf("%s/%s row %d: NoValue %v, excelize %v", filepath.Base(path), sp.Name, n, got.NoValue(), w)
			}
		}
		if (want.Error() != nil) != (got.Error() != nil) {
			t.Errorf("%s/%s: Error %v, excelize %v", filepath.Base(path), sp.Name, got.Error(), want.Error())
		}
		want.Close()
		got.Close()
		// the same through the goroutine that parses a batch ahead
		want, _ = f.Rows(sp.Name)
		sr, _ := openSheetRows(&zr.Reader, sp.Part, sst)
		async := newAsyncRows(sr)
		for n := 1; ; n++ {
			wn, gn := want.Next(), async.Next()
			if wn != gn {
				t.Fatalf("%s/%s row %d (async): Next %v, excelize %v", filepath.Base(path), sp.Name, n, gn, wn)
			}
			if !wn {
				break
			}
			wc, werr := want.Columns()
			gc, gerr := async.Columns()
			if (werr != nil) != (gerr != nil) || !reflect.DeepEqual(wc, gc) && (len(wc) > 0 || len(gc) > 0) {
				t.Fatalf("%s/%s row %d (async):\n got  %q (%v)\n want %q (%v)", filepath.Base(path), sp.Name, n, gc, gerr, wc, werr)
			}
			if w := noValueOf(t, dom, raw, sp.Name, n, wc); !reflect.DeepEqual(async.NoValue(), w) || async.Hidden() != hidden[n] {
				t.Errorf("%s/%s row %d (async): NoValue %v Hidden %v, want %v %v", filepath.Base(path), sp.Name, n, async.NoValue(), async.Hidden(), w, hidden[n])
			}
		}
		if async.ReadError() != nil || (want.Error() != nil) != (async.Error() != nil) {
			t.Errorf("%s/%s (async): errors %v %v, excelize %v", filepath.Base(path), sp.Name, async.ReadError(), async.Error(), want.Error())
		}
		want.Close()
		async.Close()
	}
}

// noValueOf lists the columns of a row's cells that excelize reads as "" and that have a
// formula, except string formulas (t="str") with a <v> in the sheet XML: a cached "" is a value.
func noValueOf(t *testing.T, f *excelize.File, raw []byte, sheet string, row int, cells []string) []int {
	var out []int
	for i, v := range cells {
		if v != "" {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, row)
		fm, err := f.GetCellFormula(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		if fm == "" {
			continue
		}
		if typ, _ := f.GetCellType(sheet, cell); typ == excelize.CellTypeFormula {
			m := regexp.MustCompile(`<(?:\w+:)?c\s[^>]*\br=["']` + cell + `["'][^>]*>(.*?)</(?:\w+:)?c>`).FindSubmatch(raw)
			if m != nil && regexp.MustCompile(`<(?:\w+:)?v[\s>/]`).Match(m[1]) {
				continue
			}
		}
		out = append(out, i+1)
	}
	return out
}

func TestSheetRowsMatchExcelize(t *testing.T) {
	dir := t.TempDir()
	paths, _ := filepath.Glob(filepath.Join(ledgerDir, "*.xlsx"))
	gen := filepath.Join(dir, "gen.xlsx")
	if err := GenerateFile(gen, 200, 7, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	cols := filepath.Join(dir, "cols.xlsx")
	if _, err := Process(gen, cols, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, gen, cols)
	tricky := filepath.Join(dir, "tricky.xlsx")
	writeTricky(t, tricky)
	paths = append(paths, tricky)
	formula, hidden := filepath.Join(dir, "formula.xlsx"), filepath.Join(dir, "hidden.xlsx")
	writeFormulaLedger(t, formula, 10)
	writeHiddenLedger(t, hidden)
	paths = append(paths, formula, hidden)
	for _, p := range paths {
		sameRows(t, p)
	}
}

// writeTricky writes a workbook with what sheet XML may hold: prefixes, rows without r, row
// gaps, cells without r, rich and phonetic text, entities, CDATA, formulas without values,
// _xHHHH_ escapes, booleans, errors, CRLF, comments, bad shared-string indexes, hidden rows and
// columns, formulas without cached values as openpyxl writes them.
func writeTricky(t *testing.T, path string) {
	const ns = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheet := `<?xml version="1.0" encoding="UTF-8"?><x:worksheet ` + ns + `><x:dimension ref="A1"/><x:cols><x:col min="2" max="3" width="0" hidden="1"/><x:col min="5" max="5" width="3"/><x:col min="7" max="7" hidden="true"/></x:cols><x:sheetData>` +
		`<x:row r="1" spans="1:5"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v> 1 </x:v></x:c><x:c r="D1" t="s"><x:v>2</x:v></x:c><x:c r="E1" t="s"><x:v>99</x:v></x:c><x:c r="F1" t="s"><x:v>x</x:v></x:c></x:row>` +
		`<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c><x:c r="E2" t="inlineStr"><x:is><x:t xml:space="preserve"> a&amp;b&lt;&#x4e2d;&#25991; </x:t></x:is></x:c></x:row>` +
		`<x:row r="5" ht="20" customHeight="1"><!-- note --><x:c r="B5"><x:f>SUM(A1:A2)</x:f></x:c><x:c r="C5" t="str"><x:f>A1</x:f><x:v>text</x:v></x:c><x:c r="D5" t="b"><x:v>1</x:v></x:c><x:c r="E5" t="e"><x:v>#DIV/0!</x:v></x:c></x:row>` +
		`<x:row r="6" hidden="1"/>` +
		"<x:row r=\"7\"><x:c r=\"A7\" t=\"inlineStr\"><x:is><x:r><x:t>one</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>two\r\nlines</x:t></x:r><x:rPh sb=\"0\" eb=\"1\"><x:t>PH</x:t></x:rPh></x:is></x:c>" +
		`<x:c r="B7" t="inlineStr"><x:is><x:t><![CDATA[<cdata & more>]]></x:t></x:is></x:c><x:c r="C7" t="inlineStr"><x:is><x:t>a_x000D_b_x005F_x0041_</x:t></x:is></x:c><x:c r='D7' s='3'><x:v>1.50</x:v></x:c><x:c r="E7" t="d"><x:v>2026-01-02T00:00:00</x:v></x:c><x:c r="F7"/></x:row>` +
		`<x:row r="8" hidden="true" customHeight="1"><x:c r="A8"><x:f>B8*2</x:f><x:v/></x:c><x:c r="B8"><x:f t="shared" ref="B8:C8" si="0">A1</x:f><x:v></x:v></x:c><x:c r="C8"><x:f t="shared" si="0"/></x:c><x:c r="D8" t="str"><x:f>IF(1,"","x")</x:f><x:v></x:v></x:c><x:c r="E8"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>` +
		`<x:row r="9"><x:c r="AA9"><x:v>-0</x:v></x:c><x:c r="b9"><x:v>7</x:v></x:c></x:row>` +
		`</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`
	sst := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">` +
		`<si><t>户主姓名</t></si><si><r><t>身份</t></r><r><rPr><b/></rPr><t xml:space="preserve">证号 </t></r><rPh><t>しん</t></rPh></si><si/><si><t>&quot;q&quot;_x0009_</t></si></sst>`
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", sst},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, p.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
