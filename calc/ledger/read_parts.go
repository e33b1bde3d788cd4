package ledger

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetPart is a worksheet's name, zip part and visibility, from xl/workbook.xml and its rels
// (excelize keeps that mapping unexported).
type sheetPart struct {
	Name   string
	Part   string
	Hidden bool
}

func readZipPart(zr *zip.Reader, name string, max int64) ([]byte, error) {
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("open part %s: %w", name, err)
			}
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, max))
			if err != nil {
				return nil, fmt.Errorf("read part %s: %w", name, err)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("read part %s: not found", name)
}

// workbookSheets resolves every sheet's part name.
func workbookSheets(zr *zip.Reader) ([]sheetPart, error) {
	wb, err := readWorkbook(zr)
	if err != nil {
		return nil, err
	}
	return wb.sheets, nil
}

// workbookInfo is what the reader needs from xl/workbook.xml and its relationships.
type workbookInfo struct {
	sheets   []sheetPart // in workbook order
	sst      string      // the shared-string part ("" = none)
	date1904 bool
	ours     map[string]bool // our sheets from an earlier run (marked with MarkerName)
}

// readWorkbook reads the sheet list, the shared-string part, the date system and our marker
// names from the workbook part and its relationships.
func readWorkbook(zr *zip.Reader) (*workbookInfo, error) {
	wb, err := readZipPart(zr, "xl/workbook.xml", 16<<20)
	if err != nil {
		return nil, err
	}
	rels, err := readZipPart(zr, "xl/_rels/workbook.xml.rels", 16<<20)
	if err != nil {
		return nil, err
	}
	info := &workbookInfo{ours: map[string]bool{}}
	targets := map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(rels))
	dec.Strict = false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var id, target, typ string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					id = a.Value
				case "Target":
					target = a.Value
				case "Type":
					typ = a.Value
				}
			}
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join("xl", target)
			}
			targets[id] = target
			if strings.HasSuffix(typ, "/sharedStrings") {
				info.sst = target
			}
		}
	}
	dec = xml.NewDecoder(bytes.NewReader(wb))
	dec.Strict = false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "sheet":
			var sp sheetPart
			var rid string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					sp.Name = a.Value
				case a.Name.Local == "state":
					sp.Hidden = a.Value == "hidden" || a.Value == "veryHidden"
				case a.Name.Local == "id":
					rid = a.Value
				}
			}
			sp.Part = targets[rid]
			info.sheets = append(info.sheets, sp)
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					info.date1904 = a.Value == "1" || a.Value == "true"
				}
			}
		}
	}
	for i := range markedSheetIndexes(string(wb)) {
		if i >= 0 && i < len(info.sheets) {
			info.ours[info.sheets[i].Name] = true
		}
	}
	return info, nil
}

// sheetTail is what a worksheet says after its rows: the merged ranges, the active filters
// and its tables.
type sheetTail struct {
	merges []mergeRange
	// filters are the ranges of the sheet's autofilter and its tables' autofilters that have
	// criteria (a <filterColumn> with a filter in it): rows in them may be hidden by the filter
	// (筛选) rather than by hand.
	filters []mergeRange
	tables  []string // relationship ids of the sheet's tables (<tablePart r:id>)
}

// scanMerges reads a worksheet's <mergeCell ref> list, its <autoFilter> and its <tablePart>s
// by skipping to the end of <sheetData> (any namespace prefix) and decoding only the tail; at
// most max ranges are kept. It never builds the sheet's DOM (GetMergeCells would: 2 GiB for
// 100k rows).
func scanMerges(zr *zip.Reader, part string, max int) (sheetTail, error) {
	var out sheetTail
	rc, err := openPart(zr, part)
	if err != nil {
		return out, fmt.Errorf("scan merges: %w", err)
	}
	defer rc.Close()
	s := newXscan(rc)
	if !s.skipPastSheetData() {
		return out, nil // no sheetData end: no merges
	}
	var af autoFilterScan
	for len(out.merges) < max {
		switch s.next() {
		case tokNone:
			out.filters = af.active
			return out, nil
		case tokStart:
			switch {
			case s.is("mergeCell"):
				if v, ok := s.attr("ref"); ok {
					if m, ok := parseRef(string(v)); ok {
						out.merges = append(out.merges, m)
					}
				}
			case s.is("tablePart"):
				if v, ok := s.attr("id"); ok && len(out.tables) < 100 {
					out.tables = append(out.tables, string(v))
				}
			default:
				af.tag(s)
			}
		case tokEnd:
			af.tag(s)
		}
	}
	out.filters = af.active
	return out, nil
}

