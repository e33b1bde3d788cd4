package sandbox

// The bad-file corpus. Small files are committed in testdata/bad and regenerated with
//
//	go test ./bot/sandbox -run TestCorpusFiles -update
//
// (TestCorpusFiles checks that the committed bytes are what the generator makes, except for the
// encrypted file, whose salt is random). Big files — zip bombs, a million styled empty rows,
// 10,000 columns, 2,500 entries — are streamed into t.TempDir() at test time: a few MB each.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// ---- a minimal .xlsx writer: every part written by hand, so that each can be made to lie ----

// xcell is one cell: text (inline string), a number, or a formula error.
type xcell struct {
	kind byte // 's' text, 'n' number, 'e' error with formula, 0 empty
	v    string
	f    string // formula of an error cell
}

func s(v string) xcell       { return xcell{kind: 's', v: v} }
func n(v string) xcell       { return xcell{kind: 'n', v: v} }
func ferr(f, v string) xcell { return xcell{kind: 'e', v: v, f: f} }
func row(c ...xcell) []xcell { return c }
func txts(v ...string) []xcell {
	r := make([]xcell, len(v))
	for i, t := range v {
		r[i] = s(t)
	}
	return r
}

// xsheet is one worksheet: rows from row 1, then tail (raw <row> elements written by a
// function, for the streamed giants).
type xsheet struct {
	name string
	rows [][]xcell
	tail func(w io.Writer) error
	dim  string // <dimension ref>, optional
}

// part is one zip entry as the writer will emit it.
type part struct {
	name string
	data []byte
}

func colName(c int) string {
	s := ""
	for c > 0 {
		c--
		s = string(rune('A'+c%26)) + s
		c /= 26
	}
	return s
}

func xmlText(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeRow(w io.Writer, r int, cells []xcell) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, c := range cells {
		ref := colName(i+1) + fmt.Sprint(r)
		switch c.kind {
		case 's':
			fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, ref, xmlText(c.v))
		case 'n':
			fmt.Fprintf(&b, `<c r="%s"><v>%s</v></c>`, ref, c.v)
		case 'e':
			fmt.Fprintf(&b, `<c r="%s" t="e"><f>%s</f><v>%s</v></c>`, ref, xmlText(c.f), c.v)
		}
	}
	b.WriteString(`</row>`)
	_, err := io.WriteString(w, b.String())
	return err
}

