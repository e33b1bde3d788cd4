package ledger

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// Columns mode with the data rows spliced (issue 9). Strategy A puts every cadre sheet into
// excelize's DOM: parsing and re-serializing 1,000 rows × 30 columns costs more than reading
// and evaluating them. Here excelize gets each ledger sheet with its header rows only (a few
// KB) and does everything it did before on it: header cells, merges and styles, column
// widths, the conditional format, the autofilter, frozen panes, comments, removing our old
// columns, 汇总 and 问题清单. The data rows are then copied from the original sheet with
// our result cells appended to each row (inline strings; the money columns styled as before).
// A sheet this cannot take as it is (namespace prefixes, rows or cells without references,
// cells to the right of our old columns that carry formulas) makes Write use strategy A.

var errNoSplice = errors.New("sheet cannot be spliced")

// spliceSheet collects what the writer puts into the data rows of one sheet.
type spliceSheet struct {
	part        string
	headerEnd   int // last header row: rows after it are spliced
	first, last int // our result columns
	cells       map[int]map[int]any
	removed     map[int]bool // our old columns (removed)
	moneyCols   map[int]bool
	moneyFrom   int
	moneyTo     int
	moneyStyle  int
	sst         *sstAdd
}

// sstAdd is the strings we add to the shared-string table.
type sstAdd struct {
	index map[string]int
	base  int
	added []string
}

func (t *sstAdd) add(v string) {
	if _, ok := t.index[v]; ok {
		return
	}
	t.index[v] = t.base + len(t.added)
	t.added = append(t.added, v)
}

var (
	reSSTCount  = regexp.MustCompile(`\scount="\d+"`)
	reSSTUnique = regexp.MustCompile(`\suniqueCount="\d+"`)
)

// appendTo adds the strings to a sharedStrings.xml.
func (t *sstAdd) appendTo(b []byte) ([]byte, bool) {
	end := bytes.LastIndex(b, []byte("</sst>"))
	if end < 0 {
		return nil, false
	}
	root := bytes.Index(b, []byte("<sst"))
	rootEnd := bytes.IndexByte(b[max(root, 0):], '>')
	if root < 0 || rootEnd < 0 {
		return nil, false
	}
	rootEnd += root
	total := strconv.Itoa(t.base + len(t.added))
	tag := reSSTCount.ReplaceAll(b[root:rootEnd], []byte(` count="`+total+`"`))
	tag = reSSTUnique.ReplaceAll(tag, []byte(` uniqueCount="`+total+`"`))
	out := make([]byte, 0, len(b)+len(t.added)*64)
	out = append(out, b[:root]...)
	out = append(out, tag...)
	out = append(out, b[rootEnd:end]...)
	for _, v := range t.added {
		v = truncateCell(v)
		out = append(out, `<si><t`...)
		if needsPreserve(v) {
			out = append(out, ` xml:space="preserve"`...)
		}
		out = append(out, '>')
		out = appendEscaped(out, v)
		out = append(out, `</t></si>`...)
	}
	return append(out, b[end:]...), true
}

// appendSharedCellXML appends a shared-string cell.
func appendSharedCellXML(b []byte, col, row, style, index int) []byte {
	b = append(b, `<c r="`...)
	b = appendColumnName(b, col)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	b = append(b, ` t="s"><v>`...)
	b = strconv.AppendInt(b, int64(index), 10)
	return append(b, `</v></c>`...)
}

func (sp *spliceSheet) set(row, col int, v any) {
	m := sp.cells[row]
	if m == nil {
		m = map[int]any{}
		sp.cells[row] = m
	}
	m[col] = v
}

