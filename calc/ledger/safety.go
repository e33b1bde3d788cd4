package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/richardlehane/mscfb"
	"github.com/xuri/excelize/v2"
)

// Default limits, used for every Limits field left zero.
var DefaultLimits = Limits{
	MaxFileBytes:     50 << 20,
	MaxUnzippedBytes: 512 << 20,
	MaxXMLBytes:      4 << 20,
	MaxEntries:       2000,
	MaxRatio:         200,
	MaxRows:          300_000,
	MaxCols:          500,
	MaxCells:         30_000_000,
	LargeFileRows:    20_000,
}

// ratioFloor: entries smaller than this are not ratio-checked (small XML parts compress very well).
const ratioFloor = 1 << 20

// withDefaults fills zero limits with DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileBytes > 0 {
		d.MaxFileBytes = l.MaxFileBytes
	}
	if l.MaxUnzippedBytes > 0 {
		d.MaxUnzippedBytes = l.MaxUnzippedBytes
	}
	if l.MaxXMLBytes > 0 {
		d.MaxXMLBytes = l.MaxXMLBytes
	}
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.MaxRows > 0 {
		d.MaxRows = l.MaxRows
	}
	if l.MaxCols > 0 {
		d.MaxCols = l.MaxCols
	}
	if l.MaxCells > 0 {
		d.MaxCells = l.MaxCells
	}
	if l.LargeFileRows > 0 {
		d.LargeFileRows = l.LargeFileRows
	}
	d.TmpDir = l.TmpDir
	if d.MaxXMLBytes > d.MaxUnzippedBytes {
		d.MaxXMLBytes = d.MaxUnzippedBytes
	}
	return d
}

// The cadre-facing messages of unreadable files.
const (
	MsgNotXLSX       = "这不是Excel工作簿（.xlsx）文件，请上传Excel台账"
	MsgDamaged       = "文件已损坏，无法打开：请用Excel或WPS打开后另存为 .xlsx 再上传"
	MsgEncrypted     = "文件设置了密码，无法读取：请去掉密码后重新上传，或请管理员配置密码"
	MsgWrongPassword = "文件设置了密码，配置的密码不正确：请去掉密码后重新上传，或请管理员更新密码"
	MsgXLS           = "这是旧版 .xls（或WPS .et）文件，请另存为 .xlsx 后重新上传"
	MsgConvertFailed = "这是旧版 .xls（或WPS .et）文件，自动转换失败，请另存为 .xlsx 后重新上传"
	MsgZipBomb       = "文件内容异常（压缩比过高或压缩包信息与实际不符），为安全起见已拒绝读取：请用Excel或WPS另存为 .xlsx 后重新上传"
	MsgEmpty         = "工作簿是空的，没有任何数据"
)

func fileErr(code, msg string, err error) *FileError {
	return &FileError{Code: code, Message: msg, Err: err}
}

func mb(n int64) string {
	if n >= 10<<20 {
		return fmt.Sprintf("%dMB", n>>20)
	}
	return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = []byte("PK\x03\x04")
	zipEmpty = []byte("PK\x05\x06")
)

// prepareFile sniffs the container and returns the path of an OOXML zip that passed the zip
// checks: the upload itself, its decrypted package, or its LibreOffice conversion (in tmp).
func prepareFile(path string, opt ReadOptions, lim Limits, tmp string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("stat workbook: %w", err)
	}
	if st.Size() == 0 {
		return "", fileErr("empty", MsgEmpty, nil)
	}
	if st.Size() > lim.MaxFileBytes {
		return "", fileErr("too_large", fmt.Sprintf("文件太大（%s），超过上限%s，请拆分后上传", mb(st.Size()), mb(lim.MaxFileBytes)), nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open workbook: %w", err)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, oleMagic):
		defer f.Close()
		return prepareOLE(f, path, opt, lim, tmp)
	case bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, zipEmpty):
		f.Close()
		if err := checkZip(path, lim); err != nil {
			return "", err
		}
		return transitionalCopy(path, lim, tmp)
	}
	f.Close()
	return "", fileErr("not_xlsx", MsgNotXLSX, nil)
}

