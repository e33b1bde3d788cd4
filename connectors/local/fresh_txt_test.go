package local

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"zengshou/connectors"
)

// A command written in Windows Notepad: saved “UTF-8 with BOM” it read “没有听懂“\ufeff进度 林东镇””,
// saved as ANSI (GBK on Chinese Windows, the default of older Notepad) it read as mojibake. Both
// are the command typed.
func TestFreshTextCommandFromNotepad(t *testing.T) {
	c, dir := newConn(t)
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	files := map[string][]byte{
		"bom.txt":  []byte("\xef\xbb\xbf进度 林东镇\r\n"),
		"gbk.txt":  {0xbd, 0xf8, 0xb6, 0xc8, ' ', 0xc1, 0xd6, 0xb6, 0xab, 0xd5, 0xf2}, // 进度 林东镇 in GBK (iconv -t gbk)
		"utf8.txt": []byte("汇总 林东镇\n"),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(inbox, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	h := func(_ context.Context, ev connectors.Event) error {
		if ev.Kind == connectors.EventText {
			got = append(got, ev.Text)
		}
		return nil
	}
	c.ScanOnce(context.Background(), h)
	c.ScanOnce(context.Background(), h)
	sort.Strings(got)
	if len(got) != 3 || got[0] != "汇总 林东镇" || got[1] != "进度 林东镇" || got[2] != "进度 林东镇" {
		t.Errorf("commands %q", got)
	}
}
