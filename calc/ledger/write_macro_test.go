package ledger

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// zipEntry returns one entry of a zip file ("" and false when absent).
func zipEntry(t testing.TB, path, name string) ([]byte, bool) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b, true
		}
	}
	return nil, false
}

// A macro-enabled workbook (.xlsm with its VBA project) written to an .xlsm (or a name that
// says nothing) comes back macro-enabled in every write path: Excel refuses an .xlsm whose
// workbook is typed as a plain .xlsx. Written to an .xlsx (the bot's result name), it is typed
// as one, as before.
func TestWriteKeepsMacroWorkbook(t *testing.T) {
	// an OLE compound file header is all excelize checks of a vbaProject.bin
	vba := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte("VBA"), 100)...)
	for _, c := range []struct{ path, dst, want string }{
		{"spliced", "out.xlsm", excelize.ContentTypeMacro},
		{"dom", "out.xlsm", excelize.ContentTypeMacro},
		{ModeSheet, "out.xlsm", excelize.ContentTypeMacro},
		{"spliced", "out.result", excelize.ContentTypeMacro},
		{"dom", "out.result", excelize.ContentTypeMacro},
		{ModeSheet, "out.result", excelize.ContentTypeMacro},
		{"spliced", "out.xlsx", excelize.ContentTypeSheetML},
		{"dom", "out.xlsx", excelize.ContentTypeSheetML},
		{ModeSheet, "out.xlsx", excelize.ContentTypeSheetML},
	} {
		path := c.path
		t.Run(path+"_"+c.dst, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.xlsm"), filepath.Join(dir, c.dst)
			f := ledgerFile(t, [][]any{
				{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）"},
				{"HQ001", "包玉山", idA, 4, 12000, 3000},
			})
			if err := f.AddVBAProject(vba); err != nil {
				t.Fatal(err)
			}
			if err := f.SaveAs(in); err != nil {
				t.Fatal(err)
			}
			f.Close()
			ct, _ := zipEntry(t, in, "[Content_Types].xml")
			if !strings.Contains(string(ct), excelize.ContentTypeMacro) {
				t.Fatalf("input is not macro-enabled: %s", ct)
			}
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
				opt := processOptions(t)
				opt.Write.Mode = ModeColumns
				if path == ModeSheet {
					opt.Write.Mode = ModeSheet
				}
				if _, err := Process(in, out, opt); err != nil {
					t.Fatal(err)
				}
			}
			ct, _ = zipEntry(t, out, "[Content_Types].xml")
			if !strings.Contains(string(ct), `PartName="/xl/workbook.xml" ContentType="`+c.want+`"`) {
				t.Errorf("output workbook content type is not %s: %s", c.want, ct)
			}
			if b, ok := zipEntry(t, out, "xl/vbaProject.bin"); !ok || !bytes.Equal(b, vba) {
				t.Errorf("vbaProject.bin lost or changed (present %v)", ok)
			}
			if rels, _ := zipEntry(t, out, "xl/_rels/workbook.xml.rels"); !strings.Contains(string(rels), "vbaProject.bin") {
				t.Errorf("workbook relationships lost the VBA project: %s", rels)
			}
		})
	}
}
