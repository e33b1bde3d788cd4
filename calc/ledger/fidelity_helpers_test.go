package ledger

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Fidelity checks: what the cadre had in the workbook is still there after Process.

// fidCell is one cell as excelize reports it.
type fidCell struct {
	Value   string // raw value
	Formula string
	Style   int
}

var reFidCellRef = regexp.MustCompile(`<c\s[^>]*?\br="([A-Z]{1,3}\d+)"`)

// fidSheetXML is the XML of a sheet part.
func fidSheetXML(t testing.TB, path, sheet string) string { return sheetPartText(t, path, sheet) }

// fidZipPart is one part of the package ("" when absent).
func fidZipPart(t testing.TB, path, name string) string {
	b, _ := zipEntry(t, path, name)
	return string(b)
}

func fidZipNames(t testing.TB, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// fidCells lists every cell element of the sheet with its value, formula and style.
func fidCells(t testing.TB, f *excelize.File, path, sheet string) map[string]fidCell {
	t.Helper()
	out := map[string]fidCell{}
	for _, m := range reFidCellRef.FindAllStringSubmatch(fidSheetXML(t, path, sheet), -1) {
		ref := m[1]
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		fm, err := f.GetCellFormula(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		out[ref] = fidCell{v, fm, st}
	}
	return out
}

// fidCompareCells reports every cell of the original sheet whose value, formula or style
// (id and what the id means) differs in the output. skipCol > 0 ignores the columns from it
// (our result columns).
func fidCompareCells(t testing.TB, inPath, outPath, sheet string) {
	t.Helper()
	fi, err := excelize.OpenFile(inPath)
	if err != nil {
		t.Fatal(err)
	}
	defer fi.Close()
	fo, err := excelize.OpenFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer fo.Close()
	before := fidCells(t, fi, inPath, sheet)
	n := 0
	for ref, b := range before {
		v, _ := fo.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		fm, _ := fo.GetCellFormula(sheet, ref)
		st, _ := fo.GetCellStyle(sheet, ref)
		a := fidCell{v, fm, st}
		// excelize quotes a sheet reference when it adjusts a formula ('[1]2025年台账'!A1, as
		// Excel writes a sheet name starting with a digit): the same reference
		if a != b && strings.ReplaceAll(a.Formula, "'", "") == strings.ReplaceAll(b.Formula, "'", "") {
			a.Formula = b.Formula
		}
		if a != b {
			if n++; n <= 15 {
				t.Errorf("%s!%s: before %+v, after %+v", sheet, ref, b, a)
			}
			continue
		}
		if b.Style != 0 {
			sb, err1 := fi.GetStyle(b.Style)
			sa, err2 := fo.GetStyle(a.Style)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(sb, sa) {
				if n++; n <= 15 {
					t.Errorf("%s!%s: style %d means %+v before, %+v after (%v %v)", sheet, ref, b.Style, sb, sa, err1, err2)
				}
			}
		}
	}
	if n > 15 {
		t.Errorf("%s: %d cells differ in all", sheet, n)
	}
}

// fidPNG is a small PNG image.
func fidPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{200, uint8(x * 16), uint8(y * 16), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// fidRewriteZip rewrites parts of a package: edit returns the new content of a part (or
// the same) and may add parts through add.
func fidRewriteZip(t testing.TB, in, out string, edit func(name, body string) string, add map[string]string) {
	t.Helper()
	zr, err := zip.OpenReader(in)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		s := edit(f.Name, string(b))
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, s)
	}
	names := make([]string, 0, len(add))
	for n := range add {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, _ := zw.Create(n)
		io.WriteString(w, add[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fidSoffice converts workbooks to one CSV per sheet with LibreOffice (one run for all), or
// skips when LibreOffice is absent. It returns, per workbook, the CSV text of each sheet by name.
func fidSoffice(t *testing.T, paths []string, sheets [][]string) []map[string]string {
	t.Helper()
	bin, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed")
	}
	dir := t.TempDir()
	args := []string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir}
	for i, p := range paths {
		in := filepath.Join(dir, fmt.Sprintf("book%d.xlsx", i))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(in, b, 0o600)
		args = append(args, in)
	}
	start := time.Now()
	cmd := exec.Command(bin, args...)
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("soffice timed out")
	}
	if err != nil {
		t.Fatalf("soffice: %v: %s", err, outb.String())
	}
	t.Logf("soffice took %v for %d workbooks", time.Since(start), len(paths))
	var all []map[string]string
	for i := range paths {
		out := map[string]string{}
		for _, s := range sheets[i] {
			b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("book%d-%s.csv", i, s)))
			if err != nil {
				t.Errorf("LibreOffice gave no sheet %s of %s (%v): %s", s, paths[i], err, outb.String())
				continue
			}
			out[s] = string(b)
		}
		all = append(all, out)
	}
	return all
}

func fidMust(t testing.TB) func(error) {
	return func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func fidSortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// fidTwice processes in in mode, then its output again (a re-upload), and returns the two
// outputs; with households > 0, each run must find that many households.
func fidTwice(t *testing.T, dir, mode, in string, households int) []string {
	t.Helper()
	var outs []string
	cur := in
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, mode+strings.Repeat("2", i)+".xlsx")
		opt := processOptions(t)
		opt.Write.Mode = mode
		rep, err := Process(cur, out, opt)
		if err != nil {
			t.Fatalf("%s run %d: %v", mode, i+1, err)
		}
		if households > 0 && rep.Summary.Households != households {
			t.Errorf("%s run %d: %d households, want %d", mode, i+1, rep.Summary.Households, households)
		}
		outs = append(outs, out)
		cur = out
	}
	return outs
}
