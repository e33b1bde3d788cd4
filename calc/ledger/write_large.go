package ledger

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"html"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// Sheet mode at the zip level (research note §1.4, "D-lite"). excelize's SaveAs builds the whole
// output zip in memory and reads every untouched sheet part back from its temp files, which
// for a 100k-row ledger costs gigabytes. Instead:
//
//  1. a skeleton of the workbook is made: every part copied raw, except the worksheets, the
//     shared-string table and other large parts, which become tiny placeholders;
//  2. excelize opens the skeleton (a few KB) and adds our sheets as usual: styles, 汇总 with its
//     chart, and 计算结果 / 问题清单 with their header row only (their data rows are deferred);
//  3. the output zip is assembled part by part: the cadre's parts are copied raw from the
//     original (zip.Writer.Copy: same compressed bytes), the parts excelize had to change
//     (workbook.xml, its relationships, [Content_Types].xml, styles.xml) and the parts it added
//     come from the skeleton, and the deferred rows are streamed into our sheets as XML with
//     inline strings.
//
// Memory stays bounded by the row results themselves; nothing holds a sheet's XML.

// deferredSheet is one of our streamed sheets whose data rows are written at assembly.
type deferredSheet struct {
	name string
	rows func(emit func([]excelize.Cell) error) error
}

const (
	placeholderSheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData/></worksheet>`
	placeholderSST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>`
	placeholderOther = "zengshou placeholder"
	// placeholderFrom: other parts above this size are left out of the skeleton too.
	placeholderFrom = 256 << 10
)

// workbookPaths finds the workbook part, its relationships and the styles part of a package.
func workbookPaths(files map[string]*zip.File) (wbPath, relsPath, stylesPath string) {
	wbPath, stylesPath = "xl/workbook.xml", ""
	if f := files["_rels/.rels"]; f != nil {
		if b, err := readZipFile(f, 16<<20); err == nil {
			for _, rel := range reRelElem.FindAllString(string(b), -1) {
				if strings.Contains(rel, "/officeDocument\"") {
					if m := reTargetAttr.FindStringSubmatch(rel); m != nil {
						wbPath = strings.TrimPrefix(html.UnescapeString(m[1]), "/")
					}
				}
			}
		}
	}
	relsPath = path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	if f := files[relsPath]; f != nil {
		if b, err := readZipFile(f, 16<<20); err == nil {
			for _, rel := range reRelElem.FindAllString(string(b), -1) {
				if !strings.Contains(rel, "/styles\"") {
					continue
				}
				if m := reTargetAttr.FindStringSubmatch(rel); m != nil {
					t := html.UnescapeString(m[1])
					if strings.HasPrefix(t, "/") {
						stylesPath = strings.TrimPrefix(t, "/")
					} else {
						stylesPath = path.Clean(path.Join(path.Dir(wbPath), t))
					}
				}
			}
		}
	}
	if stylesPath == "" {
		stylesPath = path.Join(path.Dir(wbPath), "styles.xml")
	}
	return wbPath, relsPath, stylesPath
}

func readZipFile(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, max))
}

// placeholderFor returns the placeholder of a part left out of the skeleton ("" = keep it).
func placeholderFor(f *zip.File, keep map[string]bool) string {
	name := f.Name
	if keep[name] || strings.HasSuffix(name, ".rels") || name == "[Content_Types].xml" {
		return ""
	}
	switch {
	case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
		return placeholderSheet
	case path.Base(name) == "sharedStrings.xml":
		return placeholderSST
	case f.UncompressedSize64 > placeholderFrom && !strings.HasPrefix(name, "xl/theme/"):
		return placeholderOther
	}
	return ""
}