const (
	nsMain = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel  = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

// stylesXML has a second cell format (a fill) for the styled empty rows.
const stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="` + nsMain + `"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>` +
	`<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
	`<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1" applyNumberFormat="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

// xlsxParts are the parts of a workbook with these sheets, the sheets' XML streamed by the
// returned writer functions.
func xlsxParts(sheets []xsheet) (fixed []part, sheetXML []func(io.Writer) error) {
	var wb, rels, ct strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	for i, sh := range sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlText(sh.name), i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="`+nsRel+`/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		sheetXML = append(sheetXML, func(w io.Writer) error {
			head := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`
			if sh.dim != "" {
				head += `<dimension ref="` + sh.dim + `"/>`
			}
			if _, err := io.WriteString(w, head+`<sheetData>`); err != nil {
				return err
			}
			for r, cells := range sh.rows {
				if err := writeRow(w, r+1, cells); err != nil {
					return err
				}
			}
			if sh.tail != nil {
				if err := sh.tail(w); err != nil {
					return err
				}
			}
			_, err := io.WriteString(w, `</sheetData></worksheet>`)
			return err
		})
	}
	wb.WriteString(`</sheets></workbook>`)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="`+nsRel+`/styles" Target="styles.xml"/></Relationships>`, len(sheets)+1)
	ct.WriteString(`</Types>`)
	fixed = []part{
		{"[Content_Types].xml", []byte(ct.String())},
		{"_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", []byte(wb.String())},
		{"xl/_rels/workbook.xml.rels", []byte(rels.String())},
		{"xl/styles.xml", []byte(stylesXML)},
	}
	return fixed, sheetXML
}

// zipOptions make a part lie or bloat.
type zipOptions struct {
	// declare overrides the uncompressed size written in the headers of a part (by name).
	declare map[string]uint64
}

// writeXLSX writes a workbook; parts named in opt.declare are written raw (CreateRaw) with the
// real compressed bytes and CRC but the declared uncompressed size.
func writeXLSX(w io.Writer, sheets []xsheet, opt zipOptions) error {
	fixed, sheetXML := xlsxParts(sheets)
	zw := zip.NewWriter(w)
	put := func(name string, fill func(io.Writer) error) error {
		if decl, ok := opt.declare[name]; ok {
			var raw bytes.Buffer
			fw, _ := flate.NewWriter(&raw, flate.BestCompression)
			crc := crc32.NewIEEE()
			if err := fill(io.MultiWriter(fw, crc)); err != nil {
				return err
			}
			if err := fw.Close(); err != nil {
				return err
			}
			hw, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
				CompressedSize64: uint64(raw.Len()), UncompressedSize64: decl})
			if err != nil {
				return err
			}
			_, err = hw.Write(raw.Bytes())
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		return fill(fw)
	}
	for _, p := range fixed {
		data := p.data
		if err := put(p.name, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
	}
	for i, fill := range sheetXML {
		if err := put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), fill); err != nil {
			return err
		}
	}
	return zw.Close()
}

func xlsxBytes(t testing.TB, sheets []xsheet, opt zipOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeXLSX(&b, sheets, opt); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ---- ledger content ----

// idNumber is a valid 18-digit resident ID (GB 11643 check digit) from a 17-digit body.
func idNumber(body string) string {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

var hhHeader = txts("序号", "行政村", "户编号", "户主姓名", "身份证号码", "家庭人口", "工资性收入", "生产经营性收入", "转移性收入", "人均纯收入")

// household is one good households row.
func household(i int, name string) []xcell {
	id := idNumber(fmt.Sprintf("15042219%02d0%d1%d15%d", 60+i%30, 1+i%9, i%3, i%10))
	return row(n(fmt.Sprint(i)), s("富河村"), s(fmt.Sprintf("150422001%03d", i)), s(name), s(id),
		n("3"), n("24000"), n("6000"), n("3000"), n("11000"))
}

// householdsSheet is a title row, a header row and rows.
func householdsSheet(name string, rows ...[]xcell) xsheet {
	all := [][]xcell{txts("富河村脱贫户收入台账"), hhHeader}
	return xsheet{name: name, rows: append(all, rows...)}
}

var names = []string{"包玉山", "王秀兰", "李春生", "赵桂芝", "张国庆", "刘凤英"}

func goodRows(k int) [][]xcell {
	var r [][]xcell
	for i := 1; i <= k; i++ {
		r = append(r, household(i, names[(i-1)%len(names)]))
	}
	return r
}

// ---- OLE / CFB (legacy .xls, WPS .et) ----

// cfb writes a minimal compound file (v3, 512-byte sectors) with one stream stored in regular
// sectors (at least 4096 bytes, so no mini stream): header, one FAT sector, one directory
// sector, the stream.
func cfb(stream string, data []byte) []byte {
	const sec = 512
	const (
		freeSect = 0xFFFFFFFF
		endChain = 0xFFFFFFFE
		fatSect  = 0xFFFFFFFD
		noStream = 0xFFFFFFFF
	)
	for len(data) < 4096 || len(data)%sec != 0 {
		data = append(data, 0)
	}
	nData := len(data) / sec
	le := binary.LittleEndian
	hdr := make([]byte, sec)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[0x18:], 0x003E) // minor version
	le.PutUint16(hdr[0x1A:], 0x0003) // major version 3
	le.PutUint16(hdr[0x1C:], 0xFFFE) // byte order
	le.PutUint16(hdr[0x1E:], 9)      // sector shift: 512
	le.PutUint16(hdr[0x20:], 6)      // mini sector shift: 64
	le.PutUint32(hdr[0x2C:], 1)      // FAT sectors
	le.PutUint32(hdr[0x30:], 1)      // first directory sector
	le.PutUint32(hdr[0x38:], 4096)   // mini stream cutoff
	le.PutUint32(hdr[0x3C:], endChain)
	le.PutUint32(hdr[0x40:], 0) // mini FAT sectors
	le.PutUint32(hdr[0x44:], endChain)
	le.PutUint32(hdr[0x48:], 0) // DIFAT sectors
	le.PutUint32(hdr[0x4C:], 0) // DIFAT[0]: the FAT is sector 0
	for i := 1; i < 109; i++ {
		le.PutUint32(hdr[0x4C+4*i:], freeSect)
	}
	fat := make([]byte, sec)
	for i := 0; i < sec/4; i++ {
		le.PutUint32(fat[4*i:], freeSect)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endChain)
	for i := 0; i < nData; i++ {
		next := uint32(2 + i + 1)
		if i == nData-1 {
			next = endChain
		}
		le.PutUint32(fat[4*(2+i):], next)
	}
	dir := make([]byte, sec)
	entry := func(i int, name string, typ byte, child uint32, start uint32, size uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		if name != "" {
			le.PutUint16(e[0x40:], uint16(2*(len(u)+1)))
		}
		e[0x42] = typ
		e[0x43] = 1 // black
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], noStream)
		le.PutUint32(e[0x4C:], child)
		le.PutUint32(e[0x74:], start)
		le.PutUint32(e[0x78:], size)
	}
	entry(0, "Root Entry", 5, 1, endChain, 0)
	entry(1, stream, 2, noStream, 2, uint32(len(data)))
	entry(2, "", 0, noStream, 0, 0)
	entry(3, "", 0, noStream, 0, 0)
	out := append(append(append(hdr, fat...), dir...), data...)
	return out
}

// biffStub is the start of a BIFF8 workbook stream: BOF (globals), EOF.
func biffStub() []byte {
	var b bytes.Buffer
	rec := func(typ uint16, body []byte) {
		binary.Write(&b, binary.LittleEndian, typ)
		binary.Write(&b, binary.LittleEndian, uint16(len(body)))
		b.Write(body)
	}
	rec(0x0809, []byte{0x00, 0x06, 0x05, 0x00, 0xAF, 0x18, 0xCD, 0x07, 0xC1, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00})
	rec(0x000A, nil)
	return b.Bytes()
}

// ---- streamed giants ----

// deflateRun is a raw deflate stream of prefix, then n copies of unit, then suffix, built from
// independently compressed blocks so that gigabytes cost one compression of unit. crc and size
// describe the uncompressed data.
func deflateRun(w io.Writer, prefix string, unit []byte, n int, suffix string) (crc uint32, size uint64, err error) {
	block := func(data []byte, final bool) ([]byte, error) {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		if _, err := fw.Write(data); err != nil {
			return nil, err
		}
		if final {
			err = fw.Close()
		} else {
			err = fw.Flush() // ends byte-aligned with a non-final empty stored block
		}
		return b.Bytes(), err
	}
	h := crc32.NewIEEE()
	pre, err := block([]byte(prefix), false)
	if err != nil {
		return 0, 0, err
	}
	mid, err := block(unit, false)
	if err != nil {
		return 0, 0, err
	}
	suf, err := block([]byte(suffix), true)
	if err != nil {
		return 0, 0, err
	}
	if _, err := w.Write(pre); err != nil {
		return 0, 0, err
	}
	h.Write([]byte(prefix))
	for i := 0; i < n; i++ {
		if _, err := w.Write(mid); err != nil {
			return 0, 0, err
		}
		h.Write(unit)
	}
	if _, err := w.Write(suf); err != nil {
		return 0, 0, err
	}
	h.Write([]byte(suffix))
	return h.Sum32(), uint64(len(prefix)) + uint64(n)*uint64(len(unit)) + uint64(len(suffix)), nil
}

// writeBomb writes a workbook whose one sheet is a header and a household row followed by
// mb MiB of spaces inside <sheetData> (the whitespace bomb of research/spreadsheet.md §2.1),
// its size declared as declare (0: honestly).
func writeBomb(path string, mb int, declare uint64) error {
	sheets := []xsheet{householdsSheet("脱贫户收入台账", goodRows(1)...)}
	fixed, _ := xlsxParts(sheets)
	var head bytes.Buffer
	head.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="` + nsMain + `"><sheetData>`)
	for r, cells := range sheets[0].rows {
		writeRow(&head, r+1, cells)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, p := range fixed {
		fw, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		fw.Write(p.data)
	}
	var raw bytes.Buffer
	crc, size, err := deflateRun(&raw, head.String(), bytes.Repeat([]byte{' '}, 1<<20), mb, `</sheetData></worksheet>`)
	if err != nil {
		return err
	}
	if declare == 0 {
		declare = size
	}
	hw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: declare})
	if err != nil {
		return err
	}
	if _, err := hw.Write(raw.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// writeSheetFile streams a workbook with these sheets to path.
func writeSheetFile(path string, sheets []xsheet) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := writeXLSX(f, sheets, zipOptions{}); err != nil {
		return err
	}
	return f.Close()
}

