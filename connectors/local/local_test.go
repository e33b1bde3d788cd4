package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zengshou/connectors"
)

func newConn(t *testing.T) (*Connector, string) {
	dir := t.TempDir()
	c, err := New(dir, Options{Quiet: true, Now: func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return c, dir
}

func TestFileIsTakenOnlyWhenStable(t *testing.T) {
	c, dir := newConn(t)
	var got []connectors.Event
	h := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	p := filepath.Join(inbox, "台账.xlsx")
	os.WriteFile(p, []byte("part"), 0o644)
	c.ScanOnce(context.Background(), h)
	if len(got) != 0 {
		t.Fatal("a file seen once may still be being written")
	}
	// It grows between scans: still not taken.
	os.WriteFile(p, []byte("part, more"), 0o644)
	c.ScanOnce(context.Background(), h)
	if len(got) != 0 {
		t.Fatal("a file that changed since the last scan must wait")
	}
	c.ScanOnce(context.Background(), h)
	if len(got) != 1 || got[0].Kind != connectors.EventFile || got[0].ChatID != "群" || got[0].File.Name != "台账.xlsx" {
		t.Fatalf("events: %+v", got)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a taken file leaves the inbox")
	}
	var buf strings.Builder
	if _, err := c.Download(context.Background(), *got[0].File, &buf, 1<<20); err != nil || buf.String() != "part, more" {
		t.Fatalf("download: %q %v", buf.String(), err)
	}
	if _, err := c.Download(context.Background(), *got[0].File, &buf, 3); !errors.Is(err, connectors.ErrTooLarge) {
		t.Fatalf("size cap: %v", err)
	}
	if _, err := c.Download(context.Background(), connectors.FileRef{Key: "../../etc/passwd"}, &buf, 1<<20); err == nil {
		t.Fatal("a key that is not ours must be refused")
	}
}

func TestEventRedeliveredUntilAccepted(t *testing.T) {
	c, dir := newConn(t)
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	os.WriteFile(filepath.Join(inbox, "a.xlsx"), []byte("x"), 0o644)
	fail := func(context.Context, connectors.Event) error { return errors.New("store busy") }
	c.ScanOnce(context.Background(), fail)
	c.ScanOnce(context.Background(), fail)
	var got []connectors.Event
	ok := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	// A restarted connector (new value, same folder) delivers the pending event again.
	c2, _ := New(dir, Options{Quiet: true})
	c2.ScanOnce(context.Background(), ok)
	if len(got) != 1 {
		t.Fatalf("pending event redelivered %d times, want 1", len(got))
	}
	c2.ScanOnce(context.Background(), ok)
	if len(got) != 1 {
		t.Fatal("an accepted event is not delivered again")
	}
}

func TestTextCommandFile(t *testing.T) {
	c, dir := newConn(t)
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	os.WriteFile(filepath.Join(inbox, "cmd.txt"), []byte(" 进度 红旗村 \n"), 0o644)
	var got []connectors.Event
	h := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	c.ScanOnce(context.Background(), h)
	c.ScanOnce(context.Background(), h)
	if len(got) != 1 || got[0].Kind != connectors.EventText || got[0].Text != "进度 红旗村" {
		t.Fatalf("events: %+v", got)
	}
}

func TestSendIsIdempotentAndKeepsFilesInTheOutbox(t *testing.T) {
	c, dir := newConn(t)
	m := connectors.Message{Kind: "reply", ChatID: "../../evil", Text: "你好", File: &connectors.Attachment{Name: "../../../etc/x.xlsx", Data: []byte("d")}, IdempotencyKey: "k1"}
	for i := 0; i < 2; i++ {
		if _, err := c.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// A new connector value (a restart) still knows k1 was sent.
	c2, _ := New(dir, Options{Quiet: true})
	c2.Send(context.Background(), m)
	msgs, err := ReadMessages(dir)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %d %v, want exactly 1", len(msgs), err)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, msgs[0].File))
	root, _ := filepath.Abs(filepath.Join(dir, "outbox"))
	if !strings.HasPrefix(abs, root+string(os.PathSeparator)) {
		t.Fatalf("file written outside the outbox: %s", abs)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"台账.xlsx":       "台账.xlsx",
		"../../x.xlsx":  "x.xlsx",
		"/etc/passwd":   "passwd",
		"a\x00b.xlsx":   "ab.xlsx",
		`..\..\x.xlsx`:  "x.xlsx",
		"...":           "file",
		"":              "file",
		"结果（第3季度）.xlsx": "结果（第3季度）.xlsx",
		// A masked name stays masked: 王*英 without its star read 王英, another person's name,
		// and a masked ID number ran into the digits of a masked phone number.
		"王*英-增收计算结果.xlsx":                          "王＊英-增收计算结果.xlsx",
		"包*山户 1504**********0012 139****1111.xlsx": "包＊山户1504＊＊＊＊＊＊＊＊＊＊0012139＊＊＊＊1111.xlsx",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The same ledger dropped again with the same name, size and time (cp -p) is a second upload,
// with its own id: it was taken as a duplicate delivery and silently dropped.
func TestSameFileDroppedTwiceIsTwoUploads(t *testing.T) {
	c, dir := newConn(t)
	var got []connectors.Event
	h := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	p := filepath.Join(inbox, "台账.xlsx")
	mtime := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for range 2 {
		os.WriteFile(p, []byte("same ledger"), 0o644)
		os.Chtimes(p, mtime, mtime)
		c.ScanOnce(context.Background(), h)
		c.ScanOnce(context.Background(), h)
	}
	if len(got) != 2 || got[0].ID == got[1].ID {
		t.Fatalf("events: %+v, want two with different ids", got)
	}
	for _, ev := range got {
		var buf strings.Builder
		if _, err := c.Download(context.Background(), *ev.File, &buf, 1<<20); err != nil || buf.String() != "same ledger" {
			t.Fatalf("download %s: %q %v", ev.ID, buf.String(), err)
		}
	}
}

// Two attachments of the same name sent in the same second to the same folder (direct messages
// to two cadres) are two files; the second overwrote the first.
func TestSameNameAttachmentsInOneSecondAreKept(t *testing.T) {
	c, dir := newConn(t)
	for i, u := range []string{"wangjianjun", "liuhaiyan"} {
		if _, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{u}, Kind: "summary", Text: "周报",
			File: &connectors.Attachment{Name: "周报.xlsx", Data: []byte{'A' + byte(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "outbox", "direct", "*周报*.xlsx"))
	if len(files) != 2 {
		t.Fatalf("files in the direct outbox: %v, want 2", files)
	}
	msgs, err := ReadMessages(dir)
	if err != nil || len(msgs) != 2 || msgs[0].File == msgs[1].File {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	for i, m := range msgs {
		if b, _ := os.ReadFile(filepath.Join(dir, m.File)); len(b) != 1 || b[0] != 'A'+byte(i) {
			t.Fatalf("message %d's file %s holds %q", i, m.File, b)
		}
	}
}

// A direct message (a cadre's reminder names households in full) is not printed to the console,
// which a service's logs keep: only whom it went to. Group messages are printed; the demo prints
// everything.
func TestConsoleKeepsDirectMessagesOut(t *testing.T) {
	for _, show := range []bool{false, true} {
		var out strings.Builder
		c, err := New(t.TempDir(), Options{Console: &out, ShowDirect: show})
		if err != nil {
			t.Fatal(err)
		}
		c.Send(context.Background(), connectors.Message{UserIDs: []string{"wangjianjun"}, Kind: "reminder", Text: "1. 包玉山（红旗村）稳岗补贴"})
		c.Send(context.Background(), connectors.Message{ChatID: "红旗村", Kind: "reply", Text: "已处理：包*山"})
		got := out.String()
		if strings.Contains(got, "包玉山") != show || !strings.Contains(got, "私信 wangjianjun") || !strings.Contains(got, "已处理：包*山") {
			t.Fatalf("ShowDirect=%v: console\n%s", show, got)
		}
		if msgs, _ := ReadMessages(c.dir); len(msgs) != 2 || msgs[0].Text != "1. 包玉山（红旗村）稳岗补贴" {
			t.Fatalf("messages.jsonl keeps the direct message whole: %+v", msgs)
		}
	}
}

// Forget deletes the received copy of an upload (the service calls it when the job's files pass
// retention), is a no-op the second time, and refuses a key that is not one of ours.
func TestForgetDeletesTheReceivedCopy(t *testing.T) {
	c, dir := newConn(t)
	var got []connectors.Event
	inbox := filepath.Join(dir, "inbox", "群")
	os.MkdirAll(inbox, 0o755)
	os.WriteFile(filepath.Join(inbox, "台账.xlsx"), []byte("ledger"), 0o644)
	h := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	c.ScanOnce(context.Background(), h)
	c.ScanOnce(context.Background(), h)
	if len(got) != 1 {
		t.Fatalf("events: %+v", got)
	}
	kept := filepath.Join(dir, "local", "received", got[0].File.Key)
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("received copy: %v", err)
	}
	for range 2 {
		if err := c.Forget(*got[0].File); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(kept); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("received copy still there: %v", err)
	}
	if err := c.Forget(connectors.FileRef{Key: "../../zengshou.db"}); err == nil {
		t.Fatal("a key that is not ours must be refused")
	}
}

// A workbook put straight into inbox/ (no chat folder) or into a folder inside a chat's folder
// is not an upload: it was left there without a word, and the admin waited for a reply. The
// console says once where it must go.
func TestMisplacedFileIsNamedOnce(t *testing.T) {
	dir := t.TempDir()
	var console strings.Builder
	c, err := New(dir, Options{Console: &console})
	if err != nil {
		t.Fatal(err)
	}
	var got []connectors.Event
	h := func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }
	os.WriteFile(filepath.Join(dir, "inbox", "台账.xlsx"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "inbox", "林东镇", "红旗村"), 0o755)
	os.WriteFile(filepath.Join(dir, "inbox", "林东镇", "红旗村", "台账.xlsx"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "inbox", ".keep"), nil, 0o644)
	for range 3 {
		c.ScanOnce(context.Background(), h)
	}
	if len(got) != 0 {
		t.Fatalf("events %+v", got)
	}
	out := console.String()
	for _, want := range []string{
		"inbox/台账.xlsx 不在群文件夹里，未处理：请放到 inbox/<群名>/ 下",
		"inbox/林东镇/红旗村 是文件夹，其中的文件不会处理：请把台账直接放在 inbox/林东镇/ 下，或把 红旗村 作为群名放在 inbox/ 下",
	} {
		if strings.Count(out, want) != 1 {
			t.Errorf("console has %d× %q:\n%s", strings.Count(out, want), want, out)
		}
	}
	if strings.Contains(out, ".keep") {
		t.Errorf("a hidden file named:\n%s", out)
	}
}
