package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"zengshou/calc"
)

// HouseholdPoint is one household's figures for one period, kept so later uploads know last
// quarter's income (下降趋势 across uploads).
type HouseholdPoint struct {
	Household     string
	Name          string
	Unit          calc.Unit
	Cadre         string
	YTDPerCapita  *calc.Fen
	BasePerCapita *calc.Fen
	Monitored     bool
	// What the other ledgers' rules need (KnownHouseholds).
	Members             int
	Category            string
	Labor, LaborLostWhy string
}

// Evaluation is what one processed ledger leaves behind.
type Evaluation struct {
	JobID      int64
	Platform   string
	ChatID     string
	DirectTo   string // the uploader, when the ledger came in a direct chat
	Period     calc.Period
	Households []HouseholdPoint
	// Payments are the amounts paid this year that the ledger's 已发放 records (filled cells; a
	// subject's rows under one rule add up), for ev.Period: they replace what an upload of the
	// same or an earlier quarter stored, and only raise what a later quarter's stored (MergePaid).
	Payments []calc.Payment
	// Carried are amounts on record that the ledger left blank, stored again under a person's
	// other subject (户编号/姓名 and the ID number, each with its own quarter): merged, not summed.
	Carried []Payment
	Tasks   []calc.Task // open tasks found by this evaluation
	Units   []calc.UnitSummary
	// Covered are the subjects (household ids, entity names, …) this ledger speaks for: their
	// open tasks that the evaluation no longer raises are closed.
	Covered map[string]bool
	// Judges, when set, says whether this ledger can judge an open task (id, rule) of a covered
	// subject at all: a workbook without the livestock sheet says nothing about a calf subsidy.
	// Tasks it cannot judge stay as they are. nil: every task.
	Judges func(id, rule string) bool
	// SubsidiesOnly are the covered households whose open tasks this ledger judges only for its
	// year's subsidies owed and not paid (subsidy_unpaid): a later year's ledger covered them.
	SubsidiesOnly map[string]bool
	// Duplicates are open tasks of a person stored under the person's other subject (the ID
	// number, or 户编号/姓名) beside the one this evaluation keeps for the same measure: closed
	// without 已完成 (closed_acked set) and by no upload (撤销 does not open them again).
	Duplicates []string
	// Guessed, when set, is the file's name as the group saw it, of an upload evaluated for the
	// quarter of the upload because its name gave none, whose reply proposed renaming it for
	// the quarter before (WithdrawGuessed).
	Guessed string
	// Name is the file's name as the group saw it (masked), and Sender the uploader's platform
	// user id: recorded for 撤销 (Undo).
	Name, Sender string
}

// SaveResult is what saving an evaluation changed.
type SaveResult struct {
	NewTasks    []string // task ids first seen now
	ClosedTasks []string // task ids closed by this upload
	// Lowered are the amounts on record as paid that this upload's 已发放 lowered (a correction
	// of an earlier upload of the same or an earlier quarter), in the order of ev.Payments.
	Lowered []PaymentChange
}

// Payment is an amount on record as paid this year to a subject under a rule, with the quarter
// of the ledger that recorded it and that upload's job (the upload order within a quarter).
type Payment struct {
	calc.Payment
	Period calc.Period // zero: stored before the quarter was kept (only a larger amount replaces it)
	JobID  int64
}

// PaymentChange is an amount on record that an upload changed.
type PaymentChange struct {
	Subject, Rule string
	From, To      calc.Fen
}

// newerPaid reports whether a was recorded by a later ledger than b: a later quarter, or the same
// quarter uploaded later (or the same upload). An amount stored without a quarter is neither newer
// nor older than another: the two are compared by amount (MergePaid).
func newerPaid(a, b Payment) bool {
	if !a.Period.Valid() || !b.Period.Valid() {
		return false
	}
	return b.Period.Before(a.Period) || (a.Period == b.Period && a.JobID >= b.JobID)
}

// MergePaid is what stands on record for a subject, rule and year when a ledger records nw and
// old is stored. A ledger's 已发放 is the year's paid amount so far, as of its quarter: the newer
// record replaces the older one even when smaller (a cadre's 6000元 typed for 600元 is corrected
// by the workbook sent again with 600元, or by the next quarter's). An older quarter's ledger sent
// after a newer one only raises the amount (the newer quarter's stays the quarter on record).
// An amount stored before quarters were kept (zero Period) is only replaced by a larger one.
// A blank 已发放 records nothing and never comes here.
func MergePaid(old, nw Payment) Payment {
	if old.Period.Valid() && newerPaid(nw, old) {
		return nw
	}
	if nw.Amount > old.Amount || (nw.Amount == old.Amount && !old.Period.Valid() && nw.Period.Valid()) {
		if !old.Period.Valid() {
			return nw // an amount stored without a quarter overtaken: the new record's quarter from now on
		}
		out := old
		out.Amount, out.JobID = nw.Amount, nw.JobID
		return out
	}
	return old
}