// millionRows: five households, then 1,000,000 styled empty rows (a fill and a text format on
// the whole row, as when a cadre formats entire columns).
func millionRows(path string) error {
	sh := householdsSheet("脱贫户收入台账", goodRows(5)...)
	first := len(sh.rows) + 1
	sh.dim = fmt.Sprintf("A1:J%d", first+1_000_000-1)
	sh.tail = func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		for r := first; r < first+1_000_000; r++ {
			fmt.Fprintf(bw, `<row r="%d" s="1" customFormat="1" ht="14.25" customHeight="1"/>`, r)
		}
		return bw.Flush()
	}
	return writeSheetFile(path, []xsheet{sh})
}

// wideCols: the households header, then 10,000 columns of 备注 on the header row and a value
// in every one of them on each of 5 household rows.
func wideCols(path string) error {
	sh := householdsSheet("脱贫户收入台账")
	hdr := append([]xcell(nil), hhHeader...)
	for len(hdr) < 10_000 {
		hdr = append(hdr, s(fmt.Sprintf("备注%d", len(hdr)+1)))
	}
	sh.rows[1] = hdr
	for _, r := range goodRows(5) {
		for len(r) < 10_000 {
			r = append(r, n(fmt.Sprint(len(r))))
		}
		sh.rows = append(sh.rows, r)
	}
	return writeSheetFile(path, []xsheet{sh})
}

