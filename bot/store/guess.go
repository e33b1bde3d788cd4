package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"zengshou/calc"
)

// Withdrawal is what WithdrawGuessed took back of one upload evaluated for a guessed quarter.
type Withdrawal struct {
	JobID       int64
	Period      calc.Period // the quarter it was evaluated for
	Name        string      // its file's name as the group saw it (masked)
	Households  int         // households withdrawn (by this renamed upload, retries included)
	Restoration             // what it had overwritten, put back (retries included)
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
// Each point, payment record and summary row deleted is put back as it was before the guessed
// upload overwrote it (an upload of that quarter sent before it: keep.go).
//
// A ledger without a household sheet (a 牲畜台账 sent alone) stored no point: its payments and
// tasks are withdrawn all the same. Nothing is withdrawn twice: a retry of by reports what it
// withdrew and put back before (guessed_periods.withdrawn, withdrawn_restored), and an upload
// withdrawn by 撤销 (Undo) is left out. The machinery is
// withdrawJob's, which Undo shares.
//
// Payment rows are told apart by job_id alone: a row of the guessed year an earlier upload
// recorded and the guessed upload recorded again (job_id is the upload that set the amount on
// record, store.MergePaid) goes with it.
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
		restored             string // JSON of the Restoration of withdrawnBy's withdrawal
		kept                 bool
	}
	rows, err := tx.QueryContext(ctx, `SELECT job_id, name, saved_at, withdrawn_by, withdrawn, withdrawn_restored,
			COALESCE((SELECT kept FROM uploads AS u WHERE u.job_id = guessed_periods.job_id), 0) FROM guessed_periods
		WHERE platform = ? AND chat_id = ? AND period = ? AND saved_at >= ? AND job_id <> ?
			AND job_id NOT IN (SELECT job_id FROM uploads WHERE undone_at <> 0) ORDER BY job_id`,
		platform, chat, guessed.String(), ms(since), by)
	if err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	var gs []guess
	for rows.Next() {
		g := guess{Withdrawal: Withdrawal{Period: guessed}}
		if err := rows.Scan(&g.JobID, &g.Name, &g.savedAt, &g.withdrawnBy, &g.withdrawn, &g.restored, &g.kept); err != nil {
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
		w, err := withdrawJob(ctx, tx, g.JobID, later, guessed, g.savedAt, withdrawScope{households: households, subjects: subjects, kept: g.kept})
		if err != nil {
			return nil, fmt.Errorf("withdraw guessed: %w", err)
		}
		n, changed, r := len(w.touched), w.changed, w.restored.restoration()
		if g.withdrawnBy == by { // a retry: what the first attempt withdrew
			n += g.withdrawn
			changed = true
			var before Restoration
			if g.restored != "" {
				if err := json.Unmarshal([]byte(g.restored), &before); err != nil {
					return nil, fmt.Errorf("withdraw guessed: %w", err)
				}
			}
			before.add(r)
			r = before
		}
		if !changed {
			continue
		}
		b, _ := json.Marshal(r)
		if _, err := tx.ExecContext(ctx, `UPDATE guessed_periods SET withdrawn_by = ?, withdrawn = ?, withdrawn_restored = ? WHERE job_id = ?`,
			by, n, string(b), g.JobID); err != nil {
			return nil, fmt.Errorf("withdraw guessed: %w", err)
		}
		g.Households, g.Restoration = n, r
		out = append(out, g.Withdrawal)
	}
	slices.Reverse(out) // in the order they were uploaded
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("withdraw guessed: %w", err)
	}
	return out, nil
}

// withdrawnUploads are the uploads withdrawn by 撤销 (Undo), an SQL list.
const withdrawnUploads = `(SELECT job_id FROM uploads WHERE undone_at <> 0)`

