package ledger

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// toStrictFile rewrites a transitional workbook into Strict Open XML as Excel saves it: strict
// namespaces and relationship types, conformance="strict" on the workbook.
func toStrictFile(t *testing.T, src, dst string) {
	t.Helper()
	rewriteZip(t, src, dst, func(name string, b []byte) ([]byte, bool) {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			for i := len(strictNamespaces) - 1; i >= 0; i-- {
				ns := strictNamespaces[i]
				b = bytes.ReplaceAll(b, []byte(ns.transitional), []byte(ns.strict))
			}
			if name == "xl/workbook.xml" {
				b = bytes.Replace(b, []byte("<workbook "), []byte(`<workbook conformance="strict" `), 1)
			}
		}
		return b, false
	})
}

// A Strict Open XML upload is read, and its result is a workbook that opens: the workbook part
// declares the r: prefix it uses (excelize alone dropped it), with the cadre's rows as they were.
func TestProcessStrictWorkbook(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			plain, in, out := filepath.Join(dir, "plain.xlsx"), filepath.Join(dir, "strict.xlsx"), filepath.Join(dir, "out.xlsx")
			writeHiddenLedger(t, plain)
			toStrictFile(t, plain, in)
			if b, _ := zipEntry(t, in, "xl/workbook.xml"); !bytes.Contains(b, []byte("http://purl.oclc.org/ooxml/spreadsheetml/main")) {
				t.Fatalf("not strict: %s", b)
			}
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			if n := rep.Summary.Households; n != 6 {
				t.Errorf("%d households, want 6", n)
			}
			wb, _ := zipEntry(t, out, "xl/workbook.xml")
			if !bytes.Contains(wb, []byte(`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`)) ||
				bytes.Contains(wb, []byte("conformance")) {
				t.Errorf("workbook part: %s", wb)
			}
			zr, err := zip.OpenReader(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if bytes.Contains(b, []byte("purl.oclc.org/ooxml")) {
					t.Errorf("%s keeps a strict namespace", f.Name)
				}
			}
			zr.Close()
			a, err := excelize.OpenFile(plain)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ra, _ := a.GetRows(formulaSheet, excelize.Options{RawCellValue: true})
			rb, _ := b.GetRows(formulaSheet, excelize.Options{RawCellValue: true})
			if len(ra) != len(rb) {
				t.Fatalf("%d rows, want %d", len(rb), len(ra))
			}
			for i := range ra {
				w := len(ra[i])
				if len(rb[i]) < w || !reflect.DeepEqual(ra[i], rb[i][:w]) {
					t.Errorf("row %d = %q, want %q first", i+1, rb[i], ra[i])
				}
			}
			if vis, err := b.GetRowVisible(formulaSheet, 4); err != nil || vis {
				t.Errorf("row 4 visible %v (%v)", vis, err)
			}
		})
	}
}

// A large part is rewritten in its head only (its root element's declarations); the rest is
// copied as it is.
func TestCopyTransitionalHead(t *testing.T) {
	root := `<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships"><sheetData>`
	body := strings.Repeat(`<row r="1"><c r="A1"><v>1</v></c></row>`, 5000)
	var w bytes.Buffer
	if err := copyTransitional(&w, strings.NewReader(root+body+`</sheetData></worksheet>`), false, false, 1<<30); err != nil {
		t.Fatal(err)
	}
	want := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>` +
		body + `</sheetData></worksheet>`
	if w.String() != want {
		t.Errorf("copy differs (%d vs %d bytes): %.200s", w.Len(), len(want), w.String())
	}
}
