package ledger

import (
	"encoding/xml"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// buildFidExcel365 makes the generated ledger look saved by Excel 365: markup-compatibility
// (mc:Ignorable) namespaces on the root, x14ac:dyDescent on every row, xr:uid attributes, and
// the workbook's mc:AlternateContent absPath.
func buildFidExcel365(t testing.TB, dir string) string {
	t.Helper()
	base := fidBase(t, dir)
	in := filepath.Join(dir, "excel365.xlsx")
	reRow := regexp.MustCompile(`<row r="(\d+)"`)
	fidRewriteZip(t, base, in, func(name, body string) string {
		switch {
		case strings.HasPrefix(name, "xl/worksheets/sheet"):
			body = strings.Replace(body, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`,
				`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" xr:uid="{00000000-0001-0000-0000-000000000000}">`, 1)
			body = strings.Replace(body, `<sheetView workbookViewId="0"/>`, `<sheetView workbookViewId="0" xr:uid="{11111111-0001-0000-0000-000000000000}"/>`, 1)
			body = strings.Replace(body, `<sheetFormatPr defaultRowHeight="15"/>`, `<sheetFormatPr defaultRowHeight="14.25" x14ac:dyDescent="0.2"/>`, 1)
			body = reRow.ReplaceAllString(body, `<row r="$1" x14ac:dyDescent="0.2"`)
		case name == "xl/workbook.xml":
			body = strings.Replace(body, `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`,
				`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15 xr xr6 xr10 xr2" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6" xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="28328"/><workbookPr defaultThemeVersion="166925"/><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x15"><x15ac:absPath url="C:\Users\村委会\Desktop\" xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent><xr:revisionPtr revIDLastSave="0" documentId="13_ncr:1_{A1B2C3D4-0000-0000-0000-000000000000}" xr6:coauthVersionLast="47" xr6:coauthVersionMax="47" xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/>`, 1)
		}
		return body
	}, nil)
	return in
}

// fidWellFormed parses every XML part of the package with namespaces checked: an undeclared
// prefix (a row's x14ac: attribute without its xmlns) makes Excel refuse the file.
func fidWellFormed(t testing.TB, p string) {
	t.Helper()
	for _, name := range fidZipNames(t, p) {
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") && !strings.HasSuffix(name, ".vml") {
			continue
		}
		body := fidZipPart(t, p, name)
		dec := xml.NewDecoder(strings.NewReader(body))
		declared := []map[string]bool{{"xml": true, "xmlns": true}}
		for {
			tok, err := dec.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s %s: %v", filepath.Base(p), name, err)
				break
			}
			switch el := tok.(type) {
			case xml.StartElement:
				scope := map[string]bool{}
				for _, a := range el.Attr {
					if a.Name.Space == "xmlns" {
						scope[a.Name.Local] = true
					}
				}
				declared = append(declared, scope)
				isDeclared := func(prefix string) bool {
					for i := len(declared) - 1; i >= 0; i-- {
						if declared[i][prefix] {
							return true
						}
					}
					return false
				}
				if el.Name.Space != "" && !isDeclared(el.Name.Space) {
					t.Errorf("%s %s: element %s:%s with an undeclared prefix", filepath.Base(p), name, el.Name.Space, el.Name.Local)
					return
				}
				for _, a := range el.Attr {
					if a.Name.Space != "" && a.Name.Space != "xmlns" && !isDeclared(a.Name.Space) {
						t.Errorf("%s %s: attribute %s:%s with an undeclared prefix", filepath.Base(p), name, a.Name.Space, a.Name.Local)
						return
					}
				}
			case xml.EndElement:
				declared = declared[:len(declared)-1]
			}
		}
	}
}

func TestFidelityExcel365(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			in := buildFidExcel365(t, t.TempDir())
			fidWellFormed(t, in)
			out, _ := fidProcessTwice(t, in, mode, nil)
			if xml := fidSheetXML(t, out, fidIncome); !strings.Contains(xml, `x14ac:dyDescent`) {
				t.Error("rows lost x14ac:dyDescent: the check proves nothing")
			}
		})
	}
}

func TestFidelityWellFormedCatchesUndeclaredPrefix(t *testing.T) {
	dir := t.TempDir()
	base := fidBase(t, dir)
	bad := filepath.Join(dir, "bad.xlsx")
	fidEditSheet(t, base, bad, fidIncome, func(s string) string {
		return strings.Replace(s, `<row r="6"`, `<row r="6" x14ac:dyDescent="0.2"`, 1)
	})
	var rec recorder
	fidWellFormed(&rec, bad)
	if rec.errors == 0 {
		t.Error("an undeclared prefix is not reported")
	}
}

// recorder is a testing.TB that counts errors.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatal(args ...any)     { panic(args) }
func (r *recorder) Fatalf(string, ...any) { panic("fatal") }
