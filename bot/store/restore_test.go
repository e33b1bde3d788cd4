package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
)

var restoreQ4 = calc.Period{Year: 2026, Quarter: 4}

// restoreEval is an upload of 红旗村's 2026Q4 ledger: one point per household (ytd 元 each), a
// calf subsidy paid (yuan; 0: none recorded) to each, and the village's, township's and county's
// summary rows (households counted).
func restoreEval(job int64, ytd, yuan int64, households ...string) *Evaluation {
	u := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	ev := &Evaluation{JobID: job, Platform: "local", ChatID: "c", Sender: "s", Period: restoreQ4, Name: fmt.Sprintf("%d.xlsx", job)}
	for _, h := range households {
		y := calc.Yuan(ytd)
		ev.Households = append(ev.Households, HouseholdPoint{Household: h, Name: "户主" + h, Unit: u, Cadre: "王建军", YTDPerCapita: &y, Members: 4})
		if yuan > 0 {
			ev.Payments = append(ev.Payments, calc.Payment{Subject: h, Rule: "calf_sale", Amount: calc.Yuan(yuan)})
		}
	}
	for _, l := range []struct {
		level string
		unit  calc.Unit
	}{{calc.LevelVillage, u}, {calc.LevelTownship, calc.Unit{County: u.County, Township: u.Township}}, {calc.LevelCounty, calc.Unit{County: u.County}}} {
		ev.Units = append(ev.Units, calc.UnitSummary{Level: l.level, Unit: l.unit, Households: len(households)})
	}
	return ev
}

func restoreSave(t *testing.T, s *Store, ev *Evaluation, at time.Time) {
	t.Helper()
	if _, err := s.SaveEvaluation(context.Background(), ev, at); err != nil {
		t.Fatal(err)
	}
}

// restoreDump is every household point, payment record and summary row on record, one line each.
func restoreDump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT household, period, job_id, name, county, township, village, cadre, ytd_per_capita, base_per_capita, monitored, updated_at,
			members, category, labor, labor_why FROM households`,
		`SELECT subject, rule, year, amount, job_id, period FROM payments`,
		`SELECT county, township, village, level, period, summary, job_id, updated_at FROM units`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %v", strings.Fields(q)[len(strings.Fields(q))-1], vals))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func restoreUndo(t *testing.T, s *Store, job int64) *UndoResult {
	t.Helper()
	res, err := s.Undo(context.Background(), job, "s", fmt.Sprintf("undo-%d", job), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// #5 (the right 2026Q4 ledger: H1 and H2, 1000元 paid each) then #6 (a wrong file for the same
// village and quarter: other incomes, 600元 paid, and H3 too). 撤销 6 puts back #5's points,
// payments and summary rows, exactly as they were after #5 alone; H3's point and payment,
// which had none before, are deleted.
func TestRestoreUndoPutsBackWhatTheUploadOverwrote(t *testing.T) {
	s := open(t)
	restoreSave(t, s, restoreEval(5, 9000, 1000, "H1", "H2"), t0)
	after5 := restoreDump(t, s.db)
	restoreSave(t, s, restoreEval(6, 3000, 600, "H1", "H2", "H3"), t0.Add(time.Minute))
	if restoreDump(t, s.db) == after5 {
		t.Fatal("#6 changed nothing")
	}
	res := restoreUndo(t, s, 6)
	if got := restoreDump(t, s.db); got != after5 {
		t.Errorf("after 撤销 6:\n%s\nwant (after #5 alone):\n%s", got, after5)
	}
	// 3 points deleted, 2 put back (H1, H2); 3 payments deleted, 2 put back; 3 summary rows.
	if !res.Kept || res.Points != 3 || res.Restored != 2 || res.RestoredPayments != 2 || res.Payments != 1 || res.RestoredUnits != 3 ||
		!slices.Equal(res.RestoredFrom, []int64{5}) || res.Lost != 0 || res.LostPayments != 0 {
		t.Errorf("result: %+v", res)
	}
	var kept int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM kept_rows`).Scan(&kept); err != nil || kept != 0 {
		t.Errorf("kept rows left: %d %v", kept, err)
	}
}