// SaveEvaluation stores an evaluation in one transaction: household points, payments (the year's
// paid amount of the newest ledger that recorded one, MergePaid), unit summaries, tasks (new ones
// opened, existing ones refreshed, covered ones no longer raised closed).
func (s *Store) SaveEvaluation(ctx context.Context, ev *Evaluation, now time.Time) (*SaveResult, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save evaluation: %w", err)
	}
	defer tx.Rollback()
	period := ev.Period.String()
	// One prepared statement per kind of row: a ledger of 200 households writes hundreds of rows,
	// and SQLite would otherwise parse the same SQL for each.
	var stmts []*sql.Stmt
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	prepare := func(q string) (*sql.Stmt, error) {
		st, err := tx.PrepareContext(ctx, q)
		if err == nil {
			stmts = append(stmts, st)
		}
		return st, err
	}
	out := &SaveResult{}
	// The 帮扶责任人 each household had before this upload (its latest quarter stored): the open
	// tasks that were theirs for it pass to the one this ledger names (below).
	prevCadre, err := latestCadres(ctx, tx, ev)
	if err != nil {
		return nil, fmt.Errorf("save household: %w", err)
	}
	if len(ev.Households) > 0 {
		st, err := prepare(`INSERT INTO households(household, period, job_id, name, county, township, village, cadre, ytd_per_capita, base_per_capita, monitored, updated_at,
				members, category, labor, labor_why)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT(household, period) DO UPDATE SET job_id=excluded.job_id, name=excluded.name, county=excluded.county, township=excluded.township,
			village=excluded.village, cadre=excluded.cadre, ytd_per_capita=excluded.ytd_per_capita, base_per_capita=excluded.base_per_capita,
			monitored=excluded.monitored, updated_at=excluded.updated_at, members=excluded.members, category=excluded.category,
			labor=excluded.labor, labor_why=excluded.labor_why`)
		if err != nil {
			return nil, fmt.Errorf("save household: %w", err)
		}
		// The points of this quarter another upload stored, kept for this one's withdrawal (keep.go).
		for start := 0; start < len(ev.Households); start += 400 {
			chunk := ev.Households[start:min(start+400, len(ev.Households))]
			args := []any{ev.JobID, ms(now), ev.JobID, period}
			for _, h := range chunk {
				args = append(args, h.Household)
			}
			if _, err := tx.ExecContext(ctx, keepSQL(keptHousehold, `period = ? AND household IN (`+placeholders(len(chunk))+`)`), args...); err != nil {
				return nil, fmt.Errorf("save household: %w", err)
			}
		}
		for _, h := range ev.Households {
			if _, err := st.ExecContext(ctx, h.Household, period, ev.JobID, h.Name, h.Unit.County, h.Unit.Township, h.Unit.Village, h.Cadre,
				nullFen(h.YTDPerCapita), nullFen(h.BasePerCapita), h.Monitored, ms(now), h.Members, h.Category, h.Labor, h.LaborLostWhy); err != nil {
				return nil, fmt.Errorf("save household: %w", err)
			}
		}
	}
	if len(ev.Payments) > 0 || len(ev.Carried) > 0 {
		sel, err := prepare(`SELECT amount, period, job_id FROM payments WHERE subject = ? AND rule = ? AND year = ?`)
		if err != nil {
			return nil, fmt.Errorf("save payment: %w", err)
		}
		put, err := prepare(`INSERT INTO payments(subject, rule, year, amount, job_id, period) VALUES(?,?,?,?,?,?)
			ON CONFLICT(subject, rule, year) DO UPDATE SET amount = excluded.amount, job_id = excluded.job_id, period = excluded.period`)
		if err != nil {
			return nil, fmt.Errorf("save payment: %w", err)
		}
		keep, err := prepare(keepSQL(keptPayment, `subject = ? AND rule = ? AND year = ?`))
		if err != nil {
			return nil, fmt.Errorf("save payment: %w", err)
		}
		// write merges p with the amount on record (MergePaid) and reports a lowered one.
		write := func(p Payment) (lowered *PaymentChange, err error) {
			var amt, job int64
			var per string
			err = sel.QueryRowContext(ctx, p.Subject, p.Rule, ev.Period.Year).Scan(&amt, &per, &job)
			nw := p
			if err == nil {
				old := Payment{Period: parsePeriodOrZero(per), JobID: job}
				old.Amount = calc.Fen(amt)
				nw = MergePaid(old, p)
				if nw.Amount == old.Amount && nw.Period == old.Period && nw.JobID == old.JobID {
					return nil, nil
				}
				if nw.Amount < old.Amount {
					lowered = &PaymentChange{Subject: p.Subject, Rule: p.Rule, From: old.Amount, To: nw.Amount}
				}
			} else if err != sql.ErrNoRows {
				return nil, err
			}
			per = ""
			if nw.Period.Valid() {
				per = nw.Period.String()
			}
			// The record it overwrites is kept for the withdrawal of the upload whose record is
			// written: this one's, or that of an earlier upload copied under a person's other
			// subject (Carried), which the withdrawal of that upload deletes with its own.
			if _, err := keep.ExecContext(ctx, nw.JobID, ms(now), nw.JobID, p.Subject, p.Rule, ev.Period.Year); err != nil {
				return nil, err
			}
			_, err = put.ExecContext(ctx, p.Subject, p.Rule, ev.Period.Year, int64(nw.Amount), nw.JobID, per)
			return lowered, err
		}
		// A ledger's payments to one subject under one rule add up (two rows of a household's
		// cattle, 500元 paid on each: 1000元 paid, as the evaluation counted them); that sum is the
		// ledger's record. Stored row by row, the larger row (500元) was kept and a later ledger
		// with 已发放 blank owed the other 500元 again.
		type key struct{ subject, rule string }
		sums := map[key]calc.Fen{}
		var order []key
		for _, p := range ev.Payments {
			k := key{p.Subject, p.Rule}
			if _, ok := sums[k]; !ok {
				order = append(order, k)
			}
			sums[k] += p.Amount
		}
		for _, k := range order {
			nw := Payment{Period: ev.Period, JobID: ev.JobID}
			nw.Subject, nw.Rule, nw.Amount = k.subject, k.rule, sums[k]
			low, err := write(nw)
			if err != nil {
				return nil, fmt.Errorf("save payment: %w", err)
			}
			if low != nil {
				out.Lowered = append(out.Lowered, *low)
			}
		}
		for _, p := range ev.Carried {
			if _, ok := sums[key{p.Subject, p.Rule}]; ok {
				continue // this ledger's own record stands
			}
			if _, err := write(p); err != nil {
				return nil, fmt.Errorf("save payment: %w", err)
			}
		}
	}
	if len(ev.Units) > 0 {
		st, err := prepare(`INSERT INTO units(county, township, village, level, period, summary, job_id, updated_at) VALUES(?,?,?,?,?,?,?,?)
			ON CONFLICT(county, township, village, level, period) DO UPDATE SET summary=excluded.summary, job_id=excluded.job_id, updated_at=excluded.updated_at`)
		if err != nil {
			return nil, fmt.Errorf("save unit: %w", err)
		}
		keep, err := prepare(keepSQL(keptUnit, `county = ? AND township = ? AND village = ? AND level = ? AND period = ?`))
		if err != nil {
			return nil, fmt.Errorf("save unit: %w", err)
		}
		for _, u := range ev.Units {
			b, _ := json.Marshal(u)
			if _, err := keep.ExecContext(ctx, ev.JobID, ms(now), ev.JobID, u.Unit.County, u.Unit.Township, u.Unit.Village, u.Level, period); err != nil {
				return nil, fmt.Errorf("save unit: %w", err)
			}
			if _, err := st.ExecContext(ctx, u.Unit.County, u.Unit.Township, u.Unit.Village, u.Level, period, string(b), ev.JobID, ms(now)); err != nil {
				return nil, fmt.Errorf("save unit: %w", err)
			}
		}
	}
	raised := map[string]bool{}
	if len(ev.Tasks) > 0 {
		sel, err := prepare(`SELECT state FROM tasks WHERE id = ?`)
		if err != nil {
			return nil, fmt.Errorf("save task: %w", err)
		}
		ins, err := prepare(`INSERT INTO tasks(id, rule, clause, subject, subject_name, household, county, township, village, cadre, due, amount, explain, state, platform, chat_id, direct_to, first_seen, last_seen, job_id, year, raised_by, moved_by)
				VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,'open',?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return nil, fmt.Errorf("save task: %w", err)
		}
		// The due date of a task already open stays: a re-upload must not push the deadline back.
		upd, err := prepare(`UPDATE tasks SET clause=?, subject_name=?, household=?, county=?, township=?, village=?, cadre=?, amount=?, explain=?,
				due = CASE WHEN state = 'closed' THEN ? ELSE due END,
				reminders = CASE WHEN state = 'closed' OR (cadre <> '' AND ?7 <> '' AND cadre <> ?7) THEN 0 ELSE reminders END, -- ?7: the cadre; another's reminders start afresh
				escalated_at = CASE WHEN state = 'closed' OR (cadre <> '' AND ?7 <> '' AND cadre <> ?7) THEN 0 ELSE escalated_at END, -- reported again after the new cadre's own warning
				reminded_at = CASE WHEN cadre <> '' AND ?7 <> '' AND cadre <> ?7 THEN 0 ELSE reminded_at END,
				handed_over = handed_over + (state = 'open' AND cadre <> '' AND ?7 <> '' AND cadre <> ?7),
				reopened_closed_at = CASE WHEN state = 'closed' THEN closed_at ELSE reopened_closed_at END,
				reopened_acked = CASE WHEN state = 'closed' THEN closed_acked ELSE reopened_acked END,
				reopened_by = CASE WHEN state = 'closed' THEN ? ELSE reopened_by END,
				state='open', closed_at=0, closed_acked=0, last_seen=?, job_id=?, platform=?, chat_id=?, direct_to=?, year=MAX(year, ?) WHERE id = ?`)
		if err != nil {
			return nil, fmt.Errorf("save task: %w", err)
		}
		// A task raised again in another place or for another cadre: its earlier place, cadre and
		// reminders are kept for this upload's withdrawal (keep.go), and it is marked as moved by it.
		moved := `id = ? AND (county <> ? OR township <> ? OR village <> ? OR cadre <> ?)`
		keepMoved, err := prepare(keepSQL(keptTask, moved))
		if err != nil {
			return nil, fmt.Errorf("save task: %w", err)
		}
		markMoved, err := prepare(`UPDATE tasks SET moved_by = ? WHERE ` + moved)
		if err != nil {
			return nil, fmt.Errorf("save task: %w", err)
		}
		for _, t := range ev.Tasks {
			if t.Rule == "subsidy_unpaid" {
				id, err := yearTask(ctx, tx, t.ID, t.Rule, ev.Period.Year)
				if err != nil {
					return nil, fmt.Errorf("save task: %w", err)
				}
				if id != t.ID {
					t.ID, t.Explain = id, fmt.Sprintf("%d年度：", ev.Period.Year)+t.Explain
				}
			}
			raised[t.ID] = true
			var state string
			err := sel.QueryRowContext(ctx, t.ID).Scan(&state)
			switch {
			case err == sql.ErrNoRows:
				out.NewTasks = append(out.NewTasks, t.ID)
				_, err = ins.ExecContext(ctx, t.ID, t.Rule, t.Clause, t.Subject, t.SubjectName, t.Household, t.Unit.County, t.Unit.Township, t.Unit.Village, t.Cadre,
					ms(t.Due), nullFen(t.Amount), t.Explain, ev.Platform, ev.ChatID, ev.DirectTo, ms(now), ms(now), ev.JobID, ev.Period.Year, ev.JobID, ev.JobID)
			case err != nil:
			default:
				if state == "closed" { // raised again: reopen as new
					out.NewTasks = append(out.NewTasks, t.ID)
				}
				place := []any{t.ID, t.Unit.County, t.Unit.Township, t.Unit.Village, t.Cadre}
				if _, err = keepMoved.ExecContext(ctx, append([]any{ev.JobID, ms(now), ev.JobID}, place...)...); err != nil {
					break
				}
				if _, err = markMoved.ExecContext(ctx, append([]any{ev.JobID}, place...)...); err != nil {
					break
				}
				_, err = upd.ExecContext(ctx, t.Clause, t.SubjectName, t.Household, t.Unit.County, t.Unit.Township, t.Unit.Village, t.Cadre, nullFen(t.Amount), t.Explain,
					ms(t.Due), ev.JobID, ms(now), ev.JobID, ev.Platform, ev.ChatID, ev.DirectTo, ev.Period.Year, t.ID)
			}
			if err != nil {
				return nil, fmt.Errorf("save task: %w", err)
			}
		}
	}
	// The open tasks of this ledger's households that name no cadre, unit or household head get
	// them from it: a 牲畜台账 sent before the 家庭收入台账 raised a calf subsidy reminded to no one
	// by name (“未填写帮扶责任人”) and counted in no village, and the household ledger, which
	// cannot judge it, left it so.
	if len(ev.Households) > 0 {
		st, err := prepare(`UPDATE tasks SET
				cadre = CASE WHEN cadre = '' THEN ? ELSE cadre END,
				subject_name = CASE WHEN subject_name = '' AND subject = household THEN ? ELSE subject_name END,
				county = CASE WHEN county = '' AND township = '' AND village = '' THEN ? ELSE county END,
				township = CASE WHEN county = '' AND township = '' AND village = '' THEN ? ELSE township END,
				village = CASE WHEN county = '' AND township = '' AND village = '' THEN ? ELSE village END
			WHERE household = ? AND state = 'open' AND (cadre = '' OR subject_name = '' OR (county = '' AND township = '' AND village = ''))`)
		if err != nil {
			return nil, fmt.Errorf("place tasks: %w", err)
		}
		for _, h := range ev.Households {
			if !ev.Covered[h.Household] || ev.SubsidiesOnly[h.Household] || (h.Cadre == "" && h.Name == "" && h.Unit == (calc.Unit{})) {
				continue
			}
			if _, err := st.ExecContext(ctx, h.Cadre, h.Name, h.Unit.County, h.Unit.Township, h.Unit.Village, h.Household); err != nil {
				return nil, fmt.Errorf("place tasks: %w", err)
			}
		}
	}
	// A household this ledger places in another village (it moved, or an earlier ledger had the
	// village wrong): its open tasks this ledger cannot judge (a calf subsidy, for a 家庭收入台账
	// alone) move with it, so that the new village's 进度 and the leaders' summaries count them and
	// not the old village's. A column the ledger leaves blank keeps what the task had.
	if len(ev.Households) > 0 {
		st, err := prepare(`UPDATE tasks INDEXED BY tasks_open_household SET
				county = CASE WHEN ?1 <> '' THEN ?1 ELSE county END,
				township = CASE WHEN ?2 <> '' THEN ?2 ELSE township END,
				village = ?3, moved_by = ?5
			WHERE household = ?4 AND state = 'open' AND village <> ''
				AND (village <> ?3 OR (?1 <> '' AND county <> ?1) OR (?2 <> '' AND township <> ?2))`)
		if err != nil {
			return nil, fmt.Errorf("move tasks: %w", err)
		}
		// What they had is kept for this upload's withdrawal (keep.go).
		keep, err := prepare(keepSQL(keptTask, `household = ? AND state = 'open' AND village <> ''
				AND (village <> ? OR (? <> '' AND county <> ?) OR (? <> '' AND township <> ?))`))
		if err != nil {
			return nil, fmt.Errorf("move tasks: %w", err)
		}
		for _, h := range ev.Households {
			if !ev.Covered[h.Household] || ev.SubsidiesOnly[h.Household] || h.Unit.Village == "" {
				continue
			}
			c, tw, v := h.Unit.County, h.Unit.Township, h.Unit.Village
			if _, err := keep.ExecContext(ctx, ev.JobID, ms(now), ev.JobID, h.Household, v, c, c, tw, tw); err != nil {
				return nil, fmt.Errorf("move tasks: %w", err)
			}
			if _, err := st.ExecContext(ctx, c, tw, v, h.Household, ev.JobID); err != nil {
				return nil, fmt.Errorf("move tasks: %w", err)
			}
		}
	}
	// A household given to another 帮扶责任人: its open tasks the earlier cadre had for it (a calf
	// subsidy the 家庭收入台账 cannot judge, so does not raise) are the new cadre's, reminded from
	// the start. They stayed with the earlier cadre, reminded and escalated for a household no
	// longer theirs. A task reported for the earlier cadre is reported again only after the new
	// one's own warning (handed_over: another round of its report).
	if len(prevCadre) > 0 {
		st, err := prepare(`UPDATE tasks SET cadre = ?, reminders = 0, reminded_at = 0, escalated_at = 0, handed_over = handed_over + 1, moved_by = ?
			WHERE household = ? AND state = 'open' AND cadre = ?`)
		if err != nil {
			return nil, fmt.Errorf("reassign tasks: %w", err)
		}
		keep, err := prepare(keepSQL(keptTask, `household = ? AND state = 'open' AND +cadre = ?`)) // for the withdrawal (keep.go); +cadre: by the household's open tasks, not the cadre's
		if err != nil {
			return nil, fmt.Errorf("reassign tasks: %w", err)
		}
		for _, h := range ev.Households {
			if prev := prevCadre[h.Household]; prev != "" && h.Cadre != "" && prev != h.Cadre && ev.Covered[h.Household] && !ev.SubsidiesOnly[h.Household] {
				if _, err := keep.ExecContext(ctx, ev.JobID, ms(now), ev.JobID, h.Household, prev); err != nil {
					return nil, fmt.Errorf("reassign tasks: %w", err)
				}
				if _, err := st.ExecContext(ctx, h.Cadre, ev.JobID, h.Household, prev); err != nil {
					return nil, fmt.Errorf("reassign tasks: %w", err)
				}
			}
		}
	}
	// Open tasks of the covered subjects that this evaluation no longer raises are closed. They
	// are found through the subject and household indexes, not by reading every open task.
	covered := make([]string, 0, len(ev.Covered))
	for k, ok := range ev.Covered {
		if ok {
			covered = append(covered, k)
		}
	}
	sort.Strings(covered)
	var toClose []string
	seen := map[string]bool{}
	for start := 0; start < len(covered); start += 400 {
		chunk := covered[start:min(start+400, len(covered))]
		args := make([]any, 0, 2*len(chunk))
		for _, c := range chunk {
			args = append(args, c)
		}
		args = append(args, args...)
		rows, err := tx.QueryContext(ctx, closeCandidatesSQL(len(chunk)), args...)
		if err != nil {
			return nil, fmt.Errorf("close tasks: %w", err)
		}
		for rows.Next() {
			var id, subject, household, rule string
			var year int
			if err := rows.Scan(&id, &subject, &household, &rule, &year); err != nil {
				rows.Close()
				return nil, err
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			if !raised[id] && !slices.Contains(ev.Duplicates, id) && !SettledOnlyWithinYear(rule, year, ev.Period.Year) && (ev.Covered[subject] || (household != "" && ev.Covered[household])) && (ev.Judges == nil || ev.Judges(id, rule)) &&
				(!ev.SubsidiesOnly[household] || rule == "subsidy_unpaid") {
				toClose = append(toClose, id)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("close tasks: %w", err)
		}
	}
	if len(toClose) > 0 {
		// closed_acked is 0 for an open task, but one a guessed upload closed, the cadre was told
		// 已完成, and its renamed copy's withdrawal opened again (WithdrawGuessed): told once.
		st, err := prepare(`UPDATE tasks SET state='closed', closed_at=?, closed_by=? WHERE id = ?`)
		if err != nil {
			return nil, fmt.Errorf("close task: %w", err)
		}
		for _, id := range toClose {
			if _, err := st.ExecContext(ctx, ms(now), ev.JobID, id); err != nil {
				return nil, fmt.Errorf("close task: %w", err)
			}
		}
	}
	out.ClosedTasks = toClose
	for _, id := range ev.Duplicates {
		if !raised[id] {
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET state='closed', closed_at=?, closed_acked=1, closed_by=0 WHERE id = ? AND state = 'open'`,
				ms(now), id); err != nil {
				return nil, fmt.Errorf("close duplicate task: %w", err)
			}
		}
	}
	if ev.Guessed != "" { // a retry keeps the first save's time: the first_seen of the tasks it raised
		if _, err := tx.ExecContext(ctx, `INSERT INTO guessed_periods(job_id, platform, chat_id, period, name, saved_at) VALUES(?,?,?,?,?,?)
			ON CONFLICT(job_id) DO NOTHING`, ev.JobID, ev.Platform, ev.ChatID, period, ev.Guessed, ms(now)); err != nil {
			return nil, fmt.Errorf("save guessed period: %w", err)
		}
	}
	// The upload on record for 撤销. A retry keeps the first save's time and count. kept: the rows
	// it overwrote are kept (keep.go).
	points := map[string]bool{}
	for _, h := range ev.Households {
		points[h.Household] = true
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO uploads(job_id, platform, chat_id, sender, period, name, saved_at, households, kept) VALUES(?,?,?,?,?,?,?,?,1)
		ON CONFLICT(job_id) DO NOTHING`, ev.JobID, ev.Platform, ev.ChatID, ev.Sender, period, ev.Name, ms(now), len(points)); err != nil {
		return nil, fmt.Errorf("save upload: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save evaluation: %w", err)
	}
	return out, nil
}

// latestCadres returns the 帮扶责任人 stored for the latest quarter of each household of ev that
// ev covers and names a cadre for (before ev is saved).
func latestCadres(ctx context.Context, tx *sql.Tx, ev *Evaluation) (map[string]string, error) {
	var ids []any
	for _, h := range ev.Households {
		if h.Cadre != "" && ev.Covered[h.Household] && !ev.SubsidiesOnly[h.Household] {
			ids = append(ids, h.Household)
		}
	}
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := tx.QueryContext(ctx, `SELECT household, cadre FROM households h WHERE household IN (`+placeholders(len(chunk))+`)
			AND period = (SELECT MAX(period) FROM households WHERE household = h.household)`, chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h, c string
			if err := rows.Scan(&h, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[h] = c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// YearTaskID is the id under which a subsidy owed for year is kept when the same subsidy of the
// same subject is owed for another year too: the task id (rule|subject|subsidy) has no year, and
// a 2027 calf subsidy raised under the id of 2026's unpaid one overwrote its amount, and paying
// 2027's closed the task with 2026's debt unpaid.
func YearTaskID(id, rule string, year int) string {
	if !strings.HasPrefix(id, rule) {
		return id
	}
	return fmt.Sprintf("%s@%d%s", rule, year, id[len(rule):])
}

// yearTask is the id to store an evaluation's subsidy_unpaid task under for year: its own id,
// unless that id holds another year's debt. A debt of an earlier year is moved to its year's id
// (YearTaskID; reminders, due date and escalation kept) and the id is the new year's; when the id
// already holds a later year's, the evaluation (a ledger of an earlier year) is given its year's
// id. A closed one is moved too: reopened under its own id as the new year's debt, it kept the
// earlier year's first_seen, so a guessed upload's withdrawal (WithdrawGuessed) took it for a
// task raised before the guess and left open a 2027 debt found on 2026's data.
func yearTask(ctx context.Context, tx *sql.Tx, id, rule string, year int) (string, error) {
	var y int
	err := tx.QueryRowContext(ctx, `SELECT year FROM tasks WHERE id = ?`, id).Scan(&y)
	if err == sql.ErrNoRows {
		return id, nil
	}
	if err != nil {
		return "", err
	}
	switch {
	case y == 0 || y == year:
		return id, nil
	case y > year:
		return YearTaskID(id, rule, year), nil
	}
	old := YearTaskID(id, rule, y)
	if _, err := tx.ExecContext(ctx, `UPDATE tasks SET id = ?, explain = ? || explain WHERE id = ? AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = ?)`,
		old, fmt.Sprintf("%d年度：", y), id, old); err != nil {
		return "", err
	}
	return id, nil
}

// closeCandidatesSQL selects the open tasks of n subjects or households (2n arguments: the
// subjects, then the same values as households), through the partial indexes of open tasks
// only. Not through the (state, cadre) index, which reads every open task of every unit once per
// chunk (a 30 MB county ledger of 130,000 households held the store's write lock for minutes),
// nor through the plain subject and household indexes, which also read every task ever closed
// for those households (quadratic in the uploads of one village). INDEXED BY makes the plan
// certain: SQLite refuses the query rather than take another.
func closeCandidatesSQL(n int) string {
	return `SELECT id, subject, household, rule, year FROM tasks INDEXED BY tasks_open_subject WHERE state = 'open' AND subject IN (` + placeholders(n) + `)
		UNION ALL
		SELECT id, subject, household, rule, year FROM tasks INDEXED BY tasks_open_household WHERE state = 'open' AND household IN (` + placeholders(n) + `)`
}

func nullFen(f *calc.Fen) any {
	if f == nil {
		return nil
	}
	return int64(*f)
}

func fenPtr(v sql.NullInt64) *calc.Fen {
	if !v.Valid {
		return nil
	}
	f := calc.Fen(v.Int64)
	return &f
}

// parsePeriodOrZero reads a stored quarter; none (stored before quarters were kept) is zero.
func parsePeriodOrZero(s string) calc.Period {
	p, err := calc.ParsePeriod(s)
	if err != nil {
		return calc.Period{}
	}
	return p
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// PriorIncome returns the stored cumulative per-capita incomes of the households for the
// quarters before p from the start of the previous year: 有收入下降趋势 chains year-on-year
// growth back over the new year (2027Q1 ← 2026Q4 ← 2026Q3), and calc keeps an earlier year's
// point out of the within-year shortfall comparison.
func (s *Store) PriorIncome(ctx context.Context, households []string, p calc.Period) ([]calc.IncomePoint, error) {
	var out []calc.IncomePoint
	for start := 0; start < len(households); start += 500 {
		end := min(start+500, len(households))
		args := []any{}
		for _, h := range households[start:end] {
			args = append(args, h)
		}
		var periods []any
		for q := (calc.Period{Year: p.Year - 1, Quarter: 1}); q.Before(p); q = q.Next() {
			periods = append(periods, q.String())
		}
		if len(periods) == 0 {
			return nil, nil
		}
		args = append(args, periods...)
		rows, err := s.db.QueryContext(ctx, `SELECT household, period, ytd_per_capita, base_per_capita FROM households
			WHERE household IN (`+placeholders(end-start)+`) AND period IN (`+placeholders(len(periods))+`) AND ytd_per_capita IS NOT NULL`, args...)
		if err != nil {
			return nil, fmt.Errorf("prior income: %w", err)
		}
		for rows.Next() {
			var h, per string
			var ytd, base sql.NullInt64
			if err := rows.Scan(&h, &per, &ytd, &base); err != nil {
				rows.Close()
				return nil, err
			}
			pp, _ := calc.ParsePeriod(per)
			pt := calc.IncomePoint{Household: h, Period: pp, YTDPerCapita: calc.Fen(ytd.Int64)}
			if base.Valid {
				pt.BasePerCapita = calc.Fen(base.Int64)
			}
			out = append(out, pt)
		}
		rows.Close()
	}
	return out, nil
}

// LatestPeriods returns, for those of these households that earlier uploads stored, the latest
// quarter stored.
func (s *Store) LatestPeriods(ctx context.Context, households []string) (map[string]calc.Period, error) {
	return s.latestPeriods(ctx, households, 0)
}

// LatestPeriodsOfYear is LatestPeriods among the quarters of year: a ledger of an earlier year
// judges that year's subsidies only when it is the newest of its year stored.
func (s *Store) LatestPeriodsOfYear(ctx context.Context, households []string, year int) (map[string]calc.Period, error) {
	return s.latestPeriods(ctx, households, year)
}

// latestPeriods is LatestPeriods among the quarters of year (0: all).
func (s *Store) latestPeriods(ctx context.Context, households []string, year int) (map[string]calc.Period, error) {
	out := map[string]calc.Period{}
	for start := 0; start < len(households); start += 500 {
		end := min(start+500, len(households))
		args := make([]any, 0, end-start+2)
		for _, h := range households[start:end] {
			args = append(args, h)
		}
		bound := ""
		if year != 0 {
			bound = ` AND period BETWEEN ? AND ?`
			args = append(args, calc.Period{Year: year, Quarter: 1}.String(), calc.Period{Year: year, Quarter: 4}.String())
		}
		rows, err := s.db.QueryContext(ctx, `SELECT household, MAX(period) FROM households WHERE household IN (`+placeholders(end-start)+`)`+bound+` GROUP BY household`, args...)
		if err != nil {
			return nil, fmt.Errorf("latest periods: %w", err)
		}
		for rows.Next() {
			var h, per string
			if err := rows.Scan(&h, &per); err != nil {
				rows.Close()
				return nil, err
			}
			if p, err := calc.ParsePeriod(per); err == nil {
				out[h] = p
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("latest periods: %w", err)
		}
	}
	return out, nil
}

// Payments returns what earlier uploads recorded as paid this year to these subjects, each with
// the quarter and upload that recorded it.
func (s *Store) Payments(ctx context.Context, subjects []string, year int) ([]Payment, error) {
	var out []Payment
	for start := 0; start < len(subjects); start += 500 {
		end := min(start+500, len(subjects))
		args := []any{year}
		for _, h := range subjects[start:end] {
			args = append(args, h)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT subject, rule, amount, period, job_id FROM payments WHERE year = ? AND subject IN (`+placeholders(end-start)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("payments: %w", err)
		}
		for rows.Next() {
			var p Payment
			var amt int64
			var per string
			if err := rows.Scan(&p.Subject, &p.Rule, &amt, &per, &p.JobID); err != nil {
				rows.Close()
				return nil, err
			}
			p.Amount = calc.Fen(amt)
			p.Period = parsePeriodOrZero(per)
			p.Note = "此前上传的台账已记录发放"
			out = append(out, p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("payments: %w", err)
		}
	}
	return out, nil
}

