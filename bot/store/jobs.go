package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job stages: how far a running job got, so a restart resumes instead of redoing.
const (
	StageNew        = ""
	StageDownloaded = "downloaded"
	StageEvaluated  = "evaluated"
	StageReplied    = "replied"
)

// Job is one accepted event: an upload or a command.
type Job struct {
	ID        int64
	Platform  string
	MessageID string
	Kind      string
	ChatID    string
	Event     []byte // connectors.Event as JSON
	State     string
	Stage     string
	Attempts  int
	LastError string
	Result    []byte
	CreatedAt time.Time
}

// Enqueue persists an accepted event as a queued job. A second delivery of the same
// (platform, message id) returns the first job's id with created=false.
func (s *Store) Enqueue(ctx context.Context, platform, messageID, kind, chatID string, event []byte, now time.Time) (int64, bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO jobs(platform, message_id, kind, chat_id, event, state, next_run_at, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(platform, message_id) DO NOTHING`,
		platform, messageID, kind, chatID, string(event), JobQueued, ms(now), ms(now), ms(now))
	if err != nil {
		return 0, false, fmt.Errorf("enqueue job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		id, err := res.LastInsertId()
		return id, true, err
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM jobs WHERE platform = ? AND message_id = ?`, platform, messageID).Scan(&id)
	if err != nil {
		return 0, false, fmt.Errorf("enqueue job: %w", err)
	}
	return id, false, nil
}

const jobCols = `id, platform, message_id, kind, chat_id, event, state, stage, attempts, last_error, result, created_at`

func scanJob(row interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var event, result string
	var created int64
	if err := row.Scan(&j.ID, &j.Platform, &j.MessageID, &j.Kind, &j.ChatID, &event, &j.State, &j.Stage, &j.Attempts, &j.LastError, &result, &created); err != nil {
		return nil, err
	}
	j.Event, j.Result, j.CreatedAt = []byte(event), []byte(result), fromMS(created)
	return &j, nil
}

// Claim leases the next job that is ready (queued and due, or running with an expired lease)
// to owner until now+lease. It returns nil when none is ready.
//
// The files of one chat are evaluated in the order they came: a file waits while an earlier
// file of the same chat is queued or running and not yet evaluated (stage new or downloaded),
// retries included. A cadre who sends a workbook and, a minute later, its corrected copy gets
// the correction on record: run side by side by two workers, the first copy could be saved last
// and undo it. A file past its evaluation (only its reply left to send) holds nothing up, nor do
// text commands, nor other chats.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration) (*Job, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	defer tx.Rollback()
	j, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs AS j
		WHERE ((state = ? AND next_run_at <= ?) OR (state = ? AND lease_until < ?))
			AND NOT (kind = 'file' AND EXISTS (SELECT 1 FROM jobs AS e INDEXED BY jobs_chat
				WHERE e.platform = j.platform AND e.chat_id = j.chat_id AND e.id < j.id AND e.kind = 'file'
					AND e.state IN ('queued', 'running') AND e.stage IN (?, ?)))
		ORDER BY next_run_at, id LIMIT 1`, JobQueued, ms(now), JobRunning, ms(now), StageNew, StageDownloaded))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?`,
		JobRunning, owner, ms(now.Add(lease)), ms(now), j.ID); err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	j.State = JobRunning
	j.Attempts++
	return j, nil
}

// ErrLeaseLost means another worker took the job over (our lease had expired).
var ErrLeaseLost = errors.New("job lease lost")

func (s *Store) updateOwned(ctx context.Context, op string, id int64, owner string, q string, args ...any) error {
	args = append(args, id, owner)
	res, err := s.db.ExecContext(ctx, q+` WHERE id = ? AND lease_owner = ? AND state = 'running'`, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: %w", op, ErrLeaseLost)
	}
	return nil
}