// writeColumnsSpliced writes result columns splicing the data rows; errNoSplice when a sheet
// needs strategy A.
func writeColumnsSpliced(src, dst string, led *Ledger, res *calc.Result, opt WriteOptions) (err error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("write results: open %s: %w", filepath.Base(src), err)
	}
	defer zr.Close()
	wb, err := readWorkbook(&zr.Reader)
	if err != nil {
		return errNoSplice
	}
	rows := collectRows(led, res)
	splice := map[string]*spliceSheet{}
	byPart := map[string]*spliceSheet{}
	for i := range led.Sheets {
		si := &led.Sheets[i]
		if si.Kind == "" || len(si.HeaderRows) == 0 || wb.ours[si.Name] {
			continue
		}
		part := sheetPartOf(wb.sheets, si.Name)
		if part == "" {
			continue
		}
		sp := &spliceSheet{part: part, headerEnd: si.HeaderRows[len(si.HeaderRows)-1], cells: map[int]map[int]any{},
			removed: map[int]bool{}, moneyCols: map[int]bool{}}
		splice[si.Name], byPart[part] = sp, sp
	}
	// the skeleton: spliced sheets with their header rows only
	originals := map[string][]byte{}
	skel, err := os.CreateTemp(opt.Limits.TmpDir, "zengshou-skel-*"+workbookExt(dst, zipFiles(&zr.Reader)))
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	skelName := skel.Name()
	defer os.Remove(skelName)
	zw := zip.NewWriter(skel)
	for _, f := range zr.File {
		sp := byPart[f.Name]
		if sp == nil {
			if err := zw.Copy(f); err != nil {
				skel.Close()
				return fmt.Errorf("write results: %w", err)
			}
			continue
		}
		b, err := readZipFile(f, 64<<20)
		if err != nil || len(b) == 64<<20 {
			skel.Close()
			return errNoSplice
		}
		head, ok := headerOnly(b, sp.headerEnd)
		if !ok {
			skel.Close()
			return errNoSplice
		}
		originals[f.Name] = b
		pw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if err == nil {
			_, err = pw.Write(head)
		}
		if err != nil {
			skel.Close()
			return fmt.Errorf("write results: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		skel.Close()
		return fmt.Errorf("write results: %w", err)
	}
	if err := skel.Close(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}

	f, err := excelize.OpenFile(skelName, openOptions(opt.Limits))
	if err != nil {
		return fmt.Errorf("write results: open %s: %w", filepath.Base(src), err)
	}
	w := &writer{f: f, led: led, res: res, opt: opt, rows: rows, mode: ModeColumns, splice: splice}
	err = w.styles()
	for name := range ourSheetsOf(f) {
		if err == nil {
			err = f.DeleteSheet(name)
		}
	}
	if err == nil {
		err = w.columns()
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
	var built bytes.Buffer
	_, err = f.WriteTo(&built)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write results: save: %w", err)
	}
	br, err := zip.NewReader(bytes.NewReader(built.Bytes()), int64(built.Len()))
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}

	// our strings join the shared-string table, as SetCellStr would add them
	bwb, err := readWorkbook(br)
	if err != nil || bwb.sst == "" {
		return errNoSplice
	}
	var sstEntry *zip.File
	for _, e := range br.File {
		if e.Name == bwb.sst {
			sstEntry = e
		}
	}
	if sstEntry == nil {
		return errNoSplice
	}
	existing, err := readSST(br, bwb.sst, 1<<40)
	if err != nil {
		return errNoSplice
	}
	sst := &sstAdd{index: make(map[string]int, len(existing)), base: len(existing)}
	for i, v := range existing {
		if _, dup := sst.index[v]; !dup {
			sst.index[v] = i
		}
	}
	for i := range led.Sheets {
		sp := splice[led.Sheets[i].Name]
		if sp == nil {
			continue
		}
		rowNums := make([]int, 0, len(sp.cells))
		for r := range sp.cells {
			rowNums = append(rowNums, r)
		}
		sort.Ints(rowNums)
		for _, r := range rowNums {
			for col := sp.first; col <= sp.last; col++ {
				if v, ok := sp.cells[r][col].(string); ok && v != "" {
					sst.add(v)
				}
			}
		}
		sp.sst = sst
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
	for _, e := range br.File {
		if e == sstEntry && len(sst.added) > 0 {
			b, rerr := readZipFile(e, 1<<30)
			if rerr != nil {
				err = fmt.Errorf("write results: %w", rerr)
				return err
			}
			merged, ok := sst.appendTo(b)
			if !ok {
				err = errNoSplice
				return err
			}
			pw, cerr := zo.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Modified})
			if cerr == nil {
				_, cerr = pw.Write(merged)
			}
			if cerr != nil {
				err = fmt.Errorf("write results: %w", cerr)
				return err
			}
			continue
		}
		sp := byPart[e.Name]
		if sp == nil || originals[e.Name] == nil {
			if err = zo.Copy(e); err != nil {
				return fmt.Errorf("write results: copy %s: %w", e.Name, err)
			}
			continue
		}
		b, rerr := readZipFile(e, 64<<20)
		if rerr != nil {
			err = fmt.Errorf("write results: %w", rerr)
			return err
		}
		merged, ok := spliceRows(b, originals[e.Name], sp)
		if !ok {
			err = errNoSplice
			return err
		}
		pw, cerr := zo.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Modified})
		if cerr == nil {
			_, cerr = pw.Write(merged)
		}
		if cerr != nil {
			err = fmt.Errorf("write results: %w", cerr)
			return err
		}
	}
	err = o.finish(dst)
	return err
}

