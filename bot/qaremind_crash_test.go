package bot_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"zengshou/config"
)

// The digest that says 已完成 is delivered, and the service stops before it records that the
// closed task was reported (simulated: a trigger on the real SQLite file fails that update,
// as a kill -9 or a full disk would between the two writes). The delivery was recorded and the
// acknowledgement was not, so the next digest, 72 h later, said 已完成 for the same task again.
// The delivery and what it reported are now recorded together: after the restart the pass runs
// again, the platform drops the resend by its idempotency key, and 已完成 is said once.
func TestQaremindDoneIsSaidOnceAfterACrashBetweenSendAndRecord(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	h.clock.Set(at(2026, 12, 1, 15, 0))
	h.drop(dir, "2026年第4季度台账(已落实).xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军")))
	h.drain()
	if open, _ := h.st.OpenTasks(ctx); len(open) != 0 {
		t.Fatalf("the measure recorded done closes the task: %+v", open)
	}

	db, err := sql.Open("sqlite", filepath.Join(h.dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER qaremind_crash BEFORE UPDATE OF closed_acked ON tasks BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2026, 12, 2, 9, 0))
	if err := h.svc.Tick(ctx); err == nil {
		t.Fatal("the simulated crash did not stop the pass")
	}
	if _, err := db.Exec(`DROP TRIGGER qaremind_crash`); err != nil {
		t.Fatal(err)
	}
	// The restart: a new service on the same files; as serve does, a send left claimed but not
	// recorded is released so that the pass sends it again under the same idempotency key.
	h.start()
	pending, err := h.st.PendingSends(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range pending {
		if err := h.st.Unclaim(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	h.tickAt(at(2026, 12, 2, 9, 30))
	for day := 3; day <= 9; day++ {
		h.tickAt(at(2026, 12, day, 9, 0))
	}
	done := 0
	for _, text := range h.directTo("wangjj") {
		if strings.Contains(text, "已完成（最新台账确认，已销号）") {
			done++
		}
	}
	if done != 1 {
		t.Fatalf("digests saying 已完成 for the task: %d, want 1: %q", done, h.directTo("wangjj"))
	}
}