// A ledger without a household sheet (a 牲畜台账 sent alone) overwrites the village's summary
// rows of its quarter: its 撤销 puts #5's back (leaders' summaries no longer fall back to an
// earlier quarter).
func TestRestoreUndoOfALedgerWithoutHouseholds(t *testing.T) {
	s := open(t)
	restoreSave(t, s, restoreEval(5, 9000, 1000, "H1", "H2"), t0)
	after5 := restoreDump(t, s.db)
	ev := restoreEval(6, 0, 600, "H1")
	ev.Households = nil
	restoreSave(t, s, ev, t0.Add(time.Minute))
	res := restoreUndo(t, s, 6)
	if got := restoreDump(t, s.db); got != after5 {
		t.Errorf("after 撤销 6:\n%s\nwant:\n%s", got, after5)
	}
	if res.RestoredUnits != 3 || res.RestoredPayments != 1 || res.Points != 0 {
		t.Errorf("result: %+v", res)
	}
}

// #5, #6, #7 of the same rows. 撤销 6: #7 holds them, nothing changes; 撤销 7 then puts back #5's
// (the row before #6's, #6 being withdrawn). The other way round: #5 withdrawn while #6 holds the
// rows changes nothing, and 撤销 6 then leaves none (there was none before #5).
func TestRestoreChainSplicesAWithdrawnUploadOut(t *testing.T) {
	s := open(t)
	restoreSave(t, s, restoreEval(5, 9000, 1000, "H1", "H2"), t0)
	after5 := restoreDump(t, s.db)
	restoreSave(t, s, restoreEval(6, 3000, 600, "H1", "H2"), t0.Add(time.Minute))
	restoreSave(t, s, restoreEval(7, 5000, 800, "H1", "H2"), t0.Add(2*time.Minute))
	after7 := restoreDump(t, s.db)
	if res := restoreUndo(t, s, 6); res.Points != 0 || res.Restored != 0 || res.Covered != 2 {
		t.Errorf("撤销 6: %+v", res)
	}
	if got := restoreDump(t, s.db); got != after7 {
		t.Errorf("撤销 6 changed #7's rows:\n%s\nwant:\n%s", got, after7)
	}
	res := restoreUndo(t, s, 7)
	if got := restoreDump(t, s.db); got != after5 {
		t.Errorf("after 撤销 7:\n%s\nwant #5's:\n%s", got, after5)
	}
	if res.Restored != 2 || !slices.Equal(res.RestoredFrom, []int64{5}) {
		t.Errorf("撤销 7: %+v", res)
	}

	s = open(t)
	restoreSave(t, s, restoreEval(5, 9000, 1000, "H1", "H2"), t0)
	restoreSave(t, s, restoreEval(6, 3000, 600, "H1", "H2"), t0.Add(time.Minute))
	after6 := restoreDump(t, s.db)
	restoreUndo(t, s, 5)
	if got := restoreDump(t, s.db); got != after6 {
		t.Errorf("撤销 5 changed #6's rows:\n%s\nwant:\n%s", got, after6)
	}
	res = restoreUndo(t, s, 6)
	if got := restoreDump(t, s.db); got != "" {
		t.Errorf("after 撤销 5 and 6, rows left:\n%s", got)
	}
	if res.Restored != 0 || res.Points != 2 || res.Lost != 0 || res.Payments != 2 {
		t.Errorf("撤销 6: %+v", res)
	}
}