// xmlRow is one <row> of a sheet's XML.
type xmlRow struct {
	start, end int // the element's bytes
	tagEnd     int // after the start tag
	num        int
	self       bool
}

// sheetRowsOf splits a worksheet's sheetData into its rows: the offsets of the sheetData
// content and each row. ok is false for what the splicer does not take (prefixed elements, rows
// without r, rows out of order).
func sheetRowsOf(b []byte) (from, to int, rows []xmlRow, ok bool) {
	i := bytes.Index(b, []byte("<sheetData"))
	if i < 0 {
		return 0, 0, nil, false
	}
	j := bytes.IndexByte(b[i:], '>')
	if j < 0 || b[i+j-1] == '/' {
		return 0, 0, nil, false // <sheetData/>
	}
	from = i + j + 1
	to = bytes.LastIndex(b, []byte("</sheetData>"))
	if to < from {
		return 0, 0, nil, false
	}
	p, last := from, 0
	for {
		k := bytes.IndexByte(b[p:to], '<')
		if k < 0 {
			break
		}
		p += k
		if !bytes.HasPrefix(b[p:], []byte("<row")) || p+4 >= to || !isXMLSpace(b[p+4]) && b[p+4] != '>' && b[p+4] != '/' {
			return 0, 0, nil, false
		}
		e := bytes.IndexByte(b[p:to], '>')
		if e < 0 {
			return 0, 0, nil, false
		}
		r := xmlRow{start: p, tagEnd: p + e + 1, self: b[p+e-1] == '/'}
		m := reRowNum.FindSubmatch(b[p : p+e])
		if m == nil {
			return 0, 0, nil, false
		}
		r.num, _ = strconv.Atoi(string(m[1]))
		if r.num <= last {
			return 0, 0, nil, false
		}
		last = r.num
		if r.self {
			r.end = r.tagEnd
		} else {
			c := bytes.Index(b[r.tagEnd:to], []byte("</row>"))
			if c < 0 {
				return 0, 0, nil, false
			}
			r.end = r.tagEnd + c + len("</row>")
		}
		rows = append(rows, r)
		p = r.end
	}
	return from, to, rows, true
}

var (
	reRowNum   = regexp.MustCompile(`\sr="(\d+)"`)
	reRowStyle = regexp.MustCompile(`\ss="(\d+)"`)
	reCellRef  = regexp.MustCompile(`^<c\s[^>]*?\br="([A-Z]{1,3})(\d+)"`)
	reColElem  = regexp.MustCompile(`<col\s[^>]*>`)
	reColMin   = regexp.MustCompile(`\smin="(\d+)"`)
	reColMax   = regexp.MustCompile(`\smax="(\d+)"`)
)

