package store

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

func partLogger(buf *bytes.Buffer) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(buf)
	return logrus.NewEntry(l)
}

// The store's PartLog answers like connectors.SentParts: a part is told apart by key, name and
// content, is remembered for the TTL, and a message without a key is never skipped.
func TestPartLogDoneMarkTTL(t *testing.T) {
	s := open(t)
	now := t0
	p := NewPartLog(s, func() time.Time { return now }, nil, time.Hour)
	p.Mark("", "t0", []byte("x"))
	if p.Done("", "t0", []byte("x")) {
		t.Fatal("a message without a key is never skipped")
	}
	if p.Done("job-7-reply", "t0", []byte("处理完成")) {
		t.Fatal("Done before Mark")
	}
	p.Mark("job-7-reply", "t0", []byte("处理完成"))
	if !p.Done("job-7-reply", "t0", []byte("处理完成")) {
		t.Fatal("Done after Mark is false")
	}
	if p.Done("job-7-reply", "t1", []byte("处理完成")) || p.Done("job-8-reply", "t0", []byte("处理完成")) ||
		p.Done("job-7-reply", "t0", []byte("发送失败，已通知管理员")) {
		t.Fatal("another part, key or content is taken for the one marked")
	}
	p.Mark("job-7-reply", "f", []byte("a.xlsx"), []byte("bc"))
	if p.Done("job-7-reply", "f", []byte("a.xl"), []byte("sxbc")) {
		t.Fatal("content fields run together")
	}
	now = t0.Add(59 * time.Minute)
	if !p.Done("job-7-reply", "t0", []byte("处理完成")) {
		t.Fatal("forgotten within the TTL")
	}
	// Mark again (a resend after the TTL, or the same part marked twice) moves the time on.
	now = t0.Add(time.Hour)
	if p.Done("job-7-reply", "t0", []byte("处理完成")) {
		t.Fatal("remembered past the TTL")
	}
	p.Mark("job-7-reply", "t0", []byte("处理完成"))
	now = t0.Add(90 * time.Minute)
	if !p.Done("job-7-reply", "t0", []byte("处理完成")) {
		t.Fatal("Mark does not update a row already there")
	}
}

func countSentParts(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM sent_parts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Rows past the TTL are deleted by a Mark, at most once an hour.
func TestPartLogSweeps(t *testing.T) {
	s := open(t)
	now := t0
	p := NewPartLog(s, func() time.Time { return now }, nil, 24*time.Hour)
	p.Mark("job-1-reply", "t0", []byte("a")) // sweeps nothing, starts the hour
	p.Mark("job-2-reply", "t0", []byte("b"))
	now = t0.Add(30 * time.Minute)
	p.Mark("job-3-reply", "t0", []byte("c"))
	if n := countSentParts(t, s); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	now = t0.Add(24*time.Hour + time.Minute) // jobs 1 and 2 expired, the last sweep a day ago
	p.Mark("job-4-reply", "t0", []byte("d"))
	if n := countSentParts(t, s); n != 2 {
		t.Fatalf("%d rows after the sweep, want 2 (jobs 3 and 4)", n)
	}
	now = now.Add(30 * time.Minute) // job 3 expired, but the last sweep was 30 min ago
	p.Mark("job-5-reply", "t0", []byte("e"))
	if n := countSentParts(t, s); n != 3 {
		t.Fatalf("%d rows, want 3: sweeps at most hourly", n)
	}
	now = now.Add(31 * time.Minute)
	p.Mark("job-6-reply", "t0", []byte("f"))
	if n := countSentParts(t, s); n != 3 {
		t.Fatalf("%d rows after the second sweep, want 3 (jobs 4, 5, 6)", n)
	}
	if !p.Done("job-4-reply", "t0", []byte("d")) || p.Done("job-3-reply", "t0", []byte("c")) {
		t.Fatal("the sweep deleted the wrong rows")
	}
}

// What a part was delivered survives closing and reopening the store (a restart), and only a
// digest is stored: no text, file name or chat id.
func TestPartLogSurvivesReopenAndStoresNoContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	clock := func() time.Time { return now }
	NewPartLog(s, clock, nil, 0).Mark("job-9-reply", "oc_chat0001/file", []byte("王建军台账-结果.xlsx\x00"), []byte("xlsx bytes"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now = t0.Add(23 * time.Hour)
	p := NewPartLog(s, clock, nil, 0)
	if !p.Done("job-9-reply", "oc_chat0001/file", []byte("王建军台账-结果.xlsx\x00"), []byte("xlsx bytes")) {
		t.Fatal("the delivered part is forgotten after a reopen")
	}
	now = t0.Add(24 * time.Hour)
	if p.Done("job-9-reply", "oc_chat0001/file", []byte("王建军台账-结果.xlsx\x00"), []byte("xlsx bytes")) {
		t.Fatal("remembered past the default 24 h")
	}
	var id string
	var at int64
	if err := s.db.QueryRow(`SELECT id, at FROM sent_parts`).Scan(&id, &at); err != nil {
		t.Fatal(err)
	}
	if id != connectors.PartID("job-9-reply", "oc_chat0001/file", []byte("王建军台账-结果.xlsx\x00"), []byte("xlsx bytes")) || at != t0.UnixMilli() {
		t.Fatalf("row (%q, %d)", id, at)
	}
	for _, s := range []string{"job-9", "oc_chat", "王建军", "xlsx"} {
		if strings.Contains(id, s) {
			t.Fatalf("the stored id %q shows %q", id, s)
		}
	}
}

// A database error fails open: Done answers false (the part is sent again, better twice than
// never), Mark does not panic, and both are logged without the key, part or content.
func TestPartLogDatabaseErrorFailsOpen(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	p := NewPartLog(s, func() time.Time { return t0 }, partLogger(&logs), 0)
	p.Mark("job-3-reply", "oc_chat0001/t0", []byte("王建军 13800138000"))
	if !p.Done("job-3-reply", "oc_chat0001/t0", []byte("王建军 13800138000")) {
		t.Fatal("Done after Mark is false")
	}
	s.Close()
	if p.Done("job-3-reply", "oc_chat0001/t0", []byte("王建军 13800138000")) {
		t.Fatal("Done with a closed database is true: it must fail open")
	}
	p.Mark("job-3-reply", "oc_chat0001/t1", []byte("王建军 13800138000"))
	out := logs.String()
	if strings.Count(out, "level=warning") != 2 {
		t.Fatalf("want two warnings, got:\n%s", out)
	}
	for _, secret := range []string{"job-3", "oc_chat", "王建军", "13800138000"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log shows %q:\n%s", secret, out)
		}
	}
}

// The migration adds the table to a store created before it, keeping what the store held.
func TestPartLogTableByMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	// A store of the schema before sent_parts (migrations appended after it run too).
	all := migrations
	before := slices.IndexFunc(all, func(m string) bool { return strings.Contains(m, "CREATE TABLE sent_parts") })
	if before < 0 {
		t.Fatal("no sent_parts migration")
	}
	migrations = all[:before]
	s, err := Open(path)
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := s.Enqueue(ctx, "feishu", "om_1", "file", "oc_1", []byte(`{}`), t0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := NewPartLog(s, func() time.Time { return t0 }, nil, 0)
	p.Mark("job-1-reply", "t0", []byte("x"))
	if !p.Done("job-1-reply", "t0", []byte("x")) {
		t.Fatal("no sent_parts after the migration")
	}
	if n, _ := s.JobCounts(ctx); n["queued"] != 1 {
		t.Fatalf("jobs after the migration: %v", n)
	}
}