// A store from before rows were kept: an upload saved then (#6 over #5) is withdrawn as it was,
// nothing put back and the result not Kept (its reply says the data is gone). An upload saved
// since over it (#7) keeps #6's rows; with #6 withdrawn meanwhile, what came before #6 is not
// known: 撤销 7 deletes them and says so (Lost).
func TestRestoreStoreFromBeforeKeepsTodaysBehaviour(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "CREATE TABLE kept_rows")
	// As the last release left them: #5's point of H1 overwritten by #6, #6's payment, both uploads.
	for _, q := range []string{
		`INSERT INTO households(household, period, job_id, name, updated_at) VALUES('H1', '2026Q4', 6, '户主H1', 1)`,
		`INSERT INTO households(household, period, job_id, name, updated_at) VALUES('H2', '2026Q4', 6, '户主H2', 1)`,
		`INSERT INTO payments(subject, rule, year, amount, job_id, period) VALUES('H1', 'calf_sale', 2026, 60000, 6, '2026Q4')`,
		`INSERT INTO uploads(job_id, platform, chat_id, sender, period, name, saved_at, households) VALUES(5, 'local', 'c', 's', '2026Q4', '5.xlsx', 1, 1)`,
		`INSERT INTO uploads(job_id, platform, chat_id, sender, period, name, saved_at, households) VALUES(6, 'local', 'c', 's', '2026Q4', '6.xlsx', 2, 2)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// #7 (saved now) overwrites H2's point only.
	restoreSave(t, s, restoreEval(7, 5000, 0, "H2"), t0)
	res := restoreUndo(t, s, 6)
	if res.Kept || res.Points != 1 || res.Restored != 0 || res.Payments != 1 || res.Covered != 1 {
		t.Errorf("撤销 6 (saved before): %+v", res)
	}
	if got := restoreDump(t, s.db); strings.Contains(got, "H1") {
		t.Errorf("H1's point or payment of #6 stays:\n%s", got)
	}
	res = restoreUndo(t, s, 7)
	if !res.Kept || res.Points != 1 || res.Restored != 0 || res.Lost != 1 {
		t.Errorf("撤销 7: %+v", res)
	}
	if got := restoreDump(t, s.db); strings.Contains(got, "households") {
		t.Errorf("points left:\n%s", got)
	}
}

// The kept rows of an upload go 8 days after its save (撤销's 7 days and a day), those of an
// upload evaluated for a guessed quarter 32 days after (its renamed copy's 31 days and a day).
func TestRestoreKeptRowsDeletedAfterTheWindow(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	restoreSave(t, s, restoreEval(5, 9000, 1000, "H1"), t0)
	restoreSave(t, s, restoreEval(6, 3000, 600, "H1"), t0)
	ev := restoreEval(7, 5000, 800, "H1")
	ev.Guessed = "红旗村台账.xlsx"
	restoreSave(t, s, ev, t0)
	count := func(job int64) int {
		var n int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM kept_rows WHERE job_id = ?`, job).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// #6 and #7 each overwrote a point, a payment and 3 summary rows.
	if count(6) != 5 || count(7) != 5 {
		t.Fatalf("kept: #6 %d, #7 %d", count(6), count(7))
	}
	day := 24 * time.Hour
	if _, err := s.DeleteKeptBefore(ctx, t0.Add(-8*day), t0.Add(-32*day)); err != nil || count(6) != 5 || count(7) != 5 {
		t.Fatalf("within the window: %d %d %v", count(6), count(7), err)
	}
	now := t0.Add(8*day + time.Minute)
	if n, err := s.DeleteKeptBefore(ctx, now.Add(-8*day), now.Add(-32*day)); err != nil || n != 5 || count(6) != 0 || count(7) != 5 {
		t.Fatalf("8 days on: deleted %d (%v), left #6 %d, #7 %d", n, err, count(6), count(7))
	}
	now = t0.Add(32*day + time.Minute)
	if _, err := s.DeleteKeptBefore(ctx, now.Add(-8*day), now.Add(-32*day)); err != nil || count(7) != 0 {
		t.Fatalf("32 days on: #7 %d %v", count(7), err)
	}
}

