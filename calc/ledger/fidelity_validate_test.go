package ledger

import (
	"archive/zip"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var (
	reValRel       = regexp.MustCompile(`<Relationship\s[^>]*>`)
	reValAttr      = regexp.MustCompile(`\s([A-Za-z:]+)="([^"]*)"`)
	reValDefault   = regexp.MustCompile(`<Default\s[^>]*Extension="([^"]*)"`)
	reValOverride  = regexp.MustCompile(`<Override\s[^>]*PartName="([^"]*)"`)
	reValRow       = regexp.MustCompile(`<row\s[^>]*?\br="(\d+)"`)
	reValCell      = regexp.MustCompile(`<c\s([^>]*?)(/>|>)`)
	reValCount     = regexp.MustCompile(`<(cellXfs|dxfs)\s[^>]*?count="(\d+)"`)
	reValUnique    = regexp.MustCompile(`<sst\s[^>]*?uniqueCount="(\d+)"`)
	reValSI        = regexp.MustCompile(`<si>`)
	reValDxfID     = regexp.MustCompile(`dxfId="(\d+)"`)
	reValSharedIdx = regexp.MustCompile(`^<v>(\d+)</v>`)
)

// fidValidate checks what Excel checks before it offers to repair a package: every part has a
// content type, every internal relationship points at a part, rows and cells are in order and
// unique, shared-string, style and differential-format indexes are in range.
func fidValidate(t testing.TB, p string) {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		parts[f.Name] = string(b)
	}
	ct := parts["[Content_Types].xml"]
	defaults, overrides := map[string]bool{}, map[string]bool{}
	for _, m := range reValDefault.FindAllStringSubmatch(ct, -1) {
		defaults[strings.ToLower(m[1])] = true
	}
	for _, m := range reValOverride.FindAllStringSubmatch(ct, -1) {
		overrides[strings.TrimPrefix(m[1], "/")] = true
	}
	base := path.Base(p)
	for name := range parts {
		if name == "[Content_Types].xml" || strings.HasSuffix(name, "/") {
			continue
		}
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
		if !overrides[name] && !defaults[ext] {
			t.Errorf("%s: part %s has no content type", base, name)
		}
	}
	for name := range overrides {
		if _, ok := parts[name]; !ok {
			t.Errorf("%s: content type for missing part %s", base, name)
		}
	}
	for name, body := range parts {
		if !strings.HasSuffix(name, ".rels") {
			continue
		}
		dir := path.Dir(path.Dir(name)) // xl/_rels/workbook.xml.rels → xl
		for _, rel := range reValRel.FindAllString(body, -1) {
			attrs := map[string]string{}
			for _, a := range reValAttr.FindAllStringSubmatch(rel, -1) {
				attrs[a[1]] = a[2]
			}
			if attrs["TargetMode"] == "External" {
				continue
			}
			target := attrs["Target"]
			var full string
			if strings.HasPrefix(target, "/") {
				full = strings.TrimPrefix(target, "/")
			} else {
				full = path.Clean(path.Join(dir, target))
			}
			if _, ok := parts[full]; !ok {
				t.Errorf("%s: %s points at missing part %s", base, name, full)
			}
		}
	}
	xfs, dxfs := -1, -1
	for _, m := range reValCount.FindAllStringSubmatch(parts["xl/styles.xml"], -1) {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "cellXfs" {
			xfs = n
		} else {
			dxfs = n
		}
	}
	if n := strings.Count(parts["xl/styles.xml"], "<xf ") - strings.Count(strings.SplitN(parts["xl/styles.xml"], "<cellXfs", 2)[0], "<xf "); xfs >= 0 && n < xfs {
		t.Errorf("%s: cellXfs count %d, %d xf elements", base, xfs, n)
	}
	sst := parts["xl/sharedStrings.xml"]
	unique := len(reValSI.FindAllStringIndex(sst, -1))
	if m := reValUnique.FindStringSubmatch(sst); m != nil {
		if n, _ := strconv.Atoi(m[1]); n != unique {
			t.Errorf("%s: uniqueCount %d, %d strings", base, n, unique)
		}
	}
	for name, body := range parts {
		if !strings.HasPrefix(name, "xl/worksheets/sheet") || !strings.HasSuffix(name, ".xml") {
			continue
		}
		lastRow := 0
		for _, row := range strings.Split(body, "<row ")[1:] {
			m := reValRow.FindStringSubmatch("<row " + row)
			if m == nil {
				t.Errorf("%s %s: a row without r", base, name)
				break
			}
			r, _ := strconv.Atoi(m[1])
			if r <= lastRow {
				t.Errorf("%s %s: row %d after %d", base, name, r, lastRow)
			}
			lastRow = r
			lastCol := 0
			if i := strings.Index(row, "</row>"); i >= 0 {
				row = row[:i]
			}
			for _, cm := range reValCell.FindAllStringSubmatchIndex(row, -1) {
				attrs := map[string]string{}
				for _, a := range reValAttr.FindAllStringSubmatch(" "+row[cm[2]:cm[3]], -1) {
					attrs[a[1]] = a[2]
				}
				col, rr, err := excelize.CellNameToCoordinates(attrs["r"])
				if err != nil || rr != r || col <= lastCol {
					t.Errorf("%s %s: cell %q in row %d after column %d", base, name, attrs["r"], r, lastCol)
					continue
				}
				lastCol = col
				if s, ok := attrs["s"]; ok {
					if n, _ := strconv.Atoi(s); xfs >= 0 && n >= xfs {
						t.Errorf("%s %s!%s: style %d of %d", base, name, attrs["r"], n, xfs)
					}
				}
				if attrs["t"] == "s" {
					if m := reValSharedIdx.FindStringSubmatch(row[cm[1]:]); m != nil {
						if n, _ := strconv.Atoi(m[1]); n >= unique {
							t.Errorf("%s %s!%s: shared string %d of %d", base, name, attrs["r"], n, unique)
						}
					}
				}
			}
		}
		for _, m := range reValDxfID.FindAllStringSubmatch(body, -1) {
			if n, _ := strconv.Atoi(m[1]); n >= dxfs {
				t.Errorf("%s %s: dxfId %d of %d", base, name, n, dxfs)
			}
		}
	}
}
