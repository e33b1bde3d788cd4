package bot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc/ledger"
	"zengshou/config"
)

// A password-protected ledger (opened with ledger.xlsx_password) comes back to the group locked
// with the same password: it names households and ID numbers. The reply says so.
func TestEncryptedUploadComesBackEncrypted(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Ledger.XLSXPassword = "mima123" })
	plain := filepath.Join(t.TempDir(), "plain.xlsx")
	if err := ledger.GenerateFile(plain, 12, 3, q4()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(h.dir, "inbox", "红旗村")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "加密台账.xlsx")
	if err := f.SaveAs(tmp, excelize.Options{Password: "mima123"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, filepath.Join(dir, "加密台账.xlsx")); err != nil {
		t.Fatal(err)
	}
	h.scan()
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || replies[0].File == "" {
		t.Fatalf("replies %+v", replies)
	}
	if !strings.Contains(replies[0].Text, "已用原文件的密码加密") {
		t.Errorf("the reply does not say the result is locked:\n%s", replies[0].Text)
	}
	out := replies[0].File
	if !filepath.IsAbs(out) {
		out = filepath.Join(h.dir, out)
	}
	if g, err := excelize.OpenFile(out); err == nil {
		g.Close()
		t.Fatal("the result opens without the password")
	}
	g, err := excelize.OpenFile(out, excelize.Options{Password: "mima123"})
	if err != nil {
		t.Fatalf("the result does not open with the password: %v", err)
	}
	g.Close()
}
