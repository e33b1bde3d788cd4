package ledger

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The reader's own streaming worksheet parser (issue 9). excelize's Rows() runs encoding/xml
// over the sheet (≈ 1 µs and several allocations per cell), unmarshals the whole shared-string
// table into structs, and before that OpenFile inflates every sheet into a temp file. This
// reads the sheet part straight from the zip with a byte-level tokenizer and keeps the shared
// strings as plain strings, with the semantics of excelize v2.11.1's Rows/Columns with
// RawCellValue (rows.go, cell.go getValueFrom): rows numbered by their r attribute with gaps
// returned as empty rows, cells placed by their r attribute, blank cells dropped except
// formulas, trailing blanks trimmed, shared strings resolved, rich text concatenated,
// _xHHHH_ escapes decoded, raw values otherwise.

const (
	tokNone = iota
	tokStart
	tokEnd
)

// xscan is a minimal XML tokenizer: start and end tags with their local names and attributes,
// text only when asked for. Comments, processing instructions and DOCTYPE are skipped; CDATA
// sections count as text.
type xscan struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	rerr     error // a read error other than io.EOF (a damaged part)

	kind  int
	self  bool   // <x/>
	tag   []byte // the current tag's bytes between < and > (reused)
	local []byte // local name, within tag
	attrs []byte // the attribute text, within tag
	text  []byte // scratch for captured text
}

func newXscan(r io.Reader) *xscan {
	return &xscan{r: r, buf: make([]byte, 128<<10)}
}

// fill reads more input; false when nothing more can be read.
func (s *xscan) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= 64<<20 {
			s.rerr = errors.New("xml token too long")
			s.eof = true
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err != nil {
		s.eof = true
		if err != io.EOF {
			s.rerr = err
		}
	}
	return n > 0 || !s.eof
}

// skipText moves to the next '<'; false at the end of input.
func (s *xscan) skipText() bool {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			s.pos += i
			return true
		}
		s.pos = s.end
		if !s.fill() {
			return false
		}
	}
}

// captureText appends the character data up to the next tag to s.text (raw: entities and
// line ends are decoded by decodeText); CDATA sections are included.
func (s *xscan) captureText() bool {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			s.text = append(s.text, s.buf[s.pos:s.pos+i]...)
			s.pos += i
			if !s.ensure(9) || !bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<![CDATA[")) {
				return true
			}
			s.pos += 9
			for {
				if j := bytes.Index(s.buf[s.pos:s.end], []byte("]]>")); j >= 0 {
					// CDATA is literal: escape what decodeText would decode
					s.text = appendCDATA(s.text, s.buf[s.pos:s.pos+j])
					s.pos += j + 3
					break
				}
				keep := max(s.end-s.pos-2, 0)
				s.text = appendCDATA(s.text, s.buf[s.pos:s.pos+keep])
				s.pos += keep
				if !s.fill() {
					return false
				}
			}
			continue
		}
		s.text = append(s.text, s.buf[s.pos:s.end]...)
		s.pos = s.end
		if !s.fill() {
			return false
		}
	}
}

func appendCDATA(dst, b []byte) []byte {
	for _, c := range b {
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '\r':
			dst = append(dst, "&#13;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// ensure makes n bytes available at pos if the input has them.
func (s *xscan) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return s.end-s.pos >= n
		}
	}
	return true
}

// next reads the next start or end tag (text before it is skipped); tokNone at the end.
func (s *xscan) next() int {
	for {
		if !s.skipText() {
			s.kind = tokNone
			return tokNone
		}
		if !s.ensure(2) {
			s.kind = tokNone
			return tokNone
		}
		switch s.buf[s.pos+1] {
		case '?':
			if !s.skipPast("?>") {
				s.kind = tokNone
				return tokNone
			}
			continue
		case '!':
			s.ensure(4)
			var term string
			switch {
			case bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<!--")):
				term = "-->"
			case s.ensure(9) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<![CDATA[")):
				term = "]]>"
			default:
				term = ">"
			}
			if !s.skipPast(term) {
				s.kind = tokNone
				return tokNone
			}
			continue
		}
		return s.readTag()
	}
}

// skipPast moves past the next occurrence of term.
func (s *xscan) skipPast(term string) bool {
	t := []byte(term)
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], t); i >= 0 {
			s.pos += i + len(t)
			return true
		}
		s.pos = max(s.pos, s.end-len(t))
		if !s.fill() {
			return false
		}
	}
}