// standingPoint is an SQL condition on a task: its household has a point of an upload saved
// after the task's column by (raised_by, reopened_by), of its quarter or a later one, that stands (neither withdrawn nor the one
// being withdrawn, its argument): that upload judged the task too.
func standingPoint(by string) string {
	return `EXISTS (SELECT 1 FROM households AS h WHERE h.household = tasks.household AND h.job_id > tasks.` + by + `
		AND h.period >= ` + uploadPeriod(by) + ` AND h.job_id <> ? AND h.job_id NOT IN ` + withdrawnUploads + `)`
}

// uploadPeriod is the quarter of the upload in the task's column by, an SQL expression. A point
// of an earlier quarter, though saved later, judged none of the household's tasks: a later
// quarter's ledger had covered it (superseded).
func uploadPeriod(by string) string {
	return `(SELECT u.period FROM uploads AS u WHERE u.job_id = tasks.` + by + `)`
}

// withdrawScope is what withdrawJob takes back of an upload: the results of the households and
// subjects a renamed upload covers (WithdrawGuessed), or, whole, everything it still holds (Undo).
type withdrawScope struct {
	whole                bool
	households, subjects []string
	kept                 bool // the upload kept the rows it overwrote (uploads.kept): they are put back
}

// withdrawn is what withdrawJob took back.
type withdrawn struct {
	touched  map[string]bool // the households it withdrew something of
	points   int             // household points deleted
	payments int             // payment rows deleted
	deleted  int             // tasks it raised first, deleted
	reopened int             // tasks it closed, open again
	closed   int             // tasks closed before it that it raised again, closed again (whole)
	changed  bool            // anything at all (an entity's task has no household)
	restored restored        // the rows it had overwritten, put back (keep.go)
}