// writeSkeleton writes a copy of the package to w with the worksheets, the shared strings and
// other large parts (but not keep) replaced by tiny placeholders, every other part copied raw.
// It returns the CRC-32 of each placeholder by part.
func writeSkeleton(zr *zip.Reader, keep map[string]bool, w io.Writer) (map[string]uint32, error) {
	placeholders := map[string]uint32{}
	zw := zip.NewWriter(w)
	for _, f := range zr.File {
		ph := placeholderFor(f, keep)
		if ph == "" {
			if err := zw.Copy(f); err != nil {
				return nil, fmt.Errorf("skeleton: copy %s: %w", f.Name, err)
			}
			continue
		}
		pw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err == nil {
			_, err = io.WriteString(pw, ph)
		}
		if err != nil {
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		placeholders[f.Name] = crc32.ChecksumIEEE([]byte(ph))
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("skeleton: %w", err)
	}
	return placeholders, nil
}

// writeSheetMode writes the workbook src (our old sheets already stripped) with a result sheet
// to dst at the zip level (see above).
func writeSheetMode(src, dst string, led *Ledger, res *calc.Result, opt WriteOptions) (err error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("write results: open %s: %w", filepath.Base(src), err)
	}
	defer zr.Close()
	orig := map[string]*zip.File{}
	for _, f := range zr.File {
		orig[f.Name] = f
	}
	wbPath, relsPath, stylesPath := workbookPaths(orig)
	keep := map[string]bool{wbPath: true, relsPath: true, stylesPath: true, "[Content_Types].xml": true}

	// 1. the skeleton
	tmpDir := opt.Limits.TmpDir
	skel, err := os.CreateTemp(tmpDir, "zengshou-skel-*"+workbookExt(dst, orig))
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	skelName := skel.Name()
	defer os.Remove(skelName)
	placeholders, err := writeSkeleton(&zr.Reader, keep, skel)
	if err != nil {
		skel.Close()
		return fmt.Errorf("write results: %w", err)
	}
	if err := skel.Close(); err != nil {
		return fmt.Errorf("write results: skeleton: %w", err)
	}

	// 2. our sheets, added by excelize to the skeleton
	f, err := excelize.OpenFile(skelName, openOptions(opt.Limits))
	if err != nil {
		return fmt.Errorf("write results: open %s: %w", filepath.Base(src), err)
	}
	var deferred []deferredSheet
	if stale := staleColumnsNote(led); stale != "" {
		r := *res // the note is for 汇总 only: the caller's result is left as it was
		r.Warnings = append(append([]string(nil), res.Warnings...), stale)
		res = &r
	}
	w := &writer{f: f, led: led, res: res, opt: opt, rows: collectRows(led, res), mode: ModeSheet, deferred: &deferred}
	err = w.styles()
	if err == nil {
		err = w.resultSheet()
	}
	if err == nil {
		err = w.problems()
	}
	if err == nil {
		err = w.summary()
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("write results: %w", err)
	}
	built, err := os.CreateTemp(tmpDir, "zengshou-built-*.xlsx")
	if err != nil {
		f.Close()
		return fmt.Errorf("write results: %w", err)
	}
	builtName := built.Name()
	defer os.Remove(builtName)
	_, err = f.WriteTo(built)
	if cerr := built.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write results: save: %w", err)
	}

	// 3. the output
	br, err := zip.OpenReader(builtName)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer br.Close()
	parts, err := workbookSheets(&br.Reader)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	rowsOf := map[string]deferredSheet{}
	for _, d := range deferred {
		part := sheetPartOf(parts, d.name)
		if part == "" {
			return fmt.Errorf("write results: sheet %s has no part", d.name)
		}
		rowsOf[part] = d
	}
	o, err := newOutput(dst)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			o.abort()
		}
	}()
	zo := o.zo
	zo.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, e := range br.File {
		if d, ok := rowsOf[e.Name]; ok {
			if err = writeDeferred(zo, e, d); err != nil {
				return fmt.Errorf("write results: sheet %s: %w", d.name, err)
			}
			continue
		}
		// Every part of the cadre's but the four excelize had to edit is the original's, raw
		// (excelize re-serializes some it only read, such as _rels/.rels, without changing them).
		src := e
		if o := orig[e.Name]; o != nil && !keep[e.Name] {
			if crc, ph := placeholders[e.Name]; ph && e.CRC32 != crc {
				return fmt.Errorf("write results: part %s was changed while adding our sheets", e.Name)
			}
			src = o
		}
		if err = zo.Copy(src); err != nil {
			return fmt.Errorf("write results: copy %s: %w", e.Name, err)
		}
	}
	return o.finish(dst)
}

// staleColumnsNote is the 汇总 note for result columns an earlier run left on the cadre's sheets
// ("" when there are none). Sheet mode copies those sheets as they are, so the columns stay
// beside the rows with the earlier run's figures.
func staleColumnsNote(led *Ledger) string {
	var sheets []string
	for _, si := range led.Sheets {
		for _, c := range si.Columns {
			if strings.HasPrefix(strings.TrimSpace(c.Header), ResultMarker) {
				sheets = append(sheets, "“"+si.Name+"”")
				break
			}
		}
	}
	if len(sheets) == 0 {
		return ""
	}
	return strings.Join(sheets, "、") + "中表头以" + ResultMarker + "开头的列是此前一次计算留下的，本次没有更新（本次结果在“" +
		SheetResults + "”工作表）：请以“" + SheetResults + "”为准，这些旧列可以删除。"
}

// output is a result workbook being written as a zip into a temporary file beside its
// destination; finish renames it into place, abort removes it.
type output struct {
	f  *os.File
	bw *bufio.Writer
	zo *zip.Writer
}

func newOutput(dst string) (*output, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), ".zengshou-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("write results: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	return &output{f: f, bw: bw, zo: zip.NewWriter(bw)}, nil
}

func (o *output) abort() {
	o.f.Close()
	os.Remove(o.f.Name())
}