// readTag reads the tag at pos ('<' then not '?' or '!').
func (s *xscan) readTag() int {
	// find the closing '>' outside quotes
	i, quote := s.pos+1, byte(0)
	for {
		if i >= s.end {
			off := i - s.pos
			if !s.fill() {
				s.kind = tokNone
				return tokNone
			}
			i = s.pos + off
			continue
		}
		c := s.buf[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			goto found
		}
		i++
	}
found:
	s.tag = append(s.tag[:0], s.buf[s.pos+1:i]...)
	s.pos = i + 1
	t := s.tag
	s.kind, s.self = tokStart, false
	if len(t) > 0 && t[0] == '/' {
		s.kind = tokEnd
		t = t[1:]
	} else if len(t) > 0 && t[len(t)-1] == '/' {
		s.self = true
		t = t[:len(t)-1]
	}
	n := 0
	for n < len(t) && !isXMLSpace(t[n]) {
		n++
	}
	name := t[:n]
	if k := bytes.IndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	s.local, s.attrs = name, t[n:]
	return s.kind
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *xscan) is(name string) bool { return string(s.local) == name }

// attr returns the raw value of an attribute by local name (without a prefix match on
// xmlns); ok false when absent.
func (s *xscan) attr(name string) ([]byte, bool) {
	a := s.attrs
	for len(a) > 0 {
		for len(a) > 0 && isXMLSpace(a[0]) {
			a = a[1:]
		}
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		key := bytes.TrimRight(a[:eq], " \t\r\n")
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || a[0] != '"' && a[0] != '\'' {
			return nil, false
		}
		q := a[0]
		end := bytes.IndexByte(a[1:], q)
		if end < 0 {
			return nil, false
		}
		val := a[1 : 1+end]
		a = a[end+2:]
		if k := bytes.IndexByte(key, ':'); k >= 0 {
			if string(key[:k]) == "xmlns" {
				continue
			}
			key = key[k+1:]
		}
		if string(key) == name {
			if bytes.IndexByte(val, '&') >= 0 {
				return []byte(decodeText(val)), true
			}
			return val, true
		}
	}
	return nil, false
}

