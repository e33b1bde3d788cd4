package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// An upload overwrites rows an earlier one wrote: a household's point of its quarter, the payment
// record of a subject, rule and year, a unit's summary row of its quarter. SaveEvaluation keeps
// each such earlier row in kept_rows, keyed by the overwriting upload; withdrawing the upload
// (Undo, WithdrawGuessed) puts back, for each row it still holds, the row it overwrote. The kept
// rows of an upload form a chain: when an upload is withdrawn whose row a later upload overwrote
// (and still holds), the later upload's kept row becomes the one the withdrawn upload had kept
// (splice): withdrawing the later one then brings back the row before both.
//
// The uploads saved before rows were kept (uploads.kept 0) have none: their withdrawal deletes
// what they hold, as it did. Of an upload saved since, a row without a kept row had none before
// it; a kept row whose row is NULL is one whose earlier row is not known (it was of an upload
// saved before, withdrawn meanwhile).

// keptTable is a table whose rows an upload may overwrite.
type keptTable struct {
	table string
	cols  []string
	key   string // the primary key joined by '|', an SQL expression over the table's columns
	job   string // the column of the upload that wrote the row (job_id when "")
}

const (
	keptHousehold = "household"
	keptPayment   = "payment"
	keptUnit      = "unit"
	// keptTask is an open task's place and 帮扶责任人 (and its reminders) before an upload moved it
	// to another village or gave it to another cadre: the upload that set them is moved_by.
	keptTask = "task"
)

var keptTables = map[string]keptTable{
	keptHousehold: {table: "households", key: `household || '|' || period`,
		cols: []string{"household", "period", "job_id", "name", "county", "township", "village", "cadre", "ytd_per_capita", "base_per_capita",
			"monitored", "updated_at", "members", "category", "labor", "labor_why"}},
	keptPayment: {table: "payments", key: `subject || '|' || rule || '|' || year`,
		cols: []string{"subject", "rule", "year", "amount", "job_id", "period"}},
	keptUnit: {table: "units", key: `county || '|' || township || '|' || village || '|' || level || '|' || period`,
		cols: []string{"county", "township", "village", "level", "period", "summary", "job_id", "updated_at"}},
	keptTask: {table: "tasks", key: `id`, job: "moved_by",
		cols: []string{"id", "county", "township", "village", "cadre", "reminders", "reminded_at", "escalated_at", "handed_over"}},
}

// keepSQL keeps the rows of kind matching where (its arguments after the three of keepSQL: the
// overwriting job, its save, the job again) that another upload wrote, before job overwrites them.
// The first kept row of a key stands: a retry of job finds its own rows.
func keepSQL(kind, where string) string {
	t := keptTables[kind]
	obj := make([]string, len(t.cols))
	for i, c := range t.cols {
		obj[i] = "'" + c + "', " + c
	}
	job := t.job
	if job == "" {
		job = "job_id"
	}
	return `INSERT INTO kept_rows(job_id, kind, key, prev_job, row, saved_at)
		SELECT ?, '` + kind + `', ` + t.key + `, ` + job + `, json_object(` + strings.Join(obj, ", ") + `), ? FROM ` + t.table + `
		WHERE ` + job + ` <> ? AND (` + where + `) ON CONFLICT(job_id, kind, key) DO NOTHING`
}

// restoreTasks puts back the place, 帮扶责任人 and reminders of the tasks job moved or reassigned
// (kept rows of kind task) that still have job's (moved_by: a later upload that moved one again
// holds it; job then leaves its chain, spliceKept). Closed ones too: reports count them by place.
// A task whose household a later upload stored a point of is left as it is: that upload placed
// the household too (where job had put it, or it would have moved the task). Its kept row passes
// to that upload, whose withdrawal then puts it back.
func restoreTasks(ctx context.Context, tx *sql.Tx, job int64, r *restored) error {
	later := `(SELECT MIN(h.job_id) FROM households AS h WHERE h.household = tasks.household AND h.job_id > ?1)`
	t := keptTables[keptTask]
	cols, vals := t.cols[1:], make([]string, 0, len(t.cols))
	for _, c := range cols {
		vals = append(vals, "json_extract(k.row, '$."+c+"')")
	}
	rows, err := tx.QueryContext(ctx, `UPDATE tasks SET (`+strings.Join(cols, ", ")+`, moved_by) =
			(SELECT `+strings.Join(vals, ", ")+`, k.prev_job FROM kept_rows AS k WHERE k.job_id = ?1 AND k.kind = ?2 AND k.key = tasks.id)
		WHERE moved_by = ?1 AND id IN (SELECT key FROM kept_rows WHERE job_id = ?1 AND kind = ?2 AND row IS NOT NULL)
			AND `+later+` IS NULL RETURNING moved_by`, job, keptTask)
	if err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var j int64
		if err := rows.Scan(&j); err != nil {
			return err
		}
		if r.from == nil {
			r.from = map[int64]bool{}
		}
		r.add(keptTask, 1)
		if j != 0 {
			r.from[j] = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	rows.Close()
	// The tasks left: the later upload holding the household's point is the one that set them.
	left, err := tx.QueryContext(ctx, `SELECT id, `+later+` FROM tasks WHERE moved_by = ?1 AND `+later+` IS NOT NULL`, job)
	if err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	type held struct {
		id string
		by int64
	}
	var hs []held
	for left.Next() {
		var h held
		if err := left.Scan(&h.id, &h.by); err != nil {
			left.Close()
			return err
		}
		hs = append(hs, h)
	}
	err = left.Err()
	left.Close()
	if err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	for _, h := range hs {
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE kept_rows SET job_id = ?1, saved_at = COALESCE((SELECT saved_at FROM uploads WHERE job_id = ?1), saved_at)
			WHERE job_id = ?2 AND kind = ?3 AND key = ?4`, h.by, job, keptTask, h.id); err != nil {
			return fmt.Errorf("restore tasks: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET moved_by = ? WHERE id = ?`, h.by, h.id); err != nil {
			return fmt.Errorf("restore tasks: %w", err)
		}
	}
	return nil
}

