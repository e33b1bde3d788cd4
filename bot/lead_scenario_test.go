package bot_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// leadVillage is a one-village ledger of county/township/village for quarter q, its household
// ids 150422<code>….
type leadVillage struct{ county, township, village, code string }

func leadLedger(t *testing.T, path string, v leadVillage, n int, seed int64, q int) {
	t.Helper()
	var buf bytes.Buffer
	if err := ledger.Generate(&buf, n, seed, ledger.GenOptions{County: v.county, Township: v.township, Quarter: q, Villages: 1}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if f.Name == "xl/sharedStrings.xml" {
			s := strings.ReplaceAll(string(b), "红旗村", v.village)
			s = strings.ReplaceAll(s, "<t>150422100", "<t>150422"+v.code)
			b = []byte(s)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// leadUpload drops the ledger of v for quarter q into the village's chat under name and runs it.
func (h *harness) leadUpload(v leadVillage, name string, n int, seed int64, q int) {
	h.t.Helper()
	p := filepath.Join(h.t.TempDir(), "src.xlsx")
	leadLedger(h.t, p, v, n, seed, q)
	dir := filepath.Join(h.dir, "inbox", v.village+"群")
	os.MkdirAll(dir, 0o755)
	b, _ := os.ReadFile(p)
	tmp := filepath.Join(h.t.TempDir(), name)
	os.WriteFile(tmp, b, 0o644)
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		h.t.Fatal(err)
	}
	h.scan()
	h.drain()
}

var leadVillages = []leadVillage{
	{"巴林左旗", "林东镇", "红旗村", "100"},
	{"巴林左旗", "林东镇", "东风村", "101"},
	{"巴林左旗", "隆昌镇", "光明村", "102"},
	{"宁城县", "天义镇", "新民村", "103"},
	{"宁城县", "天义镇", "团结村", "104"},
}

func leadRoster(c *config.Config) {
	c.Roster.Leaders = []config.Leader{
		{Name: "巴林左旗领导", Unit: config.Unit{County: "巴林左旗"}, IDs: config.IDs{"local": "lead-county"}},
		{Name: "林东镇领导", Unit: config.Unit{County: "巴林左旗", Township: "林东镇"}, IDs: config.IDs{"local": "lead-town"}},
		{Name: "红旗村书记", Unit: config.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}, IDs: config.IDs{"local": "lead-village"}},
		{Name: "胜利村书记", Unit: config.Unit{County: "巴林左旗", Township: "林东镇", Village: "胜利村"}, IDs: config.IDs{"local": "lead-never"}},
		{Name: "宁城县领导", Unit: config.Unit{County: "宁城县"}, IDs: config.IDs{"local": "lead-ning"}},
		{Name: "市领导", Unit: config.Unit{}, IDs: config.IDs{"local": "lead-city"}},
	}
}

func leadCommand(t *testing.T, h *harness, id, chat, sender, text string) string {
	t.Helper()
	ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: chat, SenderID: sender, Text: text}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	r := h.messages("reply")
	return r[len(r)-1].Text
}