// UnitSummaries returns the latest stored summary of every unit for the period (all periods
// when p is zero, newest period winning).
func (s *Store) UnitSummaries(ctx context.Context, p calc.Period) ([]calc.UnitSummary, error) {
	q := `SELECT summary, period FROM units ORDER BY period`
	args := []any{}
	if p.Valid() {
		q = `SELECT summary, period FROM units WHERE period = ? ORDER BY county, township, village`
		args = append(args, p.String())
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("unit summaries: %w", err)
	}
	defer rows.Close()
	latest := map[string]calc.UnitSummary{}
	var order []string
	for rows.Next() {
		var raw, per string
		if err := rows.Scan(&raw, &per); err != nil {
			return nil, err
		}
		var u calc.UnitSummary
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			continue
		}
		k := u.Level + "|" + u.Unit.County + "|" + u.Unit.Township + "|" + u.Unit.Village
		if _, ok := latest[k]; !ok {
			order = append(order, k)
		}
		latest[k] = u
	}
	out := make([]calc.UnitSummary, 0, len(order))
	for _, k := range order {
		out = append(out, latest[k])
	}
	return out, rows.Err()
}

// LatestUnitSummary returns the unit's summary stored for the latest period from..to (periods of
// one year), ok false when there is none.
func (s *Store) LatestUnitSummary(ctx context.Context, level string, u calc.Unit, from, to calc.Period) (calc.UnitSummary, bool, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT summary FROM units WHERE county = ? AND township = ? AND village = ? AND level = ?
		AND period >= ? AND period <= ? ORDER BY period DESC LIMIT 1`, u.County, u.Township, u.Village, level, from.String(), to.String()).Scan(&raw)
	if err == sql.ErrNoRows {
		return calc.UnitSummary{}, false, nil
	}
	if err != nil {
		return calc.UnitSummary{}, false, fmt.Errorf("unit summary: %w", err)
	}
	var out calc.UnitSummary
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return calc.UnitSummary{}, false, nil
	}
	return out, true, nil
}

// VillagePeriods returns the latest period stored for each village (the period of the row
// UnitSummaries returns for it).
func (s *Store) VillagePeriods(ctx context.Context) (map[calc.Unit]calc.Period, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT county, township, village, MAX(period) FROM units
		WHERE level = ? GROUP BY county, township, village`, calc.LevelVillage)
	if err != nil {
		return nil, fmt.Errorf("village periods: %w", err)
	}
	defer rows.Close()
	out := map[calc.Unit]calc.Period{}
	for rows.Next() {
		var u calc.Unit
		var per string
		if err := rows.Scan(&u.County, &u.Township, &u.Village, &per); err != nil {
			return nil, err
		}
		if p, err := calc.ParsePeriod(per); err == nil {
			out[u] = p
		}
	}
	return out, rows.Err()
}