// restored is what a withdrawal put back of the rows an upload had overwritten.
type restored struct {
	rows    map[string]int // of each kind, rows put back
	from    map[int64]bool // the uploads they are of
	unknown map[string]int // of each kind, rows deleted whose earlier row is not known
}

func (r *restored) add(kind string, n int) {
	if r.rows == nil {
		r.rows = map[string]int{}
	}
	r.rows[kind] += n
}

// restoreKept puts back the rows of kind that job had overwritten under these keys (just deleted:
// job held them), and counts those whose earlier row is not known (none known when job kept
// nothing: saved before rows were kept).
func restoreKept(ctx context.Context, tx *sql.Tx, kind string, job int64, kept bool, keys []string, r *restored) error {
	if len(keys) == 0 {
		return nil
	}
	if r.unknown == nil {
		r.unknown, r.from = map[string]int{}, map[int64]bool{}
	}
	if !kept {
		r.unknown[kind] += len(keys)
		return nil
	}
	t := keptTables[kind]
	vals := make([]string, len(t.cols))
	for i, c := range t.cols {
		vals[i] = "json_extract(row, '$." + c + "')"
	}
	for start := 0; start < len(keys); start += 400 {
		chunk := anys(keys[start:min(start+400, len(keys))])
		args := append([]any{job, kind}, chunk...)
		rows, err := tx.QueryContext(ctx, `INSERT INTO `+t.table+`(`+strings.Join(t.cols, ", ")+`)
			SELECT `+strings.Join(vals, ", ")+` FROM kept_rows WHERE job_id = ? AND kind = ? AND key IN (`+placeholders(len(chunk))+`) AND row IS NOT NULL
			ON CONFLICT DO NOTHING RETURNING job_id`, args...)
		if err != nil {
			return fmt.Errorf("restore %s: %w", kind, err)
		}
		for rows.Next() {
			var j int64
			if err := rows.Scan(&j); err != nil {
				rows.Close()
				return err
			}
			r.add(kind, 1)
			r.from[j] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("restore %s: %w", kind, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM kept_rows WHERE job_id = ? AND kind = ? AND key IN (`+placeholders(len(chunk))+`)
			AND row IS NULL`, args...).Scan(&n); err != nil {
			return fmt.Errorf("restore %s: %w", kind, err)
		}
		r.unknown[kind] += n
		if _, err := tx.ExecContext(ctx, `DELETE FROM kept_rows WHERE job_id = ? AND kind = ? AND key IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return fmt.Errorf("restore %s: %w", kind, err)
		}
	}
	return nil
}

// spliceKept takes job, withdrawn, out of the chains of the rows of kind a later upload
// overwrote (their kept row is job's row), for the kept rows k matching cond (its args after
// job's): their kept row becomes the one job had kept; none, when job had none (of an upload
// that kept its rows: there was no row before it; else not known). With dropOwn (job withdrawn
// whole), job's own kept rows of these keys are then deleted.
func spliceKept(ctx context.Context, tx *sql.Tx, kind string, job int64, kept, dropOwn bool, cond string, args ...any) error {
	a := append([]any{job, job, kind}, args...)
	a = append(a, job)
	if _, err := tx.ExecContext(ctx, `UPDATE kept_rows AS k SET (prev_job, row) =
			(SELECT j.prev_job, j.row FROM kept_rows AS j WHERE j.job_id = ? AND j.kind = k.kind AND j.key = k.key)
		WHERE k.prev_job = ? AND k.kind = ? AND (`+cond+`)
			AND EXISTS (SELECT 1 FROM kept_rows AS j WHERE j.job_id = ? AND j.kind = k.kind AND j.key = k.key)`, a...); err != nil {
		return fmt.Errorf("splice %s: %w", kind, err)
	}
	rest := `DELETE FROM kept_rows AS k WHERE k.prev_job = ? AND k.kind = ? AND (` + cond + `)`
	if !kept {
		rest = `UPDATE kept_rows AS k SET prev_job = 0, row = NULL WHERE k.prev_job = ? AND k.kind = ? AND (` + cond + `)`
	}
	if _, err := tx.ExecContext(ctx, rest, append([]any{job, kind}, args...)...); err != nil {
		return fmt.Errorf("splice %s: %w", kind, err)
	}
	if !dropOwn {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kept_rows AS k WHERE k.job_id = ? AND k.kind = ? AND (`+cond+`)`,
		append([]any{job, kind}, args...)...); err != nil {
		return fmt.Errorf("splice %s: %w", kind, err)
	}
	return nil
}

// DeleteKeptBefore deletes the kept rows of the uploads saved before undoBefore (which 撤销 can no
// longer withdraw), but those of the uploads evaluated for a guessed quarter (which their renamed
// copy withdraws later: WithdrawGuessed), kept until guessBefore. It returns how many it deleted.
func (s *Store) DeleteKeptBefore(ctx context.Context, undoBefore, guessBefore time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM kept_rows WHERE saved_at < ?
		OR (saved_at < ? AND job_id NOT IN (SELECT job_id FROM guessed_periods))`, ms(guessBefore), ms(undoBefore))
	if err != nil {
		return 0, fmt.Errorf("delete kept rows: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
