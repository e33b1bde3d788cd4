package store

import (
	"testing"
	"time"

	"zengshou/calc"
)

// An earlier quarter sent late does not judge the tasks of households a later quarter's ledger
// covered (superseded: its points are stored, it covers none of them). #1 (2026Q4) raises H1's
// task a; #2 (2026Q4) covers H1 without it: a is closed by #2; #3, H1's 2026Q3 ledger sent after
// them, stores H1's point of 2026Q3 and covers nothing. 撤销 2: a is open again, as after #1 and
// #3 alone; it stayed closed as 已完成 because #3's point is of an upload saved after #2.
func TestRevUndoReopensDespiteALateEarlierQuarter(t *testing.T) {
	const a = "measure_missing|H1|a"
	s := open(t)
	ev1 := restoreEval(1, 9000, 0, "H1")
	ev1.Covered = map[string]bool{"H1": true}
	ev1.Tasks = []calc.Task{{ID: a, Rule: "measure_missing", Subject: "H1", Household: "H1", Due: t0.Add(30 * 24 * time.Hour), Explain: a}}
	restoreSave(t, s, ev1, t0)
	ev2 := restoreEval(2, 9500, 0, "H1")
	ev2.Covered = map[string]bool{"H1": true}
	restoreSave(t, s, ev2, t0.Add(time.Minute))
	if got := restoreTaskState(t, s, a); got != "closed" {
		t.Fatalf("after #2: %s", got)
	}
	ev3 := restoreEval(3, 7000, 0, "H1")
	ev3.Period = calc.Period{Year: 2026, Quarter: 3}
	ev3.Covered = map[string]bool{} // superseded
	restoreSave(t, s, ev3, t0.Add(2*time.Minute))
	res := restoreUndo(t, s, 2)
	if got := restoreTaskState(t, s, a); got != "open" || res.Reopened != 1 {
		t.Errorf("after 撤销 2: a %s, reopened %d; want open, 1", got, res.Reopened)
	}
}

// The same through the chain: #1 raises a, #2 closes it, #3 (2026Q4) leaves it closed, #4
// (H1's 2026Q3, late) covers nothing. 撤销 2 (#3 holds H1's point: a stays closed), then 撤销 3:
// a is open again, as after #1 and #4 alone.
func TestRevChainReopensDespiteALateEarlierQuarter(t *testing.T) {
	const a = "measure_missing|H1|a"
	s := open(t)
	ev1 := restoreEval(1, 9000, 0, "H1")
	ev1.Covered = map[string]bool{"H1": true}
	ev1.Tasks = []calc.Task{{ID: a, Rule: "measure_missing", Subject: "H1", Household: "H1", Due: t0.Add(30 * 24 * time.Hour), Explain: a}}
	restoreSave(t, s, ev1, t0)
	for _, j := range []int64{2, 3} {
		ev := restoreEval(j, 9000+j, 0, "H1")
		ev.Covered = map[string]bool{"H1": true}
		restoreSave(t, s, ev, t0.Add(time.Duration(j)*time.Minute))
	}
	ev4 := restoreEval(4, 7000, 0, "H1")
	ev4.Period = calc.Period{Year: 2026, Quarter: 3}
	ev4.Covered = map[string]bool{}
	restoreSave(t, s, ev4, t0.Add(4*time.Minute))
	restoreUndo(t, s, 2)
	if got := restoreTaskState(t, s, a); got != "closed" {
		t.Fatalf("after 撤销 2 (#3 holds): %s", got)
	}
	restoreUndo(t, s, 3)
	if got := restoreTaskState(t, s, a); got != "open" {
		t.Errorf("after 撤销 2, 3: a %s, want open", got)
	}
}
