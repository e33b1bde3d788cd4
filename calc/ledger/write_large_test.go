package ledger

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rawEntries returns every zip entry's header fields and raw (still compressed) bytes.
type rawEntry struct {
	method     uint16
	crc        uint32
	compressed uint64
	raw        []byte
}

func rawEntries(t testing.TB, path string) map[string]rawEntry {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]rawEntry{}
	for _, f := range zr.File {
		rc, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = rawEntry{f.Method, f.CRC32, f.CompressedSize64, b}
	}
	return out
}

// The zip-level sheet-mode writer copies the cadre's parts raw (same compressed bytes), marks
// our three sheets, keeps reprocessing idempotent and streams every result row.
func TestWriteSheetModeZipLevel(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.xlsx")
	if err := GenerateFile(in, 300, 1, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	opt := processOptions(t)
	opt.Write.Mode = ModeSheet
	out1, out2 := filepath.Join(dir, "o1.xlsx"), filepath.Join(dir, "o2.xlsx")
	rep1, err := Process(in, out1, opt)
	if err != nil {
		t.Fatal(err)
	}
	rep2, err := Process(out1, out2, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep1.Mode != ModeSheet || rep2.Mode != ModeSheet {
		t.Fatalf("modes %s, %s", rep1.Mode, rep2.Mode)
	}
	orig := rawEntries(t, in)
	zr, err := zip.OpenReader(in)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	wbPath, relsPath, stylesPath := workbookPaths(files)
	zr.Close()
	edited := map[string]bool{wbPath: true, relsPath: true, stylesPath: true, "[Content_Types].xml": true}
	var sheets []string
	for _, o := range []string{out1, out2} {
		got := rawEntries(t, o)
		for name, e := range orig {
			if edited[name] {
				continue
			}
			g, ok := got[name]
			if !ok {
				t.Errorf("%s: part %s lost", filepath.Base(o), name)
				continue
			}
			if g.method != e.method || g.crc != e.crc || g.compressed != e.compressed || !bytes.Equal(g.raw, e.raw) {
				t.Errorf("%s: part %s not copied raw", filepath.Base(o), name)
			}
		}
		f, err := excelize.OpenFile(o)
		if err != nil {
			t.Fatal(err)
		}
		list := f.GetSheetList()
		if sheets == nil {
			sheets = list
		} else if !reflect.DeepEqual(list, sheets) {
			t.Errorf("%s: sheets %v, first output %v", filepath.Base(o), list, sheets)
		}
		ours := ourSheetsOf(f)
		if !ours[SheetResults] || !ours[SheetProblems] || !ours[SheetSummary] || len(ours) != 3 {
			t.Errorf("%s: marked sheets %v", filepath.Base(o), ours)
		}
		rows, err := f.GetRows(SheetResults, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 301 { // header + at least one row per household
			t.Errorf("%s: %d result rows", filepath.Base(o), len(rows))
		}
		if rows[0][1] != "原表行号" || rows[1][1] == "" {
			t.Errorf("%s: 计算结果 starts %v / %v", filepath.Base(o), rows[0], rows[1])
		}
		probs, _ := f.GetRows(SheetProblems)
		if len(probs) != len(rep1.Errors)+1 && !(len(rep1.Errors) == 0 && len(probs) == 2) {
			t.Errorf("%s: 问题清单 has %d rows for %d problems", filepath.Base(o), len(probs), len(rep1.Errors))
		}
		a1, _ := f.GetCellValue(SheetSummary, "A1")
		if !strings.HasPrefix(a1, "增收计算汇总") {
			t.Errorf("%s: 汇总 A1 = %q", filepath.Base(o), a1)
		}
		f.Close()
		chart := false
		for name := range got {
			if strings.HasPrefix(name, "xl/charts/chart") {
				chart = true
			}
		}
		if !chart {
			t.Errorf("%s: no chart on 汇总", filepath.Base(o))
		}
	}
	// the two outputs hold the same results
	r1, _ := dumpSheet(t, out1, SheetResults, 0)
	r2, _ := dumpSheet(t, out2, SheetResults, 0)
	if !reflect.DeepEqual(r1, r2) {
		t.Error("reprocessing changed 计算结果")
	}
}

func TestAppendRowXML(t *testing.T) {
	got := string(appendRowXML(nil, 7, []excelize.Cell{
		{Value: "a<b&\"c\"", StyleID: 3}, {}, {Value: 12}, {Value: 1.5, StyleID: 2}, {StyleID: 4}, {Value: " x\n"},
	}))
	want := `<row r="7"><c r="A7" s="3" t="inlineStr"><is><t>a&lt;b&amp;&#34;c&#34;</t></is></c><c r="C7"><v>12</v></c>` +
		`<c r="D7" s="2"><v>1.5</v></c><c r="E7" s="4"/><c r="F7" t="inlineStr"><is><t xml:space="preserve"> x&#xA;</t></is></c></row>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if n := string(appendColumnName(nil, 28)); n != "AB" {
		t.Errorf("column 28 = %s", n)
	}
	long := strings.Repeat("字", excelize.TotalCellChars+10)
	if n := len([]rune(truncateCell(long))); n != excelize.TotalCellChars {
		t.Errorf("truncated to %d", n)
	}
}

func TestAppendEscapedMatchesEncodingXML(t *testing.T) {
	cases := []string{"", "plain", "a<b>&\"'", "\t\n\r", "\x00\x01\x1f", "中文\u3000ｘ", "\xff\xfe", "\uFFFE\uFFFF", "\U0001F600", "x\u2028y", "\ud7ff\ue000"}
	rng := rand.New(rand.NewSource(2))
	for range 500 {
		b := make([]byte, rng.Intn(24))
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var want bytes.Buffer
		_ = xml.EscapeText(&want, []byte(s))
		if got := string(appendEscaped(nil, s)); got != want.String() {
			t.Errorf("appendEscaped(%q) = %q, want %q", s, got, want.String())
		}
	}
}
