package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A task the last release reported (escalated_at) reads as never handed over (handed_over 0)
// after the migration: its report's key (the task's round) is the one it was sent under, so it
// is not reported again; it stays reported.
func TestEndsHandedOverKeepsOldTasksRound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "ADD COLUMN handed_over")
	if _, err := old.Exec(`INSERT INTO tasks(id, rule, clause, subject, due, explain, state, first_seen, last_seen, reminders, escalated_at, job_id)
		VALUES('measure_missing|HQ001', 'measure_missing', '（一）', 'HQ001', ?, '帮扶措施尚未落实', 'open', ?, ?, 3, ?, 1)`,
		ms(t0.AddDate(0, 4, 0)), ms(t0), ms(t0), ms(t0.AddDate(0, 0, 9))); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	open, err := s.OpenTasks(context.Background())
	if err != nil || len(open) != 1 || open[0].HandedOver != 0 || open[0].Reminders != 3 || !open[0].EscalatedAt.Equal(t0.AddDate(0, 0, 9)) {
		t.Fatalf("old task after the migration: %+v, %v", open, err)
	}
}
