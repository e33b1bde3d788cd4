package ledger

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

func wantFileError(t *testing.T, err error, code, msg string) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *FileError %s", err, code)
	}
	if fe.Code != code || !strings.Contains(fe.Message, msg) {
		t.Fatalf("FileError = %s %q (%v), want %s %q", fe.Code, fe.Message, fe.Err, code, msg)
	}
	return fe
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadNotAWorkbook(t *testing.T) {
	_, err := Read(writeFile(t, "a.xlsx", []byte("户主姓名,身份证号\n张三,1\n")), ReadOptions{})
	wantFileError(t, err, "not_xlsx", "不是Excel工作簿")
	_, err = Read(writeFile(t, "empty.xlsx", nil), ReadOptions{})
	wantFileError(t, err, "empty", "空的")
	// a zip that is not a workbook (a .docx, a zipped folder)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("readme.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	_, err = Read(writeFile(t, "b.xlsx", buf.Bytes()), ReadOptions{})
	wantFileError(t, err, "not_xlsx", "不是Excel工作簿")
}

func TestReadDamaged(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(ledgerDir, "template.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(writeFile(t, "t.xlsx", data[:len(data)/2]), ReadOptions{})
	wantFileError(t, err, "damaged", "文件已损坏")
	// flip bytes inside a compressed part: CRC or inflate error
	bad := append([]byte(nil), data...)
	for i := 200; i < 260; i++ {
		bad[i] ^= 0x5a
	}
	_, err = Read(writeFile(t, "u.xlsx", bad), ReadOptions{})
	wantFileError(t, err, "damaged", "文件已损坏")
}

func TestReadPasswordProtected(t *testing.T) {
	f, err := excelize.OpenFile(filepath.Join(ledgerDir, "template.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "locked.xlsx")
	if err := f.SaveAs(p, excelize.Options{Password: "2026"}); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	_, err = Read(p, ReadOptions{})
	wantFileError(t, err, "encrypted", "文件设置了密码")
	_, err = Read(p, ReadOptions{Password: "wrong"})
	wantFileError(t, err, "encrypted", "密码不正确")
	led, err := Read(p, ReadOptions{Password: "2026"})
	if err != nil {
		t.Fatalf("with the password: %v", err)
	}
	if len(led.Inputs.Households) != 3 {
		t.Errorf("households = %d", len(led.Inputs.Households))
	}
}

// buildCFB writes a minimal OLE compound file (version 3, 512-byte sectors) with one stream
// of at least 4096 bytes (so no mini stream is needed).
func buildCFB(stream string, payload []byte) []byte {
	const sec = 512
	if len(payload) < 4096 {
		payload = append(payload, make([]byte, 4096-len(payload))...)
	}
	nData := (len(payload) + sec - 1) / sec
	const (
		free  = 0xFFFFFFFF
		end   = 0xFFFFFFFE
		fatSe = 0xFFFFFFFD
	)
	hdr := make([]byte, sec)
	copy(hdr, oleMagic)
	le := binary.LittleEndian
	le.PutUint16(hdr[0x18:], 0x3E)
	le.PutUint16(hdr[0x1A:], 3)
	le.PutUint16(hdr[0x1C:], 0xFFFE)
	le.PutUint16(hdr[0x1E:], 9)
	le.PutUint16(hdr[0x20:], 6)
	le.PutUint32(hdr[0x2C:], 1)    // FAT sectors
	le.PutUint32(hdr[0x30:], 1)    // first directory sector
	le.PutUint32(hdr[0x38:], 4096) // mini stream cutoff
	le.PutUint32(hdr[0x3C:], end)  // first mini FAT sector
	le.PutUint32(hdr[0x44:], end)  // first DIFAT sector
	for i := 0; i < 109; i++ {
		le.PutUint32(hdr[0x4C+4*i:], free)
	}
	le.PutUint32(hdr[0x4C:], 0) // FAT in sector 0
	fat := make([]byte, sec)
	for i := 0; i < sec/4; i++ {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSe)
	le.PutUint32(fat[4:], end)
	for i := 0; i < nData; i++ {
		next := uint32(2 + i + 1)
		if i == nData-1 {
			next = end
		}
		le.PutUint32(fat[4*(2+i):], next)
	}
	dir := make([]byte, sec)
	entry := func(off int, name string, typ byte, child, start uint32, size uint64) {
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(dir[off+2*i:], c)
		}
		le.PutUint16(dir[off+0x40:], uint16(2*(len(u)+1)))
		dir[off+0x42] = typ
		dir[off+0x43] = 1 // black
		le.PutUint32(dir[off+0x44:], free)
		le.PutUint32(dir[off+0x48:], free)
		le.PutUint32(dir[off+0x4C:], child)
		le.PutUint32(dir[off+0x74:], start)
		le.PutUint64(dir[off+0x78:], size)
	}
	entry(0, "Root Entry", 5, 1, end, 0)
	entry(128, stream, 2, free, 2, uint64(len(payload)))
	for off := 256; off < sec; off += 128 { // unused entries
		le.PutUint32(dir[off+0x44:], free)
		le.PutUint32(dir[off+0x48:], free)
		le.PutUint32(dir[off+0x4C:], free)
	}
	out := append(append(append([]byte{}, hdr...), fat...), dir...)
	data := make([]byte, nData*sec)
	copy(data, payload)
	return append(out, data...)
}

func TestReadLegacyXLS(t *testing.T) {
	biff := buildCFB("Workbook", []byte{0x09, 0x08, 0x10, 0x00})
	names, err := oleStreams(bytes.NewReader(biff))
	if err != nil || !names["Workbook"] {
		t.Fatalf("crafted CFB: %v %v", names, err)
	}
	_, err = Read(writeFile(t, "a.xls", biff), ReadOptions{})
	wantFileError(t, err, "xls", "这是旧版 .xls（或WPS .et）文件，请另存为 .xlsx 后重新上传")
	_, err = Read(writeFile(t, "a.et", buildCFB("Book", nil)), ReadOptions{})
	wantFileError(t, err, "et", "请另存为 .xlsx")
	// an OLE file with EncryptionInfo is a password-protected workbook
	_, err = Read(writeFile(t, "b.xlsx", buildCFB("EncryptionInfo", nil)), ReadOptions{})
	wantFileError(t, err, "encrypted", "文件设置了密码")
	// a Word document is not a workbook
	_, err = Read(writeFile(t, "c.doc", buildCFB("WordDocument", nil)), ReadOptions{})
	wantFileError(t, err, "not_xlsx", "不是Excel工作簿")
}

// A stand-in for soffice: copies a known workbook to <outdir>/input.xlsx.
func TestReadLegacyConverted(t *testing.T) {
	src, _ := filepath.Abs(filepath.Join(ledgerDir, "template.xlsx"))
	script := fmt.Sprintf("#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --outdir ]; then out=$2; fi; shift; done\ncp %q \"$out/input.xlsx\"\n", src)
	fake := writeFile(t, "soffice", []byte(script))
	if err := os.Chmod(fake, 0o700); err != nil {
		t.Fatal(err)
	}
	led, err := Read(writeFile(t, "a.xls", buildCFB("Workbook", nil)), ReadOptions{SofficePath: fake})
	if err != nil {
		t.Fatalf("converted: %v", err)
	}
	if len(led.Inputs.Households) != 3 {
		t.Errorf("households = %d", len(led.Inputs.Households))
	}
	failing := writeFile(t, "soffice-fail", []byte("#!/bin/sh\nexit 3\n"))
	_ = os.Chmod(failing, 0o700)
	_, err = Read(writeFile(t, "b.xls", buildCFB("Workbook", nil)), ReadOptions{SofficePath: failing})
	wantFileError(t, err, "xls", "自动转换失败")
	hanging := writeFile(t, "soffice-hang", []byte("#!/bin/sh\nsleep 30\n"))
	_ = os.Chmod(hanging, 0o700)
	start := time.Now()
	_, err = Read(writeFile(t, "c.xls", buildCFB("Workbook", nil)), ReadOptions{SofficePath: hanging, SofficeTimeout: 300 * time.Millisecond})
	wantFileError(t, err, "xls", "自动转换失败")
	if time.Since(start) > 10*time.Second {
		t.Errorf("timeout not applied: %v", time.Since(start))
	}
}

// minimalParts are the parts of a one-sheet workbook; sheet is the worksheet XML.
func writeWorkbookZip(w io.Writer, sheet func(io.Writer) error) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return err
		}
	}
	w2, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	if err := sheet(w2); err != nil {
		return err
	}
	return zw.Close()
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
	`<row r="1"><c r="A1" t="inlineStr"><is><t>户主姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c><c r="C1" t="inlineStr"><is><t>家庭人口数</t></is></c><c r="D1" t="inlineStr"><is><t>人均纯收入</t></is></c></row>` +
	`<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="C2"><v>3</v></c><c r="D2"><v>7000</v></c></row>`

func TestReadZipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1 GiB part")
	}
	p := filepath.Join(t.TempDir(), "bomb.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	err = writeWorkbookZip(f, func(w io.Writer) error {
		if _, err := io.WriteString(w, sheetHead); err != nil {
			return err
		}
		spaces := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i < 1024; i++ { // 1 GiB of whitespace inside <sheetData>
			if _, err := w.Write(spaces); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</sheetData></worksheet>`)
		return err
	})
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	t.Logf("bomb: %d bytes on disk", st.Size())
	start := time.Now()
	_, err = Read(p, ReadOptions{})
	fe := wantFileError(t, err, "too_large", "解压后内容太大")
	t.Logf("%v in %v", fe, time.Since(start))
	_, err = Read(p, ReadOptions{Limits: Limits{MaxUnzippedBytes: 4 << 30}})
	wantFileError(t, err, "zip_bomb", "压缩比过高")
	if time.Since(start) > 20*time.Second {
		t.Errorf("rejecting the bomb took %v", time.Since(start))
	}
}

func TestReadLyingZipHeader(t *testing.T) {
	// a part that declares 100 bytes but inflates to 8 MiB
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	body := append([]byte(sheetHead), bytes.Repeat([]byte(" "), 8<<20)...)
	body = append(body, []byte(`</sheetData></worksheet>`)...)
	_, _ = fw.Write(body)
	_ = fw.Close()
	var buf bytes.Buffer
	if err := writeWorkbookZip(&buf, func(io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// rebuild: copy every entry but the sheet, then add the lying one raw
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(comp.Bytes())
	_ = zw.Close()
	_, err = Read(writeFile(t, "lying.xlsx", out.Bytes()), ReadOptions{})
	fe := wantFileError(t, err, "zip_bomb", "压缩包信息与实际不符")
	if !strings.Contains(fe.Err.Error(), "declares 100") {
		t.Errorf("cause = %v", fe.Err)
	}
	// declared huge: rejected on the header alone
	var out2 bytes.Buffer
	zw = zip.NewWriter(&out2)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			_ = zw.Copy(f)
		}
	}
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 8 << 30})
	_, _ = w.Write(comp.Bytes())
	_ = zw.Close()
	_, err = Read(writeFile(t, "huge.xlsx", out2.Bytes()), ReadOptions{})
	wantFileError(t, err, "too_large", "解压后内容太大")
}

func TestReadLimits(t *testing.T) {
	p := filepath.Join(ledgerDir, "template.xlsx")
	_, err := Read(p, ReadOptions{Limits: Limits{MaxRows: 2}})
	wantFileError(t, err, "too_large", "行数超过上限（2行）")
	_, err = Read(p, ReadOptions{Limits: Limits{MaxCells: 20}})
	wantFileError(t, err, "too_large", "单元格数超过上限")
	_, err = Read(p, ReadOptions{Limits: Limits{MaxFileBytes: 100}})
	wantFileError(t, err, "too_large", "文件太大")
	_, err = Read(p, ReadOptions{Limits: Limits{MaxEntries: 3}})
	wantFileError(t, err, "zip_bomb", "")
}

// A million styled empty rows after the data end the sheet quickly.
func TestReadStyledEmptyRows(t *testing.T) {
	var buf bytes.Buffer
	err := writeWorkbookZip(&buf, func(w io.Writer) error {
		_, _ = io.WriteString(w, strings.TrimSuffix(sheetHead, ""))
		for r := 3; r <= 1_000_000; r++ {
			if _, err := fmt.Fprintf(w, `<row r="%d" s="1" customFormat="1" ht="15"/>`, r); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</sheetData></worksheet>`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "styled.xlsx", buf.Bytes())
	start := time.Now()
	led, err := Read(p, ReadOptions{Limits: Limits{MaxRatio: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	s := led.Sheets[0]
	if s.DataRows != 1 || s.LastRow != 2 || len(led.Inputs.Households) != 1 {
		t.Errorf("sheet = %+v", s)
	}
}

func TestReadNoLedger(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"会议记录", "日期"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"讨论春耕", "2026-03-01"})
	_, _ = f.NewSheet("空表")
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	_, err := Read(p, ReadOptions{})
	fe := wantFileError(t, err, "no_ledger", "没有找到可识别的台账")
	for _, s := range []string{"“Sheet1”", "会议记录", "“空表”", "需要的表头", "户主姓名", "身份证号"} {
		if !strings.Contains(fe.Message, s) {
			t.Errorf("message lacks %q: %s", s, fe.Message)
		}
	}
}

// A sheet with no header row whose first row is a household's data (name, ID and phone number)
// is not quoted in the no-ledger message, which goes to a group chat: it says the row looks like
// data.
func TestReadNoLedgerDoesNotQuoteADataRow(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"阎明", "150422199004160065", "13812345678", "红旗村"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"苏琴", "150422198803030021", "13912345678", "红旗村"})
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	_, err := Read(p, ReadOptions{})
	fe := wantFileError(t, err, "no_ledger", "没有找到可识别的台账")
	if !strings.Contains(fe.Message, "“Sheet1”（第1行像是数据，没有找到表头）") {
		t.Errorf("message does not say the first row is data: %s", fe.Message)
	}
	for _, s := range []string{"阎明", "150422", "138"} {
		if strings.Contains(fe.Message, s) {
			t.Errorf("message quotes %q: %s", s, fe.Message)
		}
	}
}
