package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"zengshou/calc"
)

// TaskRow is a stored task with its reminder state.
type TaskRow struct {
	calc.Task
	State       string
	Platform    string
	ChatID      string
	DirectTo    string // the uploader, when the ledger came in a direct chat
	FirstSeen   time.Time
	ClosedAt    time.Time
	ClosedAcked bool
	Reminders   int
	RemindedAt  time.Time // the last reminder (zero: never, or before this was kept)
	EscalatedAt time.Time
	// ReopenedBy is the upload (job) that last raised the closed task again (0: never): it
	// tells the task's rounds apart.
	ReopenedBy int64
	// HandedOver counts the times the open task passed to another 帮扶责任人: the new cadre's
	// reminders, warning and report are another round of its escalation.
	HandedOver int
	Year       int // of the evaluation that last raised it
}

// SettledOnlyWithinYear reports whether an evaluation for year cannot close the open task: a
// subsidy owed for another year and not paid (subsidy_unpaid). A later year's ledger counts
// that year's sales and payments ("每年" resets on 1 January) and says nothing of the debt; an
// earlier year's says nothing of a later year's.
func SettledOnlyWithinYear(rule string, taskYear, year int) bool {
	return rule == "subsidy_unpaid" && taskYear > 0 && taskYear != year
}

const taskCols = `id, rule, clause, subject, subject_name, household, county, township, village, cadre, due, amount, explain,
	state, platform, chat_id, direct_to, first_seen, closed_at, closed_acked, reminders, reminded_at, escalated_at, year, reopened_by, handed_over`

func scanTask(rows *sql.Rows) (TaskRow, error) {
	var t TaskRow
	var due, first, closed, reminded, escalated int64
	var amount sql.NullInt64
	err := rows.Scan(&t.ID, &t.Rule, &t.Clause, &t.Subject, &t.SubjectName, &t.Household, &t.Unit.County, &t.Unit.Township, &t.Unit.Village,
		&t.Cadre, &due, &amount, &t.Explain, &t.State, &t.Platform, &t.ChatID, &t.DirectTo, &first, &closed, &t.ClosedAcked, &t.Reminders, &reminded, &escalated, &t.Year, &t.ReopenedBy, &t.HandedOver)
	t.Due, t.FirstSeen, t.ClosedAt, t.EscalatedAt = fromMS(due), fromMS(first), fromMS(closed), fromMS(escalated)
	t.RemindedAt = fromMS(reminded)
	t.Amount = fenPtr(amount)
	return t, err
}

func (s *Store) queryTasks(ctx context.Context, where string, args ...any) ([]TaskRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE `+where+` ORDER BY cadre, due, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("query tasks: %w", err)
	}
	defer rows.Close()
	var out []TaskRow
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("query tasks: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OverdueTasks returns the open tasks due before asOf.
func (s *Store) OverdueTasks(ctx context.Context, asOf time.Time) ([]TaskRow, error) {
	return s.queryTasks(ctx, `state = 'open' AND due < ?`, ms(asOf))
}

// OpenTasks returns every open task, ordered by cadre then due date.
func (s *Store) OpenTasks(ctx context.Context) ([]TaskRow, error) {
	return s.queryTasks(ctx, `state = 'open'`)
}

// ClosedUnacked returns closed tasks whose closing no digest has reported yet.
func (s *Store) ClosedUnacked(ctx context.Context) ([]TaskRow, error) {
	return s.queryTasks(ctx, `state = 'closed' AND closed_acked = 0`)
}

// MarkReminded counts one more reminder for each task, reminded at now.
func (s *Store) MarkReminded(ctx context.Context, ids []string, now time.Time) error {
	return s.eachID(ctx, ids, `UPDATE tasks SET reminders = reminders + 1, reminded_at = ? WHERE id = ?`, ms(now))
}

// MarkClosedAcked records that the digest reported these closed tasks.
func (s *Store) MarkClosedAcked(ctx context.Context, ids []string) error {
	return s.eachID(ctx, ids, `UPDATE tasks SET closed_acked = 1 WHERE id = ?`)
}

// MarkEscalated records that the tasks were escalated to leaders at now.
func (s *Store) MarkEscalated(ctx context.Context, ids []string, now time.Time) error {
	return s.eachID(ctx, ids, `UPDATE tasks SET escalated_at = ? WHERE id = ?`, ms(now))
}

func (s *Store) eachID(ctx context.Context, ids []string, q string, pre ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update tasks: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, q, append(append([]any{}, pre...), id)...); err != nil {
			return fmt.Errorf("update tasks: %w", err)
		}
	}
	return tx.Commit()
}