// HouseholdPerson is what the latest stored upload says about a household: its head's name, its
// unit and its responsible cadre.
type HouseholdPerson struct {
	Name  string
	Unit  calc.Unit
	Cadre string
}

// HouseholdPeople returns, for those of these households that earlier uploads stored, the name,
// unit and cadre of the latest quarter stored: a ledger that names no 帮扶责任人 (a 低保渐退台账
// or 防贫保险台账 sent alone) raises tasks for households the household ledger placed.
func (s *Store) HouseholdPeople(ctx context.Context, households []string) (map[string]HouseholdPerson, error) {
	out := map[string]HouseholdPerson{}
	for start := 0; start < len(households); start += 500 {
		end := min(start+500, len(households))
		args := make([]any, 0, end-start)
		for _, h := range households[start:end] {
			args = append(args, h)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT household, name, county, township, village, cadre FROM households h
			WHERE household IN (`+placeholders(end-start)+`)
			AND period = (SELECT MAX(period) FROM households WHERE household = h.household)`, args...)
		if err != nil {
			return nil, fmt.Errorf("household people: %w", err)
		}
		for rows.Next() {
			var h string
			var p HouseholdPerson
			if err := rows.Scan(&h, &p.Name, &p.Unit.County, &p.Unit.Township, &p.Unit.Village, &p.Cadre); err != nil {
				rows.Close()
				return nil, err
			}
			out[h] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("household people: %w", err)
		}
	}
	return out, nil
}

// KnownHouseholds returns, for those of these households that earlier uploads stored with their
// household ledger, the household as the latest quarter stored it: name, unit, 帮扶责任人,
// 家庭人口, 类别, 劳动能力 and last year's per-capita income (rows stored before these columns
// were kept, which have none of them, are not used). They are the calc.Inputs.Known
// of a 孝扶, 到户项目, 务工 or other ledger sent without its household ledger.
func (s *Store) KnownHouseholds(ctx context.Context, households []string) ([]calc.Household, error) {
	var out []calc.Household
	for start := 0; start < len(households); start += 500 {
		end := min(start+500, len(households))
		args := make([]any, 0, end-start)
		for _, h := range households[start:end] {
			args = append(args, h)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT household, name, county, township, village, cadre, base_per_capita, members, category, labor, labor_why
			FROM households h
			WHERE household IN (`+placeholders(end-start)+`) AND (category != '' OR labor != '' OR members > 0)
			AND period = (SELECT MAX(period) FROM households WHERE household = h.household AND (category != '' OR labor != '' OR members > 0))
			ORDER BY household`, args...)
		if err != nil {
			return nil, fmt.Errorf("known households: %w", err)
		}
		for rows.Next() {
			var h calc.Household
			var base sql.NullInt64
			if err := rows.Scan(&h.ID, &h.Head, &h.Unit.County, &h.Unit.Township, &h.Unit.Village, &h.Cadre, &base, &h.Members,
				&h.Category, &h.Labor, &h.LaborLostWhy); err != nil {
				rows.Close()
				return nil, err
			}
			if base.Valid {
				b := calc.Fen(base.Int64)
				h.LastYearPerCapita = &b
			}
			out = append(out, h)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("known households: %w", err)
		}
	}
	return out, nil
}
