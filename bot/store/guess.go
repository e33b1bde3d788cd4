package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"zengshou/calc"
)

// Withdrawal is what WithdrawGuessed took back of one upload evaluated for a guessed quarter.
type Withdrawal struct {
	JobID      int64
	Period     calc.Period // the quarter it was evaluated for
	Name       string      // its file's name as the group saw it (masked)
	Households int         // households withdrawn (by this renamed upload, retries included)
}

// WithdrawGuessed takes back, before the renamed upload by is evaluated, what the uploads of the
// same chat evaluated for the guessed quarter (saved since since, Evaluation.Guessed) stored for
// the households and subjects by covers: a cadre who follows the hint (“请把文件名改为…后重新
// 发送”) sends last quarter's ledger again, and the guessed quarter's points, the payments
// recorded for its year and the tasks it raised were left for good (the renamed ledger, of an
// earlier quarter, was superseded by them). Of each guessed upload, for these households and
// subjects (but those of a household whose guessed quarter's point a later upload holds):
//   - the points of the guessed quarter it still holds are deleted;
//   - the payments of the guessed year it recorded last (job_id) to these subjects are deleted;
//     a row a later upload updated is left;
//   - the tasks it raised first (first_seen at or after its save, and no other upload but the
//     guessed ones withdrawn with it has raised them since: job_id) are deleted, neither open
//     nor 已完成, so 进度 and 完成率 count them nowhere. A task raised earlier and only seen
//     again by it stays. A subsidy owed for the year before that it moved to its year's id
//     (yearTask) gets its own id back;
//   - the tasks it closed (closed at its save, and not reopened since) are open again, for the
//     renamed upload to judge: their 已完成 was found on a quarter's data taken for the next;
//   - its summary rows of the guessed quarter for their villages (and townships, counties).
//
// A ledger without a household sheet (a 牲畜台账 sent alone) stored no point: its payments and
// tasks are withdrawn all the same. Nothing is withdrawn twice: a retry of by reports what it
// withdrew before.
//
// Payment rows are told apart by job_id alone: a row of the guessed year an earlier upload
// recorded and the guessed upload recorded again (the store keeps the larger amount and the
// last job) goes with it.
func (s *Store) WithdrawGuessed(ctx context.Context, by int64, platform, chat string, guessed calc.Period, since time.Time,
	households, subjects []string) ([]Withdrawal, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	defer tx.Rollback()
	households, subjects = nonEmpty(households), nonEmpty(subjects) // a blank matches the tasks of no household
	type guess struct {
		Withdrawal
		savedAt, withdrawnBy int64
		withdrawn            int
	}
	rows, err := tx.QueryContext(ctx, `SELECT job_id, name, saved_at, withdrawn_by, withdrawn FROM guessed_periods
		WHERE platform = ? AND chat_id = ? AND period = ? AND saved_at >= ? AND job_id <> ? ORDER BY job_id`,
		platform, chat, guessed.String(), ms(since), by)
	if err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	var gs []guess
	for rows.Next() {
		g := guess{Withdrawal: Withdrawal{Period: guessed}}
		if err := rows.Scan(&g.JobID, &g.Name, &g.savedAt, &g.withdrawnBy, &g.withdrawn); err != nil {
			rows.Close()
			return nil, fmt.Errorf("withdraw guessed: %w", err)
		}
		gs = append(gs, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	// Newest first: a household's guessed point is held by the last of them (the same unnamed
	// file sent twice, or sent again with 已发放 corrected), and a task the first raised and the
	// second saw again is the second's (job_id) with the first's first_seen. Each is withdrawn
	// with the tasks of the ones after it.
	var out []Withdrawal
	var later []int64
	for i := len(gs) - 1; i >= 0; i-- {
		g := gs[i]
		later = append(later, g.JobID)
		touched, changed, err := withdrawJob(ctx, tx, g.JobID, later, guessed, g.savedAt, households, subjects)
		if err != nil {
			return nil, fmt.Errorf("withdraw guessed: %w", err)
		}
		n := len(touched)
		if g.withdrawnBy == by { // a retry: what the first attempt withdrew
			n += g.withdrawn
			changed = true
		}
		if !changed {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE guessed_periods SET withdrawn_by = ?, withdrawn = ? WHERE job_id = ?`, by, n, g.JobID); err != nil {
			return nil, fmt.Errorf("withdraw guessed: %w", err)
		}
		g.Households = n
		out = append(out, g.Withdrawal)
	}
	slices.Reverse(out) // in the order they were uploaded
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	return out, nil
}

// withdrawJob deletes what job stored for the guessed quarter of the renamed upload's households
// and subjects (see WithdrawGuessed). The tasks it raised first may have been seen again since by
// the guessed uploads withdrawn with it (jobs, job among them): theirs now, they go too. It
// returns the households it withdrew something of, and whether it changed anything at all (an
// entity's task has no household).
func withdrawJob(ctx context.Context, tx *sql.Tx, job int64, jobs []int64, guessed calc.Period, savedAt int64,
	households, subjects []string) (map[string]bool, bool, error) {
	period := guessed.String()
	// Their points of the guessed quarter: held by job (found, with their units), or by a later
	// upload (blocked: that household is left as it is).
	var found []any
	units := map[calc.Unit]bool{}
	blocked := map[string]bool{}
	for start := 0; start < len(households); start += 400 {
		chunk := anys(households[start:min(start+400, len(households))])
		rows, err := tx.QueryContext(ctx, `SELECT household, county, township, village, job_id FROM households
			WHERE period = ? AND household IN (`+placeholders(len(chunk))+`)`, append([]any{period}, chunk...)...)
		if err != nil {
			return nil, false, err
		}
		for rows.Next() {
			var h string
			var u calc.Unit
			var j int64
			if err := rows.Scan(&h, &u.County, &u.Township, &u.Village, &j); err != nil {
				rows.Close()
				return nil, false, err
			}
			if j != job {
				blocked[h] = true
				continue
			}
			found = append(found, h)
			units[u] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, false, err
		}
	}
	// The household a subject is of: itself, or the 户编号 of 户编号/姓名 (calc.PersonSubject).
	householdOf := func(subject string) string {
		if i := strings.IndexByte(subject, '/'); i > 0 {
			return subject[:i]
		}
		return subject
	}
	isHousehold := map[string]bool{}
	for _, h := range households {
		isHousehold[h] = true
	}
	touched := map[string]bool{}
	touch := func(household string) {
		if isHousehold[household] && !blocked[household] {
			touched[household] = true
		}
	}
	var all []string
	for _, x := range append(append([]string(nil), households...), subjects...) {
		if !blocked[householdOf(x)] {
			all = append(all, x)
		}
	}
	// each runs q (its ? first args, then the chunk of all once or twice) over all.
	each := func(q string, twice bool, args []any, row func(*sql.Rows) error) error {
		for start := 0; start < len(all); start += 400 {
			chunk := anys(all[start:min(start+400, len(all))])
			a := append(append([]any(nil), args...), chunk...)
			if twice {
				a = append(a, chunk...)
			}
			q := strings.ReplaceAll(q, "(?list)", "("+placeholders(len(chunk))+")")
			rows, err := tx.QueryContext(ctx, q, a...)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := row(rows); err != nil {
					rows.Close()
					return err
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	changed := len(found) > 0
	for _, h := range found {
		touch(h.(string))
	}
	for start := 0; start < len(found); start += 400 {
		chunk := found[start:min(start+400, len(found))]
		if _, err := tx.ExecContext(ctx, `DELETE FROM households WHERE period = ? AND job_id = ? AND household IN (`+placeholders(len(chunk))+`)`,
			append([]any{period, job}, chunk...)...); err != nil {
			return nil, false, err
		}
	}
	err := each(`DELETE FROM payments WHERE year = ? AND job_id = ? AND subject IN (?list) RETURNING subject`, false,
		[]any{guessed.Year, job}, func(rows *sql.Rows) error {
			var subject string
			if err := rows.Scan(&subject); err != nil {
				return err
			}
			changed = true
			touch(householdOf(subject))
			return nil
		})
	if err != nil {
		return nil, false, err
	}
	type task struct{ id, rule string }
	var tasks []task
	seen := map[string]bool{}
	jobArgs := make([]any, len(jobs))
	for i, j := range jobs {
		jobArgs[i] = j
	}
	err = each(`SELECT id, rule, household, county, township, village FROM tasks WHERE job_id IN (`+placeholders(len(jobs))+`) AND first_seen >= ?
		AND (household IN (?list) OR subject IN (?list))`, true, append(jobArgs, savedAt), func(rows *sql.Rows) error {
		var t task
		var h string
		var u calc.Unit
		if err := rows.Scan(&t.id, &t.rule, &h, &u.County, &u.Township, &u.Village); err != nil {
			return err
		}
		if !seen[t.id] {
			seen[t.id] = true
			tasks = append(tasks, t)
			touch(h)
			if u.Village != "" { // a ledger without a household sheet stored no point
				units[u] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	prevYear := guessed.Prev().Year
	for _, t := range tasks {
		changed = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE id = ?`, t.id); err != nil {
			return nil, false, err
		}
		if t.rule != "subsidy_unpaid" || prevYear == guessed.Year {
			continue
		}
		// yearTask moved the year before's open debt to its year's id when this upload raised the
		// subsidy for the guessed year under the plain id: it is given the plain id back.
		old, prefix := YearTaskID(t.id, t.rule, prevYear), fmt.Sprintf("%d年度：", prevYear)
		if old == t.id {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET id = ?, explain = substr(explain, ?) WHERE id = ? AND year = ? AND explain LIKE ?
			AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = ?)`, t.id, len([]rune(prefix))+1, old, prevYear, prefix+"%", t.id); err != nil {
			return nil, false, err
		}
	}
	// The tasks it closed (at its save) are open again, for the renamed upload to judge: it had
	// reported them 已完成 on a quarter's data taken for the next one. closed_acked stays: a
	// digest that told the cadre 已完成 is not repeated when the renamed upload closes them again
	// (SaveEvaluation keeps it; raised again, a task is reopened with closed_acked 0).
	err = each(`UPDATE tasks SET state = 'open', closed_at = 0 WHERE state = 'closed' AND closed_at = ?
		AND (household IN (?list) OR subject IN (?list)) RETURNING household`, true, []any{savedAt}, func(rows *sql.Rows) error {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		changed = true
		touch(h)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	for u := range units {
		if _, err := tx.ExecContext(ctx, `DELETE FROM units WHERE job_id = ? AND period = ? AND county = ?
			AND (level = ? OR township = ?) AND (level <> ? OR village = ?)`,
			job, period, u.County, calc.LevelCounty, u.Township, calc.LevelVillage, u.Village); err != nil {
			return nil, false, err
		}
	}
	return touched, changed, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