// decodeText turns raw character data into text: line ends normalized, entities and character
// references decoded (an unknown entity stays as written).
func decodeText(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '\r':
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		case '&':
			j := bytes.IndexByte(b[i:], ';')
			if j > 1 && j < 12 {
				ent := string(b[i+1 : i+j])
				var r rune = -1
				switch ent {
				case "lt":
					r = '<'
				case "gt":
					r = '>'
				case "amp":
					r = '&'
				case "apos":
					r = '\''
				case "quot":
					r = '"'
				default:
					if ent[0] == '#' {
						var n uint64
						var err error
						if len(ent) > 1 && (ent[1] == 'x' || ent[1] == 'X') {
							n, err = strconv.ParseUint(ent[2:], 16, 32)
						} else {
							n, err = strconv.ParseUint(ent[1:], 10, 32)
						}
						if err == nil && n <= utf8.MaxRune {
							r = rune(n)
						}
					}
				}
				if r >= 0 {
					out = utf8.AppendRune(out, r)
					i += j
					continue
				}
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// textUntilEnd captures the text of the current element (after a start tag) up to its end
// tag, skipping nested tags; "" for a self-closing element.
func (s *xscan) textUntilEnd() string {
	if s.self {
		return ""
	}
	s.text = s.text[:0]
	depth := 0
	for {
		if !s.captureText() {
			break
		}
		switch s.next() {
		case tokStart:
			if !s.self {
				depth++
			}
			continue
		case tokEnd:
			if depth > 0 {
				depth--
				continue
			}
		}
		break
	}
	return decodeText(s.text)
}

var bstrExp = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)

// bstrUnmarshal decodes the _xHHHH_ escapes of OOXML strings as excelize does.
func bstrUnmarshal(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	matches := bstrExp.FindAllStringSubmatchIndex(s, -1)
	var b strings.Builder
	cursor := 0
	for _, m := range matches {
		b.WriteString(s[cursor:m[0]])
		sub := s[m[0]:m[1]]
		cursor = m[1]
		if sub == "_x005F_" {
			b.WriteString("_")
			continue
		}
		v, _ := strconv.Unquote(`"\u` + s[m[0]+2:m[1]-1] + `"`)
		b.WriteString(v)
	}
	b.WriteString(s[cursor:])
	return b.String()
}

// stringItem reads a <si> or <is> element (after its start tag): its own <t> then the <t> of
// every rich-text run; phonetic runs are not part of the text.
func (s *xscan) stringItem() string {
	if s.self {
		return ""
	}
	var t string
	var runs []string
	end := string(s.local)
	inRun, inPh := false, 0
	for {
		switch s.next() {
		case tokNone:
			return bstrUnmarshal(t + strings.Join(runs, ""))
		case tokStart:
			switch {
			case s.is("rPh") && !s.self:
				inPh++
			case inPh > 0:
			case s.is("r") && !s.self:
				inRun = true
			case s.is("t"):
				v := s.textUntilEnd()
				if inRun {
					runs = append(runs, v)
				} else {
					t = v
				}
			}
		case tokEnd:
			switch {
			case s.is("rPh") && inPh > 0:
				inPh--
			case s.is("r"):
				inRun = false
			case s.is(end) && inPh == 0 && !inRun:
				if len(runs) == 0 {
					return bstrUnmarshal(t)
				}
				return bstrUnmarshal(t + strings.Join(runs, ""))
			}
		}
	}
}

// openPart opens a zip part by name.
func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if f.Name == name {
			return f.Open()
		}
	}
	return nil, fmt.Errorf("part %s not found", name)
}

