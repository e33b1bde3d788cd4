package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A task the last release reminded three times keeps its count and reads as reminded at an
// unknown time (zero: escalation by the count is not held back for it); MarkReminded counts one
// more and records when.
func TestQaremindRemindedAtKeepsOldTasks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "ADD COLUMN reminded_at")
	if _, err := old.Exec(`INSERT INTO tasks(id, rule, clause, subject, due, explain, state, first_seen, last_seen, reminders, job_id)
		VALUES('measure_missing|HQ001', 'measure_missing', '（一）', 'HQ001', ?, '帮扶措施尚未落实', 'open', ?, ?, 3, 1)`, ms(t0.AddDate(0, 4, 0)), ms(t0), ms(t0)); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	open, err := s.OpenTasks(ctx)
	if err != nil || len(open) != 1 || open[0].Reminders != 3 || !open[0].RemindedAt.IsZero() {
		t.Fatalf("old task after the migration: %+v, %v", open, err)
	}
	now := t0.Add(24 * time.Hour)
	if err := s.MarkReminded(ctx, []string{"measure_missing|HQ001"}, now); err != nil {
		t.Fatal(err)
	}
	open, _ = s.OpenTasks(ctx)
	if open[0].Reminders != 4 || !open[0].RemindedAt.Equal(now) {
		t.Fatalf("after MarkReminded at %v: reminders %d, reminded at %v", now, open[0].Reminders, open[0].RemindedAt)
	}
}