// manyEntries: a good workbook plus 2,500 tiny extra parts.
func manyEntries(path string) error {
	var b bytes.Buffer
	if err := writeXLSX(&b, []xsheet{householdsSheet("脱贫户收入台账", goodRows(2)...)}, zipOptions{}); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, zf := range zr.File {
		if err := zw.Copy(zf); err != nil {
			return err
		}
	}
	for i := 0; i < 2500; i++ {
		fw, err := zw.Create(fmt.Sprintf("customXml/item%d.xml", i))
		if err != nil {
			return err
		}
		fmt.Fprintf(fw, "<x>%d</x>", i)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// ---- the committed files ----

// corpusFile is one committed bad file and how to make it.
type corpusFile struct {
	name string
	make func(t testing.TB) []byte
	// random: the bytes differ per run (encryption salt); only its existence is checked.
	random bool
}

func rnd(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5EED)) }

var corpusFiles = []corpusFile{
	{name: "truncated.xlsx", make: func(t testing.TB) []byte {
		b := xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", goodRows(30)...)}, zipOptions{})
		return b[:len(b)*3/5]
	}},
	{name: "random.xlsx", make: func(t testing.TB) []byte {
		b := make([]byte, 4096)
		r := rnd(1)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}},
	{name: "random_after_zip_magic.xlsx", make: func(t testing.TB) []byte {
		b := make([]byte, 4096)
		r := rnd(2)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		copy(b, "PK\x03\x04")
		return b
	}},
	{name: "zero_bytes.xlsx", make: func(t testing.TB) []byte { return []byte{} }},
	{name: "text_renamed.xlsx", make: func(t testing.TB) []byte {
		return []byte("序号,户主姓名,身份证号码,家庭人口\n1,包玉山,150422196001011234,3\n")
	}},
	{name: "lying_size.xlsx", make: func(t testing.TB) []byte {
		// the sheet declares 1 KiB; it inflates to 16 MiB of white space
		sh := householdsSheet("脱贫户收入台账", goodRows(3)...)
		sh.tail = func(w io.Writer) error {
			sp := bytes.Repeat([]byte{' '}, 1<<20)
			for i := 0; i < 16; i++ {
				if _, err := w.Write(sp); err != nil {
					return err
				}
			}
			return nil
		}
		return xlsxBytes(t, []xsheet{sh}, zipOptions{declare: map[string]uint64{"xl/worksheets/sheet1.xml": 1024}})
	}},
	{name: "declares_8gib.xlsx", make: func(t testing.TB) []byte {
		// research/spreadsheet.md §2.1: a 6 KB file whose xl/styles.xml declares 8 GiB
		return xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", goodRows(3)...)},
			zipOptions{declare: map[string]uint64{"xl/styles.xml": 8 << 30}})
	}},
	{name: "password.xlsx", random: true, make: func(t testing.TB) []byte {
		f := excelize.NewFile()
		defer f.Close()
		for r, cells := range householdsSheet("Sheet1", goodRows(3)...).rows {
			vals := make([]any, len(cells))
			for i, c := range cells {
				vals[i] = c.v
			}
			f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", r+1), &vals)
		}
		var b bytes.Buffer
		if err := f.Write(&b, excelize.Options{Password: corpusPassword}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}},
	{name: "legacy.xls", make: func(t testing.TB) []byte { return cfb("Workbook", biffStub()) }},
	{name: "legacy.et", make: func(t testing.TB) []byte { return cfb("Workbook", biffStub()) }},
	{name: "ole_not_workbook.xlsx", make: func(t testing.TB) []byte { return cfb("WordDocument", []byte("not a workbook")) }},
	{name: "zip_not_workbook.xlsx", make: func(t testing.TB) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		fw, _ := zw.Create("readme.txt")
		io.WriteString(fw, "这不是Excel")
		zw.Close()
		return b.Bytes()
	}},
	{name: "path_traversal.xlsx", make: func(t testing.TB) []byte {
		b := xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", goodRows(2)...)}, zipOptions{})
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, zf := range zr.File {
			zw.Copy(zf)
		}
		fw, _ := zw.Create("../../etc/cron.d/evil")
		io.WriteString(fw, "* * * * * root true\n")
		zw.Close()
		return out.Bytes()
	}},
	{name: "empty_workbook.xlsx", make: func(t testing.TB) []byte {
		return xlsxBytes(t, []xsheet{{name: "Sheet1"}}, zipOptions{})
	}},
	{name: "no_ledger.xlsx", make: func(t testing.TB) []byte {
		return xlsxBytes(t, []xsheet{{name: "会议记录", rows: [][]xcell{txts("时间", "地点", "参会人员"), txts("3月5日", "村委会", "全体")}}}, zipOptions{})
	}},
	{name: "long_cell.xlsx", make: func(t testing.TB) []byte {
		rows := goodRows(3)
		rows[1][3] = s(strings.Repeat("王", 40_000)) // 户主姓名
		rows[2][6] = s(strings.Repeat("9", 40_000)) // 工资性收入
		return xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", rows...)}, zipOptions{})
	}},
	{name: "formula_errors.xlsx", make: func(t testing.TB) []byte {
		rows := goodRows(4)
		rows[0][6] = ferr("G2/0", "#DIV/0!")             // 工资性收入 row 3
		rows[1][9] = ferr("SUM(#REF!)/F4", "#REF!")      // 人均纯收入 row 4
		rows[2][5] = ferr(`VLOOKUP(D5,A:B,2,0)`, "#N/A") // 家庭人口 row 5
		return xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", rows...)}, zipOptions{})
	}},
	{name: "dates_as_text.xlsx", make: func(t testing.TB) []byte {
		hh := householdsSheet("脱贫户收入台账", goodRows(5)...)
		dibao := xsheet{name: "低保渐退", rows: [][]xcell{
			txts("户编号", "户主姓名", "渐退期满时间", "是否复核"),
		}}
		dates := []string{"2026.6.30", "2026年6月30日", "明年六月", "2026-02-30", "六月底"}
		for i, d := range dates {
			h := household(i+1, names[i])
			dibao.rows = append(dibao.rows, row(h[2], h[3], s(d), s("是")))
		}
		return xlsxBytes(t, []xsheet{hh, dibao}, zipOptions{})
	}},
	{name: "ids_as_numbers.xlsx", make: func(t testing.TB) []byte {
		rows := goodRows(4)
		rows[0][4] = n("1.50422196001012E+17") // what Excel keeps of an ID typed into a number cell
		rows[2][4] = n("150422196001012000")
		return xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", rows...)}, zipOptions{})
	}},
	{name: "duplicate_households.xlsx", make: func(t testing.TB) []byte {
		rows := goodRows(4)
		dup := household(2, names[1])
		dup[0] = n("5")
		rows = append(rows, dup)
		return xlsxBytes(t, []xsheet{householdsSheet("脱贫户收入台账", rows...)}, zipOptions{})
	}},
	{name: "sheet_named_summary.xlsx", make: func(t testing.TB) []byte {
		// the cadre's own households sheet is called 汇总, like the summary sheet we add
		return xlsxBytes(t, []xsheet{householdsSheet("汇总", goodRows(4)...)}, zipOptions{})
	}},
}

const corpusPassword = "zengshou-test"

var update = flag.Bool("update", false, "rewrite the committed bad-file corpus in testdata/bad")