// finish closes the zip, flushes and closes the file, and renames it to dst (0640: the workbook
// holds names and ID numbers).
func (o *output) finish(dst string) error {
	if err := o.zo.Close(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := o.bw.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := o.f.Close(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.Chmod(o.f.Name(), 0o640); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.Rename(o.f.Name(), dst); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func sheetPartOf(parts []sheetPart, name string) string {
	for _, p := range parts {
		if p.Name == name {
			return p.Part
		}
	}
	return ""
}

// writeDeferred writes one of our sheets: excelize's part (header row only) with the data rows
// streamed in before </sheetData>.
func writeDeferred(zo *zip.Writer, e *zip.File, d deferredSheet) error {
	b, err := readZipFile(e, 64<<20)
	if err != nil {
		return err
	}
	end := bytes.LastIndex(b, []byte("</sheetData>"))
	if end < 0 {
		return fmt.Errorf("no sheetData in %s", e.Name)
	}
	fh := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Modified}
	pw, err := zo.CreateHeader(fh)
	if err != nil {
		return err
	}
	if _, err := pw.Write(b[:end]); err != nil {
		return err
	}
	// The rows are built here and compressed in a goroutine: the two take about as long.
	const chunk = 96 << 10
	full := make(chan []byte, 3)
	free := make(chan []byte, 4)
	for range 4 {
		free <- make([]byte, 0, chunk+(32<<10))
	}
	werr := make(chan error, 1)
	go func() {
		var err error
		for c := range full {
			if err == nil {
				_, err = pw.Write(c)
			}
			free <- c[:0]
		}
		werr <- err
	}()
	buf := <-free
	row := 1
	err = d.rows(func(cells []excelize.Cell) error {
		row++
		buf = appendRowXML(buf, row, cells)
		if len(buf) >= chunk {
			full <- buf
			buf = <-free
		}
		return nil
	})
	full <- buf
	close(full)
	if e := <-werr; err == nil {
		err = e
	}
	if err != nil {
		return err
	}
	_, err = pw.Write(b[end:])
	return err
}

// appendRowXML appends one <row> of a worksheet: strings inline (never formulas), numbers as
// values, blank styled cells as empty <c>.
func appendRowXML(b []byte, row int, cells []excelize.Cell) []byte {
	b = append(b, `<row r="`...)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, `">`...)
	for i, c := range cells {
		if c.Value == nil && c.StyleID == 0 {
			continue
		}
		b = appendCellXML(b, i+1, row, c)
	}
	return append(b, `</row>`...)
}

// appendCellXML appends one <c>.
func appendCellXML(b []byte, col, row int, c excelize.Cell) []byte {
	b = append(b, `<c r="`...)
	b = appendColumnName(b, col)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if c.StyleID != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(c.StyleID), 10)
		b = append(b, '"')
	}
	var num []byte
	str, isStr := "", false
	switch v := c.Value.(type) {
	case nil:
	case string:
		str, isStr = v, true
	case int:
		num = strconv.AppendInt(num, int64(v), 10)
	case int64:
		num = strconv.AppendInt(num, v, 10)
	case float64:
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			num = strconv.AppendFloat(num, v, 'f', -1, 64)
		}
	default:
		str, isStr = fmt.Sprint(v), true
	}
	switch {
	case isStr && str != "":
		b = append(b, ` t="inlineStr"><is><t`...)
		str = truncateCell(str)
		if needsPreserve(str) {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = appendEscaped(b, str)
		b = append(b, `</t></is></c>`...)
	case num != nil:
		b = append(b, `><v>`...)
		b = append(b, num...)
		b = append(b, `</v></c>`...)
	default:
		b = append(b, `/>`...)
	}
	return b
}

func appendColumnName(b []byte, col int) []byte {
	var tmp [4]byte
	i := len(tmp)
	for col > 0 {
		col--
		i--
		tmp[i] = byte('A' + col%26)
		col /= 26
	}
	return append(b, tmp[i:]...)
}

// truncateCell cuts a text to Excel's 32,767 UTF-16 units per cell.
func truncateCell(s string) string {
	if len(s) <= excelize.TotalCellChars {
		return s
	}
	n := 0
	for i, r := range s {
		n += len(utf16.Encode([]rune{r}))
		if n > excelize.TotalCellChars {
			return s[:i]
		}
	}
	return s
}

func needsPreserve(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte{s[0], s[len(s)-1]} {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

// appendEscaped appends s escaped as XML character data as encoding/xml.EscapeText does
// (quotes and \t \n \r as character references); what XML cannot hold becomes U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '&':
			esc = "&amp;"
		case c == '"':
			esc = "&#34;"
		case c == '\'':
			esc = "&#39;"
		case c == '\t':
			esc = "&#x9;"
		case c == '\n':
			esc = "&#xA;"
		case c == '\r':
			esc = "&#xD;"
		case c < 0x20:
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if r == utf8.RuneError && n == 1 || !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}