// oleStreams lists the stream names of an OLE compound file.
func oleStreams(r io.ReaderAt) (map[string]bool, error) {
	doc, err := mscfb.New(r)
	if err != nil {
		return nil, fmt.Errorf("read compound file: %w", err)
	}
	names := map[string]bool{}
	for i := 0; i < 10000; i++ {
		e, err := doc.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return names, fmt.Errorf("read compound file entry: %w", err)
		}
		names[e.Name] = true
	}
	return names, nil
}

func prepareOLE(f *os.File, path string, opt ReadOptions, lim Limits, tmp string) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fileErr("damaged", MsgDamaged, fmt.Errorf("read compound file: %v", p))
		}
	}()
	names, err := oleStreams(f)
	if err != nil && len(names) == 0 {
		return "", fileErr("damaged", MsgDamaged, err)
	}
	switch {
	case names["EncryptionInfo"] || names["EncryptedPackage"]:
		if opt.Password == "" {
			return "", fileErr("encrypted", MsgEncrypted, nil)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read workbook: %w", err)
		}
		pkg, err := excelize.Decrypt(raw, &excelize.Options{Password: opt.Password})
		if err != nil || len(pkg) < 4 || !bytes.HasPrefix(pkg, zipMagic) {
			if err == nil {
				err = errors.New("decrypted package is not a zip")
			}
			return "", fileErr("encrypted", MsgWrongPassword, err)
		}
		dec := filepath.Join(tmp, decryptedName)
		if err := os.WriteFile(dec, pkg, 0o600); err != nil {
			return "", fmt.Errorf("write decrypted workbook: %w", err)
		}
		if err := checkZip(dec, lim); err != nil {
			return "", err
		}
		return dec, nil
	case names["Workbook"] || names["Book"] || names["WorkBook"]:
		code := "xls"
		if strings.EqualFold(filepath.Ext(path), ".et") {
			code = "et"
		}
		if opt.SofficePath == "" {
			return "", fileErr(code, MsgXLS, nil)
		}
		conv, err := convertLegacy(path, opt, tmp)
		if err != nil {
			return "", fileErr(code, MsgConvertFailed, err)
		}
		if err := checkZip(conv, lim); err != nil {
			return "", err
		}
		return conv, nil
	}
	return "", fileErr("not_xlsx", MsgNotXLSX, nil)
}

// convertLegacy converts a BIFF .xls/.et with LibreOffice headless, in tmp, with a timeout that
// kills the whole process group and a disposable profile. The upload's name is never used.
func convertLegacy(path string, opt ReadOptions, tmp string) (string, error) {
	dir := filepath.Join(tmp, "convert")
	profile := filepath.Join(tmp, "soffice-profile")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create convert dir: %w", err)
	}
	in := filepath.Join(dir, "input.xls")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read legacy workbook: %w", err)
	}
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return "", fmt.Errorf("copy legacy workbook: %w", err)
	}
	timeout := opt.SofficeTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.SofficePath, "--headless", "--norestore", "--nologo", "--nolockcheck",
		"-env:UserInstallation=file://"+filepath.ToSlash(profile),
		"--convert-to", "xlsx", "--outdir", dir, in)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("convert legacy workbook: %w (%s)", err, strings.TrimSpace(stderr.String()))
	}
	out := filepath.Join(dir, "input.xlsx")
	if _, err := os.Stat(out); err != nil {
		return "", fmt.Errorf("convert legacy workbook: no output: %w", err)
	}
	return out, nil
}