// Extend renews the lease of a running job.
func (s *Store) Extend(ctx context.Context, id int64, owner string, until time.Time) error {
	return s.updateOwned(ctx, "extend lease", id, owner, `UPDATE jobs SET lease_until = ?`, ms(until))
}

// SetStage records how far the job got, with its result so far.
func (s *Store) SetStage(ctx context.Context, id int64, owner, stage string, result []byte, now time.Time) error {
	return s.updateOwned(ctx, "set job stage", id, owner, `UPDATE jobs SET stage = ?, result = ?, updated_at = ?`, stage, string(result), ms(now))
}

// SetStageEvent is SetStage that also replaces the job's event, in the same update: what the
// job learned at that stage (a file name the download gave) survives a crash exactly when the
// stage does.
func (s *Store) SetStageEvent(ctx context.Context, id int64, owner, stage string, event, result []byte, now time.Time) error {
	return s.updateOwned(ctx, "set job stage", id, owner, `UPDATE jobs SET stage = ?, event = ?, result = ?, updated_at = ?`,
		stage, string(event), string(result), ms(now))
}

// Retry puts the job back in the queue to run again at next.
func (s *Store) Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, now time.Time) error {
	return s.updateOwned(ctx, "retry job", id, owner, `UPDATE jobs SET state = 'queued', lease_owner = '', lease_until = 0, next_run_at = ?, last_error = ?, updated_at = ?`,
		ms(next), reason, ms(now))
}

// Finish ends the job as done or failed.
func (s *Store) Finish(ctx context.Context, id int64, owner, state, reason string, now time.Time) error {
	return s.updateOwned(ctx, "finish job", id, owner, `UPDATE jobs SET state = ?, lease_owner = '', lease_until = 0, last_error = ?, updated_at = ?`,
		state, reason, ms(now))
}

// Requeue releases every job this owner is running (graceful shutdown) so the next start picks
// them up at once.
func (s *Store) Requeue(ctx context.Context, owner string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', lease_owner = '', lease_until = 0, next_run_at = ?, updated_at = ? WHERE state = 'running' AND lease_owner = ?`,
		ms(now), ms(now), owner)
	if err != nil {
		return fmt.Errorf("requeue jobs: %w", err)
	}
	return nil
}

// RecoverAll requeues every running job: on start of the only instance that uses this file
// (SQLite is single-instance; the data directory is locked), a running job is one whose
// process died.
func (s *Store) RecoverAll(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', lease_owner = '', lease_until = 0, next_run_at = ?, updated_at = ? WHERE state = 'running'`, ms(now), ms(now))
	if err != nil {
		return 0, fmt.Errorf("recover jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// GetJob returns a job by id.
func (s *Store) GetJob(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("get job %d: %w", id, err)
	}
	return j, nil
}

// JobCounts returns the number of jobs in each state.
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// NextRunAt returns when the earliest queued job is due (zero when none is queued).
func (s *Store) NextRunAt(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_run_at) FROM jobs WHERE state = 'queued'`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("next job: %w", err)
	}
	if !v.Valid {
		return time.Time{}, nil
	}
	return fromMS(v.Int64), nil
}

// EndedBefore returns those of ids whose job ended (done or failed) before t: their files may
// go. A job queued, running or waiting for a retry is never returned, nor an id without a job.
func (s *Store) EndedBefore(ctx context.Context, ids []int64, t time.Time) ([]int64, error) {
	var out []int64
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, 0, n+3)
		args = append(args, JobDone, JobFailed, ms(t))
		q := make([]byte, 0, 2*n)
		for i, id := range chunk {
			if i > 0 {
				q = append(q, ',')
			}
			q = append(q, '?')
			args = append(args, id)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM jobs WHERE state IN (?, ?) AND updated_at < ? AND id IN (`+string(q)+`) ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("ended jobs: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ended jobs: %w", err)
			}
			out = append(out, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("ended jobs: %w", err)
		}
	}
	return out, nil
}
