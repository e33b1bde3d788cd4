package connectors

import (
	"strings"
	"testing"
	"time"
)

func TestSentParts(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := &SentParts{TTL: time.Hour, Now: func() time.Time { return now }}
	s.Mark("", "t0")
	if s.Done("", "t0") {
		t.Fatal("a message without a key is never skipped")
	}
	s.Mark("k", "t0")
	if !s.Done("k", "t0") || s.Done("k", "t1") || s.Done("k2", "t0") {
		t.Fatal("Done does not match Mark")
	}
	s.Mark("k", "t1", []byte("处理完成"))
	if !s.Done("k", "t1", []byte("处理完成")) || s.Done("k", "t1", []byte("发送失败，已通知管理员")) {
		t.Fatal("a part is told apart by its content")
	}
	s.Mark("k", "f", []byte("a.xlsx"), []byte("bc"))
	if s.Done("k", "f", []byte("a.xl"), []byte("sxbc")) {
		t.Fatal("content fields run together")
	}
	now = now.Add(time.Hour)
	if s.Done("k", "t0") {
		t.Fatal("a part is remembered past its TTL")
	}
}

// PartID is a fixed-size digest: it can be stored without the message, and key, name and
// content do not run into one another.
func TestPartID(t *testing.T) {
	if PartID("", "t0", []byte("x")) != "" {
		t.Fatal("a message without a key has no part id")
	}
	id := PartID("job-7-reply", "oc_chat/f", []byte("王建军.xlsx"), []byte("data"))
	if len(id) != 64 || strings.Contains(id, "job") || strings.Contains(id, "oc_chat") {
		t.Fatalf("PartID = %q, want 64 hex digits", id)
	}
	if id != PartID("job-7-reply", "oc_chat/f", []byte("王建军.xlsx"), []byte("data")) {
		t.Fatal("PartID is not stable")
	}
	for _, other := range []string{
		PartID("job-7-repl", "yoc_chat/f", []byte("王建军.xlsx"), []byte("data")),
		PartID("job-7-reply", "oc_chat/f", []byte("王建军.xlsxdata")),
		PartID("job-7-reply", "oc_chat/f", []byte("王建军.xlsx"), []byte("data"), nil),
	} {
		if other == id {
			t.Fatal("fields run together")
		}
	}
}