// checkZip walks the zip before excelize sees it: entry count, names, declared sizes (each and
// total), compression ratios, then the actual decompressed bytes of every entry, counted while
// streaming, so that a lying size header does not matter.
func checkZip(path string, lim Limits) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fileErr("damaged", MsgDamaged, fmt.Errorf("open zip: %w", err))
	}
	defer zr.Close()
	if len(zr.File) == 0 {
		return fileErr("damaged", MsgDamaged, errors.New("zip has no entries"))
	}
	if len(zr.File) > lim.MaxEntries {
		return fileErr("zip_bomb", MsgZipBomb, fmt.Errorf("zip has %d entries, limit %d", len(zr.File), lim.MaxEntries))
	}
	tooLarge := func(what string) error {
		return fileErr("too_large", fmt.Sprintf("文件解压后内容太大（超过%s），请拆分后上传", mb(lim.MaxUnzippedBytes)), errors.New(what))
	}
	seen := map[string]bool{}
	var declared uint64
	for _, zf := range zr.File {
		name := zf.Name
		if seen[name] || strings.HasPrefix(name, "/") || strings.Contains(name, "..") || strings.Contains(name, "\\") {
			return fileErr("damaged", MsgDamaged, fmt.Errorf("bad zip entry name %q", name))
		}
		seen[name] = true
		if zf.UncompressedSize64 > uint64(lim.MaxUnzippedBytes) {
			return tooLarge(fmt.Sprintf("entry %s declares %d bytes", name, zf.UncompressedSize64))
		}
		declared += zf.UncompressedSize64
		if declared > uint64(lim.MaxUnzippedBytes) {
			return tooLarge(fmt.Sprintf("entries declare %d bytes", declared))
		}
		if zf.UncompressedSize64 > ratioFloor && zf.UncompressedSize64 > zf.CompressedSize64*uint64(lim.MaxRatio) {
			return fileErr("zip_bomb", MsgZipBomb, fmt.Errorf("entry %s ratio %d:%d", name, zf.UncompressedSize64, zf.CompressedSize64))
		}
	}
	if !seen["[Content_Types].xml"] || !seen["xl/workbook.xml"] && !anyPrefix(seen, "xl/workbook") {
		return fileErr("not_xlsx", MsgNotXLSX, errors.New("zip is not an OOXML workbook"))
	}
	var actual int64
	for _, zf := range zr.File {
		n, err := countEntry(zf, lim.MaxUnzippedBytes-actual)
		actual += n
		if actual > lim.MaxUnzippedBytes {
			return fileErr("zip_bomb", MsgZipBomb, fmt.Errorf("entry %s decompresses past the limit", zf.Name))
		}
		if n > int64(zf.UncompressedSize64) {
			return fileErr("zip_bomb", MsgZipBomb, fmt.Errorf("entry %s: %d bytes, declares %d", zf.Name, n, zf.UncompressedSize64))
		}
		if err != nil {
			return fileErr("damaged", MsgDamaged, fmt.Errorf("read zip entry %s: %w", zf.Name, err))
		}
		if n > ratioFloor && zf.CompressedSize64 > 0 && uint64(n) > zf.CompressedSize64*uint64(lim.MaxRatio) {
			return fileErr("zip_bomb", MsgZipBomb, fmt.Errorf("entry %s ratio %d:%d", zf.Name, n, zf.CompressedSize64))
		}
	}
	return nil
}

func anyPrefix(m map[string]bool, p string) bool {
	for k := range m {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// countEntry decompresses one entry into nothing and counts at most limit+1 bytes. It opens
// the entry raw and inflates it itself where it can, so the count is the real size whatever
// the header says.
func countEntry(zf *zip.File, limit int64) (int64, error) {
	if limit < 0 {
		limit = 0
	}
	raw, err := zf.OpenRaw()
	if err != nil {
		return 0, fmt.Errorf("open zip entry: %w", err)
	}
	var rc io.Reader
	switch zf.Method {
	case zip.Store:
		rc = raw
	case zip.Deflate:
		fr := flateReader(raw)
		defer fr.Close()
		rc = fr
	default:
		return 0, fmt.Errorf("zip entry method %d not supported", zf.Method)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(rc, limit+1))
	if err != nil {
		return n, fmt.Errorf("inflate zip entry: %w", err)
	}
	return n, nil
}