// autoFilterScan follows <autoFilter> elements through a tokenizer and keeps the ranges of
// those with criteria.
type autoFilterScan struct {
	ref             mergeRange
	inFilter, inCol bool
	counted         bool
	active          []mergeRange
}

func (a *autoFilterScan) tag(s *xscan) {
	switch {
	case s.kind == tokEnd && s.is("autoFilter"):
		a.inFilter, a.inCol = false, false
	case s.kind == tokEnd && s.is("filterColumn"):
		a.inCol = false
	case s.kind != tokStart:
	case s.is("autoFilter"):
		a.ref, a.counted = mergeRange{}, false
		if v, ok := s.attr("ref"); ok {
			a.ref, _ = parseRef(string(v))
		}
		a.inFilter = !s.self
	case a.inFilter && s.is("filterColumn"):
		a.inCol = !s.self
	case a.inCol && !a.counted && a.ref.r2 > 0:
		// filters, customFilters, dynamicFilter, top10, colorFilter, iconFilter
		a.active = append(a.active, a.ref)
		a.counted = true
	}
}

// tableFilters reads the active autofilters of a sheet's tables (套用表格格式 with 筛选): the
// sheet's relationships name the table parts.
func tableFilters(zr *zip.Reader, part string, ids []string) []mergeRange {
	if len(ids) == 0 {
		return nil
	}
	rels, err := openPart(zr, path.Join(path.Dir(part), "_rels", path.Base(part)+".rels"))
	if err != nil {
		return nil
	}
	targets := map[string]string{}
	s := newXscan(io.LimitReader(rels, 16<<20))
	for s.next() != tokNone {
		if s.kind == tokStart && s.is("Relationship") {
			id, _ := s.attr("Id")
			t, _ := s.attr("Target")
			targets[string(id)] = string(t)
		}
	}
	rels.Close()
	var out []mergeRange
	for _, id := range ids {
		t := targets[id]
		if t == "" {
			continue
		}
		name := path.Clean(path.Join(path.Dir(part), t))
		if strings.HasPrefix(t, "/") {
			name = strings.TrimPrefix(t, "/")
		}
		rc, err := openPart(zr, name)
		if err != nil {
			continue
		}
		var af autoFilterScan
		ts := newXscan(io.LimitReader(rc, 16<<20))
		for ts.next() != tokNone {
			af.tag(ts)
		}
		rc.Close()
		out = append(out, af.active...)
	}
	return out
}

// skipPastSheetData moves past the end of sheetData (</sheetData>, any prefix, or an empty
// <sheetData/>) by searching the raw bytes, without tokenizing the rows.
func (s *xscan) skipPastSheetData() bool {
	const keep = 64
	word := []byte("sheetData")
	for {
		i := bytes.Index(s.buf[s.pos:s.end], word)
		if i < 0 {
			s.pos = max(s.pos, s.end-keep)
			if !s.fill() {
				return false
			}
			continue
		}
		at := s.pos + i
		k := at - 1
		for k >= s.pos && at-k < keep && s.buf[k] != '<' && s.buf[k] != '>' {
			k--
		}
		if k >= s.pos && s.buf[k] == '<' {
			s.pos = k
			if s.readTag() == tokNone {
				return false
			}
			if s.is("sheetData") && (s.kind == tokEnd || s.self) {
				return true
			}
			continue
		}
		s.pos = at + len(word)
	}
}

// parseRef reads "A1:C3" (or a single cell "B2").
func parseRef(ref string) (mergeRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(strings.ReplaceAll(a, "$", ""))
	c2, r2, err2 := excelize.CellNameToCoordinates(strings.ReplaceAll(b, "$", ""))
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	if r2 < r1 {
		r1, r2 = r2, r1
	}
	if c2 < c1 {
		c1, c2 = c2, c1
	}
	return mergeRange{r1, c1, r2, c2}, true
}
