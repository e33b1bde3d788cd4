package ledger

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rewriteZip writes dst as src with each entry passed through fn: its new bytes, or drop to
// leave the entry out.
func rewriteZip(t *testing.T, src, dst string, fn func(name string, b []byte) (out []byte, drop bool)) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
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
		b, drop := fn(f.Name, b)
		if drop {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// withoutStyles rewrites a workbook without its styles part (optional in a package, and left
// out by some programs that export ledgers): the part, its relationship and its content type.
func withoutStyles(t *testing.T, src, dst string) {
	t.Helper()
	rel := regexp.MustCompile(`<Relationship[^>]*styles\.xml"[^>]*>(</Relationship>)?`)
	ct := regexp.MustCompile(`<Override PartName="/xl/styles\.xml"[^>]*>(</Override>)?`)
	rewriteZip(t, src, dst, func(name string, b []byte) ([]byte, bool) {
		if name == "xl/styles.xml" {
			return nil, true
		}
		s := ct.ReplaceAllString(rel.ReplaceAllString(string(b), ""), "")
		if strings.Contains(s, "styles.xml") {
			t.Fatalf("%s still names styles.xml", name)
		}
		return []byte(s), false
	})
}

// A workbook without a styles part is processed in both write modes: results are written (the
// part is added to the working copy), where excelize panicked creating the first style and the
// cadre got an internal error.
func TestProcessWorkbookWithoutStyles(t *testing.T) {
	dir := t.TempDir()
	src, in := filepath.Join(dir, "src.xlsx"), filepath.Join(dir, "nostyles.xlsx")
	if err := GenerateFile(src, 30, 2, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	withoutStyles(t, src, in)
	want, err := Process(src, filepath.Join(dir, "want.xlsx"), processOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeColumns, ModeSheet} {
		out := filepath.Join(dir, mode+".xlsx")
		opt := processOptions(t)
		opt.Write.Mode = mode
		opt.Read.PreparedDir = t.TempDir()
		rep, err := Process(in, out, opt)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if len(rep.Findings) != len(want.Findings) || len(rep.Tasks) != len(want.Tasks) {
			t.Fatalf("%s: %d findings, %d tasks; with styles %d, %d", mode, len(rep.Findings), len(rep.Tasks), len(want.Findings), len(want.Tasks))
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatalf("%s: output: %v", mode, err)
		}
		if idx, _ := f.GetSheetIndex(SheetSummary); idx < 0 {
			t.Errorf("%s: no %s sheet in %v", mode, SheetSummary, f.GetSheetList())
		}
		f.Close()
	}
}