// withdrawJob deletes what job stored for period (the quarter it was evaluated for), within sc,
// and what it still holds: a household point, payment or task a later upload wrote since (job_id)
// is that upload's and stays. The tasks it raised first may have been seen again since by the
// guessed uploads withdrawn with it (jobs, job among them): theirs now, they go too.
//
// Of a guessed upload (sc not whole), the households whose point of the quarter a later upload
// holds are left as they are, tasks and payments included, and the tasks it closed are those
// closed at its save (savedAt). Of a whole upload (撤销), every point, payment and task it still
// holds goes, and the tasks it closed (closed_by) are opened again but those of a household a
// later upload has stored a point of since, of job's quarter or a later one: that upload judged
// them too (an earlier quarter's, sent late, judged none: superseded).
//
// Each point, payment and summary row deleted gets back the row job overwrote, and job leaves
// the chain of the rows a later upload overwrote (keep.go; of a guessed upload, of the payments
// in sc). Of a whole upload, the tasks follow the same chain through the uploads withdrawn
// meanwhile (raised_by, closed_by, reopened_by): a task one of them raised first and job saw
// again goes, one it closed that job left closed is open again when the point now on record is
// of an upload before it, one it raised again is closed again.
func withdrawJob(ctx context.Context, tx *sql.Tx, job int64, jobs []int64, period calc.Period, savedAt int64,
	sc withdrawScope) (*withdrawn, error) {
	quarter := period.String()
	households, subjects := sc.households, sc.subjects
	out := &withdrawn{touched: map[string]bool{}}
	// Their points of the quarter: held by job (found, with their units), or by a later upload
	// (blocked: that household is left as it is).
	var found []any
	units := map[calc.Unit]bool{}
	blocked := map[string]bool{}
	blockedUnits := map[calc.Unit]bool{} // of a guessed upload, the units of the households left
	scanPoints := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var h string
			var u calc.Unit
			var j int64
			if err := rows.Scan(&h, &u.County, &u.Township, &u.Village, &j); err != nil {
				return err
			}
			if j != job {
				blocked[h] = true
				blockedUnits[u] = true
				continue
			}
			found = append(found, h)
			units[u] = true
		}
		return rows.Err()
	}
	if sc.whole {
		rows, err := tx.QueryContext(ctx, `SELECT household, county, township, village, job_id FROM households WHERE period = ? AND job_id = ?`, quarter, job)
		if err != nil {
			return nil, err
		}
		if err := scanPoints(rows); err != nil {
			return nil, err
		}
	}
	for start := 0; !sc.whole && start < len(households); start += 400 {
		chunk := anys(households[start:min(start+400, len(households))])
		rows, err := tx.QueryContext(ctx, `SELECT household, county, township, village, job_id FROM households
			WHERE period = ? AND household IN (`+placeholders(len(chunk))+`)`, append([]any{quarter}, chunk...)...)
		if err != nil {
			return nil, err
		}
		if err := scanPoints(rows); err != nil {
			return nil, err
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
	touch := func(household string) {
		if household != "" && (sc.whole || isHousehold[household]) && !blocked[household] {
			out.touched[household] = true
		}
	}
	var all []string
	for _, x := range append(append([]string(nil), households...), subjects...) {
		if !blocked[householdOf(x)] {
			all = append(all, x)
		}
	}
	// each runs q (its ? first args, then the chunk of all once or twice) over all; of a whole
	// upload, once, with the condition “(?list)” stands for left out (see whole).
	each := func(q string, twice bool, args []any, row func(*sql.Rows) error) error {
		run := func(q string, a []any) error {
			rows, err := tx.QueryContext(ctx, q, a...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := row(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		if sc.whole {
			return run(q, args)
		}
		for start := 0; start < len(all); start += 400 {
			chunk := anys(all[start:min(start+400, len(all))])
			a := append(append([]any(nil), args...), chunk...)
			if twice {
				a = append(a, chunk...)
			}
			if err := run(strings.ReplaceAll(q, "(?list)", "("+placeholders(len(chunk))+")"), a); err != nil {
				return err
			}
		}
		return nil
	}
	// whole picks the condition of a whole upload's query, or of a guessed one's (with (?list)).
	whole := func(whole, listed string) string {
		if sc.whole {
			return whole
		}
		return listed
	}
	out.points = len(found)
	out.changed = len(found) > 0
	for _, h := range found {
		touch(h.(string))
	}
	pointKeys := make([]string, 0, len(found))
	for start := 0; start < len(found); start += 400 {
		chunk := found[start:min(start+400, len(found))]
		if _, err := tx.ExecContext(ctx, `DELETE FROM households WHERE period = ? AND job_id = ? AND household IN (`+placeholders(len(chunk))+`)`,
			append([]any{quarter, job}, chunk...)...); err != nil {
			return nil, err
		}
		for _, h := range chunk {
			pointKeys = append(pointKeys, h.(string)+"|"+quarter)
		}
	}
	// Each point, payment and summary row deleted gets back the row it overwrote (keep.go).
	if err := restoreKept(ctx, tx, keptHousehold, job, sc.kept, pointKeys, &out.restored); err != nil {
		return nil, err
	}
	var payKeys []string
	err := each(`DELETE FROM payments WHERE year = ? AND job_id = ? AND `+whole("1", "subject IN (?list)")+` RETURNING subject, rule`, false,
		[]any{period.Year, job}, func(rows *sql.Rows) error {
			var subject, rule string
			if err := rows.Scan(&subject, &rule); err != nil {
				return err
			}
			payKeys = append(payKeys, fmt.Sprintf("%s|%s|%d", subject, rule, period.Year))
			out.changed = true
			out.payments++
			if !sc.whole { // of a whole upload, its households are those of its points and tasks (a subject may be an ID number)
				touch(householdOf(subject))
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := restoreKept(ctx, tx, keptPayment, job, sc.kept, payKeys, &out.restored); err != nil {
		return nil, err
	}
	// The payment rows and points a later upload overwrote: job's leave their chain. Of a
	// guessed upload, those of the households and subjects in sc, blocked ones included: when
	// the later upload is withdrawn, the guessed quarter's data does not come back.
	if sc.whole {
		if err := spliceKept(ctx, tx, keptPayment, job, sc.kept, true, "1"); err != nil {
			return nil, err
		}
	}
	scope := append(append([]string(nil), households...), subjects...)
	for start := 0; !sc.whole && start < len(scope); start += 400 {
		chunk := anys(scope[start:min(start+400, len(scope))])
		prefix := `substr(k.key, 1, instr(k.key, '|') - 1) IN (` + placeholders(len(chunk)) + `)`
		if err := spliceKept(ctx, tx, keptPayment, job, sc.kept, false, prefix, chunk...); err != nil {
			return nil, err
		}
		if err := spliceKept(ctx, tx, keptHousehold, job, sc.kept, false, prefix+` AND k.key LIKE ?`, append(chunk, "%|"+quarter)...); err != nil {
			return nil, err
		}
	}
	type task struct{ id, rule string }
	var tasks []task
	seen := map[string]bool{}
	jobArgs := make([]any, len(jobs))
	for i, j := range jobs {
		jobArgs[i] = j
	}
	taskArgs := append(jobArgs, savedAt)
	raisedBy := ""
	if sc.whole {
		// And, of a whole upload, those an upload withdrawn meanwhile raised first that it saw
		// again, or that it raised first and an upload withdrawn meanwhile saw again (raised_by).
		// Not those of a household whose point is of an upload that stands, saved after the one
		// that raised it (#6 of #5, #6, #7 when 5 and 7 are withdrawn): that upload raised it too.
		raisedBy = ` OR (raised_by <> 0 AND (job_id = ? OR raised_by = ?) AND (job_id = ? OR job_id IN ` + withdrawnUploads + `)
			AND (raised_by = ? OR raised_by IN ` + withdrawnUploads + `) AND NOT ` + standingPoint("raised_by") + `)`
		taskArgs = append(taskArgs, job, job, job, job, job)
	}
	err = each(`SELECT id, rule, household, county, township, village FROM tasks WHERE ((job_id IN (`+placeholders(len(jobs))+`) AND first_seen >= ?)`+raisedBy+`)
		AND `+whole("1", "(household IN (?list) OR subject IN (?list))"), true, taskArgs, func(rows *sql.Rows) error {
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
		return nil, err
	}
	prevYear := period.Prev().Year
	for _, t := range tasks {
		out.changed = true
		out.deleted++
		if _, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE id = ?`, t.id); err != nil {
			return nil, err
		}
		if t.rule != "subsidy_unpaid" || prevYear == period.Year {
			continue
		}
		// yearTask moved the year before's open debt to its year's id when this upload raised the
		// subsidy for its year under the plain id: it is given the plain id back.
		old, prefix := YearTaskID(t.id, t.rule, prevYear), fmt.Sprintf("%d年度：", prevYear)
		if old == t.id {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET id = ?, explain = substr(explain, ?) WHERE id = ? AND year = ? AND explain LIKE ?
			AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = ?)`, t.id, len([]rune(prefix))+1, old, prevYear, prefix+"%", t.id); err != nil {
			return nil, err
		}
	}
	// The tasks it closed are open again: a guessed upload reported them 已完成 on a quarter's
	// data taken for the next one (the renamed upload judges them), a withdrawn upload on a wrong
	// file's. closed_acked stays: a digest that told the cadre 已完成 is not repeated when an
	// upload closes them again (SaveEvaluation keeps it; raised again, a task is reopened with
	// closed_acked 0).
	reopen := `UPDATE tasks SET state = 'open', closed_at = 0, closed_by = 0 WHERE state = 'closed' AND closed_at = ?
		AND (household IN (?list) OR subject IN (?list)) RETURNING household`
	args := []any{savedAt}
	if sc.whole {
		reopen = `UPDATE tasks SET state = 'open', closed_at = 0, closed_by = 0 WHERE state = 'closed' AND closed_by = ?
			AND NOT EXISTS (SELECT 1 FROM households AS h WHERE h.household = tasks.household AND h.job_id > ? AND h.period >= ?) RETURNING household`
		args = []any{job, job, quarter}
	}
	err = each(reopen, true, args, func(rows *sql.Rows) error {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		out.changed = true
		out.reopened++
		touch(h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sc.whole {
		// The tasks an upload withdrawn meanwhile closed, that it (holding the household's point
		// then) kept open: open again when the point now on record is of an upload before that one.
		for start := 0; start < len(found); start += 400 {
			chunk := found[start:min(start+400, len(found))]
			rows, err := tx.QueryContext(ctx, `UPDATE tasks SET state = 'open', closed_at = 0, closed_by = 0 WHERE state = 'closed' AND closed_by < ?
				AND closed_by IN `+withdrawnUploads+` AND household IN (`+placeholders(len(chunk))+`)
				AND NOT EXISTS (SELECT 1 FROM households AS h WHERE h.household = tasks.household AND h.job_id > tasks.closed_by
					AND h.period >= `+uploadPeriod("closed_by")+`) RETURNING household`,
				append([]any{job}, chunk...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var h string
				if err := rows.Scan(&h); err != nil {
					rows.Close()
					return nil, err
				}
				out.changed = true
				out.reopened++
				touch(h)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, err
			}
		}
		// The tasks closed before it that it raised again, and no later upload has seen since
		// (job_id), are closed again as they were: their 已完成 stands, told or not as before. So
		// are those an upload withdrawn meanwhile raised again and it saw again, or it raised
		// again and an upload withdrawn meanwhile saw again.
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET state = 'closed', closed_at = reopened_closed_at, closed_acked = reopened_acked,
			reopened_by = 0 WHERE state = 'open' AND reopened_by <> 0 AND (job_id = ? OR reopened_by = ?)
			AND (job_id = ? OR job_id IN `+withdrawnUploads+`) AND (reopened_by = ? OR reopened_by IN `+withdrawnUploads+`)
			AND ((job_id = ? AND reopened_by = ?) OR NOT `+standingPoint("reopened_by")+`)`, job, job, job, job, job, job, job)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out.changed = true
			out.closed = int(n)
		}
		keys, err := deletedKeys(ctx, tx, `DELETE FROM units WHERE job_id = ? AND period = ? RETURNING `+keptTables[keptUnit].key, job, quarter)
		if err != nil {
			return nil, err
		}
		out.changed = out.changed || len(keys) > 0
		if err := restoreKept(ctx, tx, keptUnit, job, sc.kept, keys, &out.restored); err != nil {
			return nil, err
		}
		// The tasks it moved to another village or gave to another cadre, as they were before.
		if err := restoreTasks(ctx, tx, job, &out.restored); err != nil {
			return nil, err
		}
		// What a later upload overwrote of job's: job leaves the chains of all its rows.
		for _, kind := range []string{keptHousehold, keptUnit, keptTask} {
			if err := spliceKept(ctx, tx, kind, job, sc.kept, true, "1"); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for u := range units {
		keys, err := deletedKeys(ctx, tx, `DELETE FROM units WHERE job_id = ? AND period = ? AND county = ?
			AND (level = ? OR township = ?) AND (level <> ? OR village = ?) RETURNING `+keptTables[keptUnit].key,
			job, quarter, u.County, calc.LevelCounty, u.Township, calc.LevelVillage, u.Village)
		if err != nil {
			return nil, err
		}
		if err := restoreKept(ctx, tx, keptUnit, job, sc.kept, keys, &out.restored); err != nil {
			return nil, err
		}
	}
	// Its summary rows of these units a later upload overwrote leave their chain (k.row is job's).
	for u := range blockedUnits {
		units[u] = true
	}
	for u := range units {
		if err := spliceKept(ctx, tx, keptUnit, job, sc.kept, false, `json_extract(k.row, '$.period') = ? AND json_extract(k.row, '$.county') = ?
			AND (json_extract(k.row, '$.level') = ? OR json_extract(k.row, '$.township') = ?)
			AND (json_extract(k.row, '$.level') <> ? OR json_extract(k.row, '$.village') = ?)`,
			quarter, u.County, calc.LevelCounty, u.Township, calc.LevelVillage, u.Village); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deletedKeys runs a DELETE … RETURNING of one text column: the keys of the rows it deleted.
func deletedKeys(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	return scanStrings(tx.QueryContext(ctx, q, args...))
}

// scanStrings reads the one text column of rows (closed when done).
func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
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
