package bot_test

import (
	"context"
	"path/filepath"
	"testing"

	"zengshou/connectors"
)

// An event from a channel that never redelivers (a long connection) is kept on disk when the
// store cannot take it, and becomes exactly one job once the store is back.
func TestOnceEventsAreSpooledWhileTheStoreIsDown(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	once := connectors.Event{Platform: "local", ID: "msg-1", Kind: connectors.EventText, ChatID: "c", Text: "帮助", Once: true}
	again := connectors.Event{Platform: "feishu", ID: "om-1", Kind: connectors.EventText, ChatID: "c", Text: "帮助"}
	h.st.Close() // the store is gone
	if err := h.svc.Intake(ctx, once); err != nil {
		t.Fatalf("a once-only event must be accepted into the spool: %v", err)
	}
	if err := h.svc.Intake(ctx, again); err == nil {
		t.Fatal("a redeliverable event must be refused so the platform sends it again")
	}
	if files, _ := filepath.Glob(filepath.Join(h.dir, "spool", "*.json")); len(files) != 1 {
		t.Fatalf("spool files: %v", files)
	}
	h.start() // the store is back (a restart, or the lock released)
	if n, err := h.svc.DrainSpool(ctx); err != nil || n != 1 {
		t.Fatalf("drain: %d %v", n, err)
	}
	if n, _ := h.svc.DrainSpool(ctx); n != 0 {
		t.Fatalf("a drained event is not stored twice: %d", n)
	}
	if err := h.svc.Intake(ctx, once); err != nil { // a late duplicate
		t.Fatal(err)
	}
	if n := h.drain(); n != 1 {
		t.Fatalf("jobs: %d, want exactly 1", n)
	}
	if got := len(h.messages("reply")); got != 1 {
		t.Fatalf("replies: %d, want 1", got)
	}
}
