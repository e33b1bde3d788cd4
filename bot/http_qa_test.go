package bot_test

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc/ledger"
	"zengshou/config"
)

// A password-protected ledger sent to POST /api/v1/process (opened with ledger.xlsx_password)
// comes back locked with the same password, as it does in a chat: it names households and ID
// numbers. The API sent it back in the clear.
func TestPluginAPIEncryptedUploadComesBackEncrypted(t *testing.T) {
	srv, _ := apiServer(t, func(c *config.Config) { c.Ledger.XLSXPassword = "mima123" })
	plain := filepath.Join(t.TempDir(), "plain.xlsx")
	if err := ledger.GenerateFile(plain, 12, 3, q4()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var locked bytes.Buffer
	if err := f.Write(&locked, excelize.Options{Password: "mima123"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := do(t, "POST", srv.URL+"/api/v1/process?period=2026Q4", "s3cret-token", "application/octet-stream", &locked)
	out, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("process: %d %s", r.StatusCode, out)
	}
	if g, err := excelize.OpenReader(bytes.NewReader(out)); err == nil {
		g.Close()
		t.Fatal("the result opens without the password")
	}
	g, err := excelize.OpenReader(bytes.NewReader(out), excelize.Options{Password: "mima123"})
	if err != nil {
		t.Fatalf("the result does not open with the password: %v", err)
	}
	g.Close()
}

// A multipart upload cut short (no closing boundary: a script that stopped writing, a dropped
// connection) is the client's fault: 400 with a Chinese message. It answered 500 内部错误 and
// logged an internal error.
func TestPluginAPITruncatedUploadIsABadRequest(t *testing.T) {
	srv, h := apiServer(t, nil)
	body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK\x03\x04garbage"
	r := do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "multipart/form-data; boundary=XX", strings.NewReader(body))
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 400 || !strings.Contains(string(b), "上传不完整") {
		t.Errorf("truncated multipart: %d %s, want 400 上传不完整", r.StatusCode, b)
	}
	if strings.Contains(h.logs.String(), "internal error") {
		t.Errorf("logged as an internal error: %s", h.logs.String())
	}
}