// restoreTaskState is the state of task id ("gone" when there is none).
func restoreTaskState(t *testing.T, s *Store, id string) string {
	t.Helper()
	var state string
	err := s.db.QueryRow(`SELECT state FROM tasks WHERE id = ?`, id).Scan(&state)
	if err == sql.ErrNoRows {
		return "gone"
	}
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// The tasks follow the chain too. Of H1, uploads #5, #6, #7 (each H1's point of 2026Q4 and
// covering H1), 撤销 6 then 撤销 7 leave the task as #5 left it:
//   - raised by #6, seen again by #7: gone (#5 had none);
//   - raised by #5, closed by #6, left closed by #7: open again;
//   - closed before #5 (by #4), raised again by #6, seen again by #7: closed again.
func TestRestoreChainOfTasks(t *testing.T) {
	const raised, closed, reraised = "measure_missing|H1|a", "measure_missing|H1|b", "measure_missing|H1|c"
	task := func(id string) calc.Task {
		return calc.Task{ID: id, Rule: "measure_missing", Subject: "H1", Household: "H1", Due: t0.Add(30 * 24 * time.Hour), Explain: id}
	}
	up := func(job int64, ids ...string) *Evaluation {
		ev := restoreEval(job, 9000, 0, "H1")
		ev.Covered = map[string]bool{"H1": true}
		for _, id := range ids {
			ev.Tasks = append(ev.Tasks, task(id))
		}
		return ev
	}
	s := open(t)
	restoreSave(t, s, up(4, reraised), t0)
	restoreSave(t, s, up(5, closed), t0.Add(time.Minute)) // closes reraised
	after5 := map[string]string{}
	for _, id := range []string{raised, closed, reraised} {
		after5[id] = restoreTaskState(t, s, id)
	}
	if after5[raised] != "gone" || after5[closed] != "open" || after5[reraised] != "closed" {
		t.Fatalf("after #5: %v", after5)
	}
	restoreSave(t, s, up(6, raised, reraised), t0.Add(2*time.Minute)) // closes closed
	restoreSave(t, s, up(7, raised, reraised), t0.Add(3*time.Minute))
	after7 := map[string]string{raised: "open", closed: "closed", reraised: "open"}
	restoreUndo(t, s, 6)
	for id, want := range after7 {
		if got := restoreTaskState(t, s, id); got != want {
			t.Errorf("撤销 6 (#7 holds): %s %s, want %s", id, got, want)
		}
	}
	res := restoreUndo(t, s, 7)
	for id, want := range after5 {
		if got := restoreTaskState(t, s, id); got != want {
			t.Errorf("撤销 6, 7: %s %s, want %s as after #5", id, got, want)
		}
	}
	if res.Deleted != 1 || res.Reopened != 1 || res.Closed != 1 {
		t.Errorf("撤销 7: %+v", res)
	}
}

// An unnamed upload (#2) evaluated for 2027Q1, then the 2027Q1 ledger (#3) over it, then the
// renamed copy of #2 (#4): H1's point and payment are #3's and stay. 撤销 3 then brings back
// what was before #2 (nothing), not #2's data the renamed copy withdrew.
func TestRestoreRenameWithdrawalSplicesTheGuessOut(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	q1 := calc.Period{Year: 2027, Quarter: 1}
	guessed := restoreEval(2, 9000, 600, "H1")
	guessed.Period, guessed.Guessed = q1, "红旗村台账.xlsx"
	restoreSave(t, s, guessed, t0)
	named := restoreEval(3, 2000, 300, "H1")
	named.Period = q1
	restoreSave(t, s, named, t0.Add(time.Minute))
	after3 := restoreDump(t, s.db)
	if _, err := s.WithdrawGuessed(ctx, 4, "local", "c", q1, t0.Add(-time.Hour), []string{"H1"}, []string{"H1"}); err != nil {
		t.Fatal(err)
	}
	if got := restoreDump(t, s.db); got != after3 {
		t.Errorf("the renamed copy changed #3's rows:\n%s\nwant:\n%s", got, after3)
	}
	res := restoreUndo(t, s, 3)
	if got := restoreDump(t, s.db); strings.Contains(got, "households") || strings.Contains(got, "payments") {
		t.Errorf("after 撤销 3, the guessed upload's rows are back:\n%s", got)
	}
	if res.Restored != 0 || res.RestoredPayments != 0 || res.Points != 1 {
		t.Errorf("撤销 3: %+v", res)
	}
}
