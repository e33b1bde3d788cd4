package store

import (
	"testing"
	"time"

	"zengshou/calc"
)

// The task chain (raised_by) through an upload that stands. Of H1, uploads #5, #6, #7 (each H1's
// point of 2026Q4, covering H1) all raise task a; b was closed before #5 (by #4) and #5, #6, #7
// raise it again. 撤销 5 (#7 holds both), then 撤销 7: #6 stands, its point of H1 is back, and #6
// raised a and b: both stay open, as after #4, #6 alone with #5 and #7 never sent. They were
// deleted (a) and closed again as 已完成 (b): #5 raised them first and #7 held them, and #6 was
// not looked at.
func TestRevChainLeavesTheTasksOfAStandingUpload(t *testing.T) {
	const a, b = "measure_missing|H1|a", "measure_missing|H1|b"
	task := func(id string) calc.Task {
		return calc.Task{ID: id, Rule: "measure_missing", Subject: "H1", Household: "H1", Due: t0.Add(30 * 24 * time.Hour), Explain: id}
	}
	up := func(job int64, ids ...string) *Evaluation {
		ev := restoreEval(job, 9000+job, 0, "H1")
		ev.Covered = map[string]bool{"H1": true}
		for _, id := range ids {
			ev.Tasks = append(ev.Tasks, task(id))
		}
		return ev
	}
	s := open(t)
	restoreSave(t, s, up(3, b), t0)
	restoreSave(t, s, up(4), t0.Add(time.Minute)) // closes b
	if got := restoreTaskState(t, s, b); got != "closed" {
		t.Fatalf("after #4: b %s", got)
	}
	restoreSave(t, s, up(5, a, b), t0.Add(2*time.Minute))
	restoreSave(t, s, up(6, a, b), t0.Add(3*time.Minute))
	restoreSave(t, s, up(7, a, b), t0.Add(4*time.Minute))
	restoreUndo(t, s, 5)
	restoreUndo(t, s, 7)
	var holder int64
	if err := s.db.QueryRow(`SELECT job_id FROM households WHERE household = 'H1' AND period = '2026Q4'`).Scan(&holder); err != nil || holder != 6 {
		t.Fatalf("H1's point: #%d %v, want #6's", holder, err)
	}
	for _, id := range []string{a, b} {
		if got := restoreTaskState(t, s, id); got != "open" {
			t.Errorf("%s: %s, want open (#6 raised it and stands)", id, got)
		}
	}
}
