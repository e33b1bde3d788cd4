package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// fidBase is the generated 50-household ledger.
func fidBase(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "base.xlsx")
	if err := GenerateFile(p, 50, 1, GenOptions{Quarter: 3}); err != nil {
		t.Fatal(err)
	}
	return p
}

// fidEditSheet rewrites the XML of one sheet part of the workbook in to out.
func fidEditSheet(t testing.TB, in, out, sheet string, edit func(string) string) {
	t.Helper()
	part := fidSheetPart(t, in, sheet)
	fidRewriteZip(t, in, out, func(name, body string) string {
		if name == part {
			return edit(body)
		}
		return body
	}, nil)
}

// A sheet whose last row is the sheet's last possible row (1,048,576): a stray mark at the
// bottom, and the dimension saying so.
func TestFidelityLastPossibleRow(t *testing.T) {
	for _, c := range []struct{ name, cell string }{
		{"stray_text", `<c r="A1048576" t="inlineStr"><is><t>x</t></is></c>`},
		{"styled_empty", `<c r="AC1048576" s="2"/>`},
		{"number", `<c r="K1048576"><v>5</v></c>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			in := filepath.Join(dir, "in.xlsx")
			fidEditSheet(t, base, in, fidIncome, func(s string) string {
				s = strings.Replace(s, "<sheetViews>", `<dimension ref="A1:AC1048576"/><sheetViews>`, 1)
				return strings.Replace(s, "</sheetData>", `<row r="1048576">`+c.cell+`</row></sheetData>`, 1)
			})
			out := filepath.Join(dir, "out.xlsx")
			start := time.Now()
			rep, err := Process(in, out, processOptions(t))
			d := time.Since(start)
			if err != nil {
				var fe *FileError
				if !asFileError(err, &fe) || fe.Message == "" {
					t.Fatalf("err %v: not a FileError", err)
				}
				t.Logf("refused: %s", fe.Message)
				return
			}
			st, _ := os.Stat(out)
			t.Logf("mode %s in %v, output %d bytes, households %d", rep.Mode, d, st.Size(), rep.Summary.Households)
			for _, s := range rep.Sheets {
				t.Logf("sheet %s first %d last %d rows %d", s.Name, s.FirstRow, s.LastRow, s.DataRows)
			}
			if d > 10*time.Second || st.Size() > 2<<20 {
				t.Errorf("took %v, %d bytes", d, st.Size())
			}
			fidCompareCells(t, in, out, fidIncome)
			f, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, _ := f.Rows(fidIncome)
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			t.Logf("%d rows in the output sheet", n)
		})
	}
}

// Every row down to 1,048,576 present and formatted (a cadre formatted whole columns): read,
// written and reprocessed quickly, or refused with a message.
func TestFidelityMillionFormattedRows(t *testing.T) {
	t.Parallel() // a separate process / a long write: beside the other tests
	dir := t.TempDir()
	base := fidBase(t, dir)
	in := filepath.Join(dir, "in.xlsx")
	fidEditSheet(t, base, in, fidIncome, func(s string) string {
		var b strings.Builder
		b.Grow(40 << 20)
		for r := 62; r <= 1048576; r++ {
			fmt.Fprintf(&b, `<row r="%d" s="3" customFormat="1" ht="14.25"/>`, r)
		}
		return strings.Replace(s, "</sheetData>", b.String()+"</sheetData>", 1)
	})
	out := filepath.Join(dir, "out.xlsx")
	start := time.Now()
	rep, err := Process(in, out, processOptions(t))
	t.Logf("took %v", time.Since(start))
	if err != nil {
		var fe *FileError
		if !asFileError(err, &fe) || fe.Message == "" {
			t.Fatalf("err %v: not a FileError", err)
		}
		t.Logf("refused: %s", fe.Message)
		return
	}
	st, _ := os.Stat(out)
	t.Logf("mode %s, output %d bytes, households %d", rep.Mode, st.Size(), rep.Summary.Households)
}

// A ledger whose sheet XML is padded with 40 MB of spaces (a few dozen KB zipped): refused
// with the zip-bomb message, before anything is unpacked in memory.
func TestFidelityZipBombLedger(t *testing.T) {
	dir := t.TempDir()
	base := fidBase(t, dir)
	in := filepath.Join(dir, "in.xlsx")
	pad := strings.Repeat(" ", 40<<20)
	fidEditSheet(t, base, in, fidIncome, func(s string) string {
		return strings.Replace(s, "</sheetData>", pad+"</sheetData>", 1)
	})
	pad = ""
	start := time.Now()
	_, err := Process(in, filepath.Join(dir, "out.xlsx"), processOptions(t))
	var fe *FileError
	if !asFileError(err, &fe) || fe.Message != MsgZipBomb {
		t.Fatalf("err = %v, want the zip-bomb message", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

// A macro-enabled workbook renamed .xlsx: read and written back (the result named .xlsx, as the
// bot names it), the VBA project kept, and the output opens again.
func TestFidelityMacroRenamed(t *testing.T) {
	dir := t.TempDir()
	base := fidBase(t, dir)
	f, err := excelize.OpenFile(base)
	if err != nil {
		t.Fatal(err)
	}
	vba := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, []byte(strings.Repeat("VBA", 200))...)
	if err := f.AddVBAProject(vba); err != nil {
		t.Fatal(err)
	}
	xlsm := filepath.Join(dir, "macro.xlsm")
	if err := f.SaveAs(xlsm); err != nil {
		t.Fatal(err)
	}
	f.Close()
	in := filepath.Join(dir, "macro.xlsx")
	if err := os.Rename(xlsm, in); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeColumns, ModeSheet} {
		out := filepath.Join(dir, mode+"-result.xlsx")
		opt := processOptions(t)
		opt.Write.Mode = mode
		rep, err := Process(in, out, opt)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Households != 50 {
			t.Errorf("%d households", rep.Summary.Households)
		}
		fidCompareCells(t, in, out, fidIncome)
		fidValidate(t, out)
		g, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		g.Close()
		ct := fidZipPart(t, out, "[Content_Types].xml")
		t.Logf("%s: macro content type %v, vbaProject kept %v", mode, strings.Contains(ct, "macroEnabled"), fidZipPart(t, out, "xl/vbaProject.bin") != "")
	}
}

var _ = fmt.Sprint
var _ = regexp.MustCompile