var (
	charsetOnce   sync.Once
	charsetReader func(string, io.Reader) (io.Reader, error)
	reXMLEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*encoding=["']([^"']+)["']`)
)

// decodedPart wraps a part whose XML declaration names an encoding other than UTF-8.
func decodedPart(rc io.Reader) io.Reader {
	var head [128]byte
	n, _ := io.ReadFull(rc, head[:])
	r := io.MultiReader(bytes.NewReader(head[:n]), rc)
	m := reXMLEncoding.FindSubmatch(head[:n])
	if m == nil {
		return r
	}
	label := strings.ToLower(string(m[1]))
	if label == "utf-8" || label == "utf8" {
		return r
	}
	charsetOnce.Do(func() {
		f := excelize.NewFile()
		charsetReader = f.CharsetReader
		f.Close()
	})
	if charsetReader == nil {
		return r
	}
	if d, err := charsetReader(label, r); err == nil {
		return d
	}
	return r
}

// readSST reads the shared-string table; at most max strings.
func readSST(zr *zip.Reader, part string, max int64) ([]string, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, nil // no table
	}
	defer rc.Close()
	s := newXscan(decodedPart(rc))
	var out []string
	for {
		switch s.next() {
		case tokNone:
			return out, s.rerr
		case tokStart:
			if s.is("si") {
				if int64(len(out)) >= max {
					return nil, errTooManyStrings
				}
				out = append(out, s.stringItem())
			}
		}
	}
}

var errTooManyStrings = errors.New("too many shared strings")

// sheetRows iterates over a worksheet's rows like excelize's Rows with RawCellValue. Besides
// the values it says what excelize's Columns does not: which cells are formulas without a
// cached value (NoValue), whether the row is hidden (Hidden) and which columns are
// (HiddenCols).
type sheetRows struct {
	rc         io.ReadCloser
	s          *xscan
	sst        []string
	curRow     int
	seekRow    int
	pending    bool // a <row> start tag was read and not yet processed
	err        error
	aheadHide  bool  // the hidden attribute of the <row> read last (curRow)
	hidden     bool  // the current row (seekRow) is hidden
	noValue    []int // the current row's formula cells without a cached value (1-based columns)
	formulas   []int // the current row's formula cells (1-based columns)
	hiddenCols []colRange
}

// colRange is a <col min max> range of columns (1-based, inclusive).
type colRange struct{ min, max int }

func openSheetRows(zr *zip.Reader, part string, sst []string) (*sheetRows, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	return &sheetRows{rc: rc, s: newXscan(decodedPart(rc)), sst: sst}, nil
}

// Close closes the part.
func (r *sheetRows) Close() error { return r.rc.Close() }

// Error is excelize.ErrMaxRows past the last row a sheet may have.
func (r *sheetRows) Error() error { return r.err }

// ReadError is the error reading the part itself (a damaged zip entry), if any.
func (r *sheetRows) ReadError() error { return r.s.rerr }

// Hidden reports whether the row Next moved to is hidden (<row hidden="1">); a row missing
// from the XML is not.
func (r *sheetRows) Hidden() bool { return r.hidden }

// NoValue lists the columns (1-based, ascending) of the cells of the row Columns last returned
// that hold a formula but no cached value (a workbook saved by a program that does not
// calculate, or in manual calculation mode): Columns gives "" for them, as excelize does.
// nil when there are none.
func (r *sheetRows) NoValue() []int { return r.noValue }

// HiddenCols lists the hidden column ranges (<col hidden="1">) read so far; they precede the
// rows, so they are all known after the first Next.
func (r *sheetRows) HiddenCols() []colRange { return r.hiddenCols }

// isTrue reads an xsd:boolean attribute.
func isTrue(v []byte) bool { return string(v) == "1" || string(v) == "true" }

// rowHidden reads the hidden attribute of the current <row>.
func (r *sheetRows) rowHidden() bool {
	v, ok := r.s.attr("hidden")
	return ok && isTrue(v)
}

// colTag records a hidden <col> range.
func (r *sheetRows) colTag() {
	if v, ok := r.s.attr("hidden"); !ok || !isTrue(v) {
		return
	}
	lo, err1 := r.attrInt("min")
	hi, err2 := r.attrInt("max")
	if err1 != nil || err2 != nil || lo < 1 || hi < lo {
		return
	}
	r.hiddenCols = append(r.hiddenCols, colRange{lo, min(hi, excelize.MaxColumns)})
}

func (r *sheetRows) attrInt(name string) (int, error) {
	v, _ := r.s.attr(name)
	return strconv.Atoi(string(v))
}

// rowNum reads the r attribute of the current <row> (0 when absent).
func (r *sheetRows) rowNum() (int, error) {
	v, ok := r.s.attr("r")
	if !ok {
		return 0, nil
	}
	return strconv.Atoi(string(v))
}

// Next moves to the next row (a row missing from the XML is returned empty).
func (r *sheetRows) Next() bool {
	if r.err != nil {
		return false
	}
	r.seekRow++
	if r.curRow >= r.seekRow {
		// a row missing from the XML, or the one Columns read the start tag of
		r.hidden = r.curRow == r.seekRow && r.aheadHide
		return true
	}
	for {
		switch r.s.next() {
		case tokNone:
			return false
		case tokStart:
			if r.s.is("row") {
				r.curRow++
				n, _ := r.rowNum()
				if n > excelize.TotalRows {
					r.err = excelize.ErrMaxRows
					return false
				}
				if n != 0 {
					r.curRow = n
				}
				r.aheadHide = r.rowHidden()
				r.hidden = r.curRow == r.seekRow && r.aheadHide
				r.pending = true
				return true
			}
			if r.s.is("col") {
				r.colTag()
			}
		case tokEnd:
			if r.s.is("sheetData") {
				return false
			}
		}
	}
}

// Columns returns the current row's values.
func (r *sheetRows) Columns() ([]string, error) {
	r.noValue, r.formulas = nil, nil // not reused: the async reader hands the slices on
	if r.curRow > r.seekRow {
		return nil, nil
	}
	var cells []string
	var err error
	col := 0
	for {
		if r.pending {
			r.pending = false
			// the row's start tag is current: its cells follow
			n, aerr := r.rowNum()
			err = aerr
			if n > excelize.TotalRows {
				r.err = excelize.ErrMaxRows
				return cells, r.err
			}
			if n != 0 {
				r.curRow = n
			}
			if err != nil {
				return cells, err
			}
			continue
		}
		switch r.s.next() {
		case tokNone:
			return cells, err
		case tokStart:
			switch {
			case r.s.is("row"):
				n, aerr := r.rowNum()
				if n > excelize.TotalRows {
					r.err = excelize.ErrMaxRows
					return cells, r.err
				}
				if n != 0 {
					r.curRow = n
				} else {
					r.curRow++
				}
				r.aheadHide = r.rowHidden()
				if r.curRow > r.seekRow || aerr != nil {
					return cells, aerr
				}
			case r.s.is("c"):
				col++
				ref, hasRef := r.s.attr("r")
				typ, _ := r.s.attr("t")
				if hasRef && len(ref) > 0 {
					c, cerr := refColumn(ref)
					if cerr != nil {
						return cells, cerr
					}
					col = c
				}
				val, formula, cached := r.cell(string(typ))
				if val != "" || formula {
					for len(cells) < col-1 {
						cells = append(cells, "")
					}
					cells = append(cells, val)
					if formula {
						r.formulas = append(r.formulas, col)
					}
					if formula && !cached {
						r.noValue = append(r.noValue, col)
					}
				}
			}
		case tokEnd:
			if r.s.is("sheetData") {
				return cells, err
			}
		}
	}
}

// cell reads a <c> element's content (after its start tag): its value, whether it has a
// formula and whether it holds a cached value. A formula's cached value is missing when there
// is no <v>, or an empty one in a cell that is not a string (openpyxl writes <f>…</f><v/>;
// Excel writes <v></v> with t="str" for a formula whose result is "").
func (r *sheetRows) cell(typ string) (val string, formula, cached bool) {
	s := r.s
	if s.self {
		return "", false, false
	}
	var v, inline string
	hasIS, hasV := false, false
	for {
		switch s.next() {
		case tokNone:
			return "", formula, false
		case tokStart:
			switch {
			case s.is("v"):
				v, hasV = s.textUntilEnd(), true
			case s.is("f"):
				formula = true
				if !s.self {
					s.textUntilEnd()
				}
			case s.is("is"):
				inline, hasIS = s.stringItem(), true
			}
			continue
		case tokEnd:
			if !s.is("c") {
				continue
			}
		}
		break
	}
	cached = hasV && (v != "" || typ == "str") || hasIS
	switch typ {
	case "s":
		if v == "" {
			return "", formula, cached
		}
		i, _ := strconv.Atoi(strings.TrimSpace(v))
		if i < 0 || i >= len(r.sst) {
			return "", formula, cached
		}
		return r.sst[i], formula, cached
	case "inlineStr":
		if hasIS {
			return inline, formula, cached
		}
	}
	return v, formula, cached
}

// refColumn is the column of a cell reference ("AB12" → 28).
func refColumn(ref []byte) (int, error) {
	col, i := 0, 0
	for i < len(ref) && i < 3 {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		i++
	}
	if i == 0 || i == len(ref) || len(ref)-i > 7 || col > excelize.MaxColumns {
		c, _, err := excelize.CellNameToCoordinates(string(ref))
		return c, err
	}
	for _, d := range ref[i:] {
		if d < '0' || d > '9' {
			c, _, err := excelize.CellNameToCoordinates(string(ref))
			return c, err
		}
	}
	if ref[i] == '0' {
		c, _, err := excelize.CellNameToCoordinates(string(ref))
		return c, err
	}
	return col, nil
}

// asyncRows parses a sheet's rows in a goroutine, a batch ahead of the records being built
// from them (the two halves of reading take about the same time; there are two cores). It has
// sheetRows' methods and results: every row's Columns is taken, which leaves the rows that
// follow as they would be.
type asyncRows struct {
	sr   *sheetRows
	ch   chan []rowItem
	done chan struct{}
	wg   sync.WaitGroup
	cur  []rowItem
	i    int
	err  error // after ch is closed: sr.Error()
	rerr error // after ch is closed: sr.ReadError()
	shut bool
}

type rowItem struct {
	cells []string
	more  *rowMore // nil for a visible row read without error or formulas lacking values (nearly all)
}

// rowMore is the rest of what sheetRows says about a row: its Columns error, Hidden, NoValue
// and Formulas.
type rowMore struct {
	err      error
	hidden   bool
	noValue  []int
	formulas []int
}

func newAsyncRows(sr *sheetRows) *asyncRows {
	a := &asyncRows{sr: sr, ch: make(chan []rowItem, 4), done: make(chan struct{})}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(a.ch)
		defer func() {
			if p := recover(); p != nil { // Read's recover cannot see this goroutine
				a.rerr = fmt.Errorf("parse sheet: panic: %v", p)
			}
		}()
		batch := make([]rowItem, 0, 256)
		for sr.Next() {
			c, err := sr.Columns()
			it := rowItem{cells: c}
			if h, nv, fm := sr.Hidden(), sr.NoValue(), sr.formulas; err != nil || h || nv != nil || fm != nil {
				it.more = &rowMore{err: err, hidden: h, noValue: nv, formulas: fm}
			}
			batch = append(batch, it)
			if len(batch) == cap(batch) {
				select {
				case a.ch <- batch:
				case <-a.done:
					return
				}
				batch = make([]rowItem, 0, 256)
			}
		}
		a.err, a.rerr = sr.Error(), sr.ReadError()
		if len(batch) > 0 {
			select {
			case a.ch <- batch:
			case <-a.done:
			}
		}
	}()
	return a
}

// Next moves to the next row.
func (a *asyncRows) Next() bool {
	if a.i+1 < len(a.cur) {
		a.i++
		return true
	}
	b, ok := <-a.ch
	if !ok {
		a.cur, a.i = nil, 0
		return false
	}
	a.cur, a.i = b, 0
	return true
}

// Columns returns the current row's values.
func (a *asyncRows) Columns() ([]string, error) {
	if a.i < len(a.cur) {
		if m := a.cur[a.i].more; m != nil {
			return a.cur[a.i].cells, m.err
		}
		return a.cur[a.i].cells, nil
	}
	return nil, nil
}

// Hidden is sheetRows.Hidden for the current row.
func (a *asyncRows) Hidden() bool {
	return a.i < len(a.cur) && a.cur[a.i].more != nil && a.cur[a.i].more.hidden
}

// NoValue is sheetRows.NoValue for the current row.
func (a *asyncRows) NoValue() []int {
	if a.i < len(a.cur) && a.cur[a.i].more != nil {
		return a.cur[a.i].more.noValue
	}
	return nil
}

// Formulas lists the current row's formula cells (1-based columns).
func (a *asyncRows) Formulas() []int {
	if a.i < len(a.cur) && a.cur[a.i].more != nil {
		return a.cur[a.i].more.formulas
	}
	return nil
}

// Error is sheetRows.Error for the rows read (it stops the parser).
func (a *asyncRows) Error() error { a.stop(); return a.err }

// ReadError is sheetRows.ReadError for the rows read (it stops the parser).
func (a *asyncRows) ReadError() error { a.stop(); return a.rerr }

func (a *asyncRows) stop() {
	if !a.shut {
		a.shut = true
		close(a.done)
		a.wg.Wait()
	}
}

// Close stops the parser and closes the part.
func (a *asyncRows) Close() error {
	a.stop()
	return a.sr.Close()
}