// headerOnly is a worksheet's XML with the rows after the header dropped.
func headerOnly(b []byte, headerEnd int) ([]byte, bool) {
	_, to, rows, ok := sheetRowsOf(b)
	if !ok {
		return nil, false
	}
	cut := to
	for _, r := range rows {
		if r.num > headerEnd {
			cut = r.start
			break
		}
	}
	out := make([]byte, 0, cut+len(b)-to)
	out = append(out, b[:cut]...)
	return append(out, b[to:]...), true
}

// xmlCell is one <c> of a row.
type xmlCell struct {
	col int
	xml []byte
}

// cellsOf splits a row's content into cells.
func cellsOf(b []byte) ([]xmlCell, bool) {
	var out []xmlCell
	p := 0
	for {
		k := bytes.IndexByte(b[p:], '<')
		if k < 0 {
			return out, true
		}
		p += k
		if !bytes.HasPrefix(b[p:], []byte("<c")) || p+2 >= len(b) || !isXMLSpace(b[p+2]) && b[p+2] != '>' && b[p+2] != '/' {
			return nil, false
		}
		e := bytes.IndexByte(b[p:], '>')
		if e < 0 {
			return nil, false
		}
		end := p + e + 1
		if b[p+e-1] != '/' {
			c := bytes.Index(b[end:], []byte("</c>"))
			if c < 0 {
				return nil, false
			}
			end += c + len("</c>")
		}
		m := reCellRef.FindSubmatch(b[p:end])
		if m == nil {
			return nil, false
		}
		col, err := excelize.ColumnNameToNumber(string(m[1]))
		if err != nil || len(out) > 0 && col <= out[len(out)-1].col {
			return nil, false
		}
		out = append(out, xmlCell{col: col, xml: b[p:end]})
		p = end
	}
}