// OverdueTaskAges returns the open tasks already past their due date at asOf, with their units
// and due dates (for 落实不力: only overdue tasks can count, so the rest are not loaded).
func (s *Store) OverdueTaskAges(ctx context.Context, asOf time.Time) ([]calc.TaskAge, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, county, township, village, due FROM tasks WHERE state = 'open' AND due < ?`, ms(asOf))
	if err != nil {
		return nil, fmt.Errorf("overdue tasks: %w", err)
	}
	defer rows.Close()
	var out []calc.TaskAge
	for rows.Next() {
		var t calc.TaskAge
		var due int64
		if err := rows.Scan(&t.ID, &t.Unit.County, &t.Unit.Township, &t.Unit.Village, &due); err != nil {
			return nil, fmt.Errorf("overdue tasks: %w", err)
		}
		t.Due = fromMS(due)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Notification log states.
const (
	SendPending = "pending"
	SendDone    = "sent"
)

// ClaimSend records that the message with this key is about to be sent. It returns false when
// the key was already claimed (sent, or being sent after a crash: see PendingSends). Keys are
// unique per logical message (a digest for a cadre in a slot), so nothing is sent twice, across
// restarts and instances.
func (s *Store) ClaimSend(ctx context.Context, key, kind, recipient, digest string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO nflog(key, kind, recipient, digest, sent_at) VALUES(?,?,?,?,?) ON CONFLICT(key) DO NOTHING`,
		key, kind, recipient, digest, -ms(now)) // negative sent_at: pending
	if err != nil {
		return false, fmt.Errorf("claim send: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SendDone marks a claimed message as delivered.
func (s *Store) SendDone(ctx context.Context, key string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE nflog SET sent_at = ? WHERE key = ?`, ms(now), key)
	if err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// SendMarks are what a delivered message reports on tasks: reminded (one more reminder, at
// the delivery), closed ones acknowledged; and the keys of the items it carried, logged as sent
// (an escalation's tasks, per leader: see SentKeys).
type SendMarks struct {
	Reminded, Acked, Logged []string
	// Day is the start of the delivery's calendar day (reminders.timezone): a task reminded
	// since then is not counted again (an admin's 提醒 pressed twice, or after the daily pass,
	// is one reminder toward escalation), only its reminded_at moves. Zero: every delivery counts.
	Day time.Time
}

// SendDoneMarking is SendDone together with the marks, in one transaction: a crash between the
// two left the delivery recorded and the marks not (a digest's 已完成 said again in the next one),
// or, the other way round, the marks made twice.
func (s *Store) SendDoneMarking(ctx context.Context, key string, now time.Time, m SendMarks) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE nflog SET sent_at = ? WHERE key = ?`, ms(now), key); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	since := ms(m.Day)
	if m.Day.IsZero() {
		since = ms(now) + 1
	}
	for _, u := range []struct {
		q    string
		ids  []string
		args []any
	}{
		{`UPDATE tasks SET reminders = reminders + (reminded_at < ?), reminded_at = ? WHERE id = ?`, m.Reminded, []any{since, ms(now)}},
		{`UPDATE tasks SET closed_acked = 1 WHERE id = ?`, m.Acked, nil},
		{`INSERT INTO nflog(sent_at, key, kind, recipient, digest) VALUES(?, ?, 'item', '', '') ON CONFLICT(key) DO NOTHING`, m.Logged, []any{ms(now)}},
	} {
		for _, id := range u.ids {
			if _, err := tx.ExecContext(ctx, u.q, append(append([]any{}, u.args...), id)...); err != nil {
				return fmt.Errorf("mark sent: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// SentKeys reports which of keys the notification log holds as sent (SendMarks.Logged).
func (s *Store) SentKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(keys); start += 400 {
		chunk := keys[start:min(start+400, len(keys))]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		sent, err := scanStrings(s.db.QueryContext(ctx, `SELECT key FROM nflog WHERE sent_at > 0 AND key IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...))
		if err != nil {
			return nil, fmt.Errorf("sent keys: %w", err)
		}
		for _, k := range sent {
			out[k] = true
		}
	}
	return out, nil
}

// Unclaim forgets a claim whose send failed, so it is tried again later.
func (s *Store) Unclaim(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM nflog WHERE key = ? AND sent_at < 0`, key)
	if err != nil {
		return fmt.Errorf("unclaim send: %w", err)
	}
	return nil
}

// LastSent returns the last delivered message of a kind to a recipient.
func (s *Store) LastSent(ctx context.Context, kind, recipient string) (digest string, at time.Time, ok bool, err error) {
	var v int64
	err = s.db.QueryRowContext(ctx, `SELECT digest, sent_at FROM nflog WHERE kind = ? AND recipient = ? AND sent_at > 0 ORDER BY sent_at DESC LIMIT 1`,
		kind, recipient).Scan(&digest, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("last sent: %w", err)
	}
	return digest, fromMS(v), true, nil
}

// PendingSends returns keys claimed but never marked sent (the process died mid-send).
func (s *Store) PendingSends(ctx context.Context) ([]string, error) {
	out, err := scanStrings(s.db.QueryContext(ctx, `SELECT key FROM nflog WHERE sent_at < 0`))
	if err != nil {
		return nil, fmt.Errorf("pending sends: %w", err)
	}
	return out, nil
}

// Mark returns when the named schedule last ran (zero if never).
func (s *Store) Mark(ctx context.Context, name string) (time.Time, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT value FROM marks WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read mark: %w", err)
	}
	return fromMS(v), nil
}

// SetMark records when the named schedule ran.
func (s *Store) SetMark(ctx context.Context, name string, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO marks(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`, name, ms(t))
	if err != nil {
		return fmt.Errorf("set mark: %w", err)
	}
	return nil
}

// UnknownCadre is a 帮扶责任人 named in a ledger but missing from the roster, with the unit of
// the households they were named for (blank for the rows recorded before units were kept).
type UnknownCadre struct {
	Name      string
	Unit      calc.Unit
	FirstSeen time.Time
}

// NoteUnknownCadre records a 帮扶责任人 named in a ledger for unit u but missing from the
// roster. It returns true the first time the name is seen for that unit.
func (s *Store) NoteUnknownCadre(ctx context.Context, name string, u calc.Unit, platform, chat string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO unknown_cadre_units(name, county, township, village, first_seen, chat_id, platform) VALUES(?,?,?,?,?,?,?)
		ON CONFLICT(name, county, township, village) DO NOTHING`,
		name, u.County, u.Township, u.Village, ms(now), chat, platform)
	if err != nil {
		return false, fmt.Errorf("note unknown cadre: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UnknownCadres lists the cadres recorded by NoteUnknownCadre, first seen first.
func (s *Store) UnknownCadres(ctx context.Context) ([]UnknownCadre, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, county, township, village, first_seen FROM unknown_cadre_units
		ORDER BY first_seen, name, county, township, village`)
	if err != nil {
		return nil, fmt.Errorf("unknown cadres: %w", err)
	}
	defer rows.Close()
	var out []UnknownCadre
	for rows.Next() {
		var c UnknownCadre
		var first int64
		if err := rows.Scan(&c.Name, &c.Unit.County, &c.Unit.Township, &c.Unit.Village, &first); err != nil {
			return nil, err
		}
		c.FirstSeen = fromMS(first)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PersonNames lists the names of the people the store knows (household heads, and the
// laborers and others tasks are about): text bound for a chat or a log is masked for them
// when the ledger at hand could not be read (a file named after a household head, a sheet
// without a header whose first row is a household's).
func (s *Store) PersonNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM households WHERE name <> ''
		UNION SELECT subject_name FROM tasks WHERE subject_name <> '' AND household <> ''`)
	if err != nil {
		return nil, fmt.Errorf("person names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