// spliceRows puts the original's data rows, with our cells, into excelize's sheet.
func spliceRows(built, orig []byte, sp *spliceSheet) ([]byte, bool) {
	_, bto, brows, ok := sheetRowsOf(built)
	if !ok {
		return nil, false
	}
	for _, r := range brows {
		if r.num > sp.headerEnd {
			return nil, false // excelize wrote a data row: not ours to merge
		}
	}
	_, _, orows, ok := sheetRowsOf(orig)
	if !ok {
		return nil, false
	}
	// column styles, for our new cells (excelize's prepareCellStyle)
	colStyle := map[int]int{}
	for _, c := range reColElem.FindAll(built[:bto], -1) {
		mn, mx, st := reColMin.FindSubmatch(c), reColMax.FindSubmatch(c), reRowStyle.FindSubmatch(c)
		if mn == nil || mx == nil || st == nil {
			continue
		}
		lo, _ := strconv.Atoi(string(mn[1]))
		hi, _ := strconv.Atoi(string(mx[1]))
		s, _ := strconv.Atoi(string(st[1]))
		for col := max(lo, sp.first); col <= min(hi, sp.last); col++ {
			if _, seen := colStyle[col]; !seen && s != 0 {
				colStyle[col] = s
			}
		}
	}
	removedBefore := func(col int) int {
		n := 0
		for c := range sp.removed {
			if c < col {
				n++
			}
		}
		return n
	}
	// rows to write: the original's data rows and the rows only we have cells for
	nums := map[int]bool{}
	for r := range sp.cells {
		if r > sp.headerEnd {
			nums[r] = true
		}
	}
	if sp.moneyTo >= sp.moneyFrom && sp.moneyFrom > 0 {
		for r := max(sp.moneyFrom, sp.headerEnd+1); r <= sp.moneyTo; r++ {
			nums[r] = true
		}
	}
	byNum := map[int]xmlRow{}
	for _, r := range orows {
		if r.num > sp.headerEnd {
			nums[r.num] = true
			byNum[r.num] = r
		}
	}
	order := make([]int, 0, len(nums))
	for n := range nums {
		order = append(order, n)
	}
	sort.Ints(order)

	out := make([]byte, 0, len(built)+len(orig)+len(sp.cells)*200)
	out = append(out, built[:bto]...)
	for _, n := range order {
		o, has := byNum[n]
		ours := sp.cells[n]
		money := sp.moneyFrom > 0 && n >= sp.moneyFrom && n <= sp.moneyTo
		if has && len(ours) == 0 && !money && len(sp.removed) == 0 {
			out = append(out, orig[o.start:o.end]...)
			continue
		}
		rowStyle := 0
		var cadre []xmlCell
		if has {
			if m := reRowStyle.FindSubmatch(orig[o.start:o.tagEnd]); m != nil {
				rowStyle, _ = strconv.Atoi(string(m[1]))
			}
			if !o.self {
				cs, ok := cellsOf(orig[o.tagEnd : o.end-len("</row>")])
				if !ok {
					return nil, false
				}
				cadre = cs
			}
			tag := orig[o.start:o.tagEnd]
			if o.self {
				tag = append(append([]byte(nil), tag[:len(tag)-2]...), '>')
			}
			out = append(out, tag...)
		} else {
			out = append(out, `<row r="`...)
			out = strconv.AppendInt(out, int64(n), 10)
			out = append(out, `">`...)
		}
		// the cadre's cells, our old columns removed and the rest moved left
		kept := cadre[:0:0]
		for _, c := range cadre {
			if sp.removed[c.col] {
				continue
			}
			if len(sp.removed) > 0 && bytes.Contains(c.xml, []byte("<f")) {
				return nil, false // excelize's RemoveCol would rewrite the formula's references
			}
			if k := removedBefore(c.col); k > 0 {
				name, _ := excelize.ColumnNumberToName(c.col)
				newName, _ := excelize.ColumnNumberToName(c.col - k)
				c.xml = bytes.Replace(c.xml, []byte(`r="`+name+strconv.Itoa(n)+`"`), []byte(`r="`+newName+strconv.Itoa(n)+`"`), 1)
				c.col -= k
			}
			kept = append(kept, c)
		}
		// our cells
		var mine []xmlCell
		for col := sp.first; col <= sp.last; col++ {
			v, hasV := ours[col]
			style := 0
			switch {
			case money && sp.moneyCols[col]:
				style = sp.moneyStyle
			case hasV:
				style = rowStyle
				if style == 0 {
					style = colStyle[col]
				}
			default:
				continue
			}
			if str, ok := v.(string); ok && str != "" && sp.sst != nil {
				mine = append(mine, xmlCell{col: col, xml: appendSharedCellXML(nil, col, n, style, sp.sst.index[str])})
				continue
			}
			mine = append(mine, xmlCell{col: col, xml: appendCellXML(nil, col, n, excelize.Cell{Value: v, StyleID: style})})
		}
		i, j := 0, 0
		for i < len(kept) || j < len(mine) {
			switch {
			case j == len(mine) || i < len(kept) && kept[i].col < mine[j].col:
				out = append(out, kept[i].xml...)
				i++
			case i == len(kept) || mine[j].col < kept[i].col:
				out = append(out, mine[j].xml...)
				j++
			default: // the same cell: ours, unless only we style it and the cadre's holds a value
				if _, hasV := ours[mine[j].col]; !hasV && (bytes.Contains(kept[i].xml, []byte("<v")) || bytes.Contains(kept[i].xml, []byte("<is"))) {
					out = append(out, kept[i].xml...)
				} else {
					out = append(out, mine[j].xml...)
				}
				i++
				j++
			}
		}
		out = append(out, `</row>`...)
	}
	return append(out, built[bto:]...), true
}
