package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"zengshou/calc"
)

// Upload is an upload on record (saved by SaveEvaluation), for 撤销.
type Upload struct {
	JobID          int64
	Platform, Chat string
	Sender         string      // the uploader's platform user id
	Period         calc.Period // the quarter it was evaluated for
	Name           string      // its file's name as the group saw it (masked)
	SavedAt        time.Time
	Households     int       // household points it saved
	UndoneAt       time.Time // zero while it stands
	UndoneBy       string
	Undo           *UndoResult // what its withdrawal took back
}

// UndoResult is what Undo took back of an upload.
type UndoResult struct {
	Households int `json:"households"` // households it withdrew something of (points, tasks)
	Points     int `json:"points"`     // household points deleted (Restored of them put back as before it)
	Covered    int `json:"covered"`    // households whose point a later upload holds: left
	Payments   int `json:"payments"`   // payment rows it had set last, deleted (none before it, or not known)
	Deleted    int `json:"deleted"`    // tasks it raised first, deleted
	Reopened   int `json:"reopened"`   // tasks it closed, open again
	Closed     int `json:"closed"`     // tasks closed before it that it raised again, closed again
	// Kept: it was saved keeping the rows it overwrote (keep.go), put back now (Restoration).
	// Lost and LostPayments are the points and payment rows deleted whose earlier row is not
	// known (of an upload saved before rows were kept). An upload saved before (Kept false)
	// restores nothing and does not know what it deleted.
	Kept bool `json:"kept,omitempty"`
	Restoration
	Lost         int `json:"lost,omitempty"`
	LostPayments int `json:"lost_payments,omitempty"`
	// Retry: the same 撤销 message (key) withdrew it before; Already: another one did.
	Retry   bool `json:"-"`
	Already bool `json:"-"`
}

// Restoration is what a withdrawal (Undo, WithdrawGuessed) put back of the rows the upload had
// overwritten: the points of Restored households, RestoredPayments payment rows and RestoredUnits
// summary rows, as the uploads RestoredFrom had them.
type Restoration struct {
	Restored         int     `json:"restored,omitempty"`
	RestoredPayments int     `json:"restored_payments,omitempty"`
	RestoredUnits    int     `json:"restored_units,omitempty"`
	RestoredTasks    int     `json:"restored_tasks,omitempty"` // tasks given back their place and 帮扶责任人
	RestoredFrom     []int64 `json:"restored_from,omitempty"`
}

// restoration is r as a Restoration.
func (r *restored) restoration() Restoration {
	out := Restoration{Restored: r.rows[keptHousehold], RestoredPayments: r.rows[keptPayment], RestoredUnits: r.rows[keptUnit], RestoredTasks: r.rows[keptTask]}
	for j := range r.from {
		out.RestoredFrom = append(out.RestoredFrom, j)
	}
	slices.Sort(out.RestoredFrom)
	return out
}

// add adds o to r (a retry's withdrawal to the first attempt's).
func (r *Restoration) add(o Restoration) {
	r.Restored += o.Restored
	r.RestoredPayments += o.RestoredPayments
	r.RestoredUnits += o.RestoredUnits
	r.RestoredTasks += o.RestoredTasks
	for _, j := range o.RestoredFrom {
		if !slices.Contains(r.RestoredFrom, j) {
			r.RestoredFrom = append(r.RestoredFrom, j)
		}
	}
	slices.Sort(r.RestoredFrom)
}

const uploadCols = `job_id, platform, chat_id, sender, period, name, saved_at, households, undone_at, undone_by, undo_result`

func scanUpload(row interface{ Scan(...any) error }) (*Upload, error) {
	var u Upload
	var period, result string
	var saved, undone int64
	if err := row.Scan(&u.JobID, &u.Platform, &u.Chat, &u.Sender, &period, &u.Name, &saved, &u.Households, &undone, &u.UndoneBy, &result); err != nil {
		return nil, err
	}
	u.Period, u.SavedAt, u.UndoneAt = parsePeriodOrZero(period), fromMS(saved), fromMS(undone)
	if result != "" {
		u.Undo = &UndoResult{}
		_ = json.Unmarshal([]byte(result), u.Undo)
	}
	return &u, nil
}

// UploadOf returns the upload job of the chat (platform and chat id), or with job 0 the chat's
// latest sent before the job before (a 撤销 message's: an upload sent after it is not the one it
// means; 0: any); nil when the chat has no such upload (another chat's is none of its).
//
// With job 0 it is the latest upload of sender in the chat (before the job before) or, when
// sender has none there, the chat's latest: “撤销” is the cadre's own last file, not another
// cadre's sent since (an admin withdrawing a village's file sends it from their own account).
func (s *Store) UploadOf(ctx context.Context, platform, chat string, job, before int64, sender string) (*Upload, error) {
	q := `SELECT ` + uploadCols + ` FROM uploads WHERE platform = ? AND chat_id = ? AND job_id = ?`
	args := []any{platform, chat, job}
	if job == 0 {
		if before <= 0 {
			before = math.MaxInt64
		}
		q = `SELECT ` + uploadCols + ` FROM uploads WHERE platform = ? AND chat_id = ? AND job_id < ?
			ORDER BY (sender = ? AND sender <> '') DESC, job_id DESC LIMIT 1`
		args = []any{platform, chat, before, sender}
	}
	u, err := scanUpload(s.db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// UploadUndoneBy returns the upload the 撤销 message key withdrew, nil when none: a retry of
// that message reports it again, even when another upload of the chat was saved since.
func (s *Store) UploadUndoneBy(ctx context.Context, key string) (*Upload, error) {
	u, err := scanUpload(s.db.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE undo_key = ? AND undone_at <> 0 LIMIT 1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// PendingFiles counts the files of the chat sent before the job before (a 撤销 message's; 0: any)
// not evaluated yet (queued or running, before their save): 撤销 without a number, sent
// meanwhile, would withdraw the upload before them. A file sent after the 撤销 is not waited for.
func (s *Store) PendingFiles(ctx context.Context, platform, chat string, before int64) (int, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs INDEXED BY jobs_chat WHERE platform = ? AND chat_id = ? AND id < ? AND kind = 'file'
		AND state IN (?, ?) AND stage IN (?, ?)`, platform, chat, before, JobQueued, JobRunning, StageNew, StageDownloaded).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pending files: %w", err)
	}
	return n, nil
}

// Undo withdraws, in one transaction, everything upload job still holds (撤销): its household
// points of its quarter, the payments it set last, the tasks it raised first (deleted: neither
// open nor 已完成), and its summary rows, each point, payment and summary row put back as it was
// before job overwrote it (keep.go; an upload saved before rows were kept restores nothing);
// the tasks it closed are open again (closed_acked kept: nobody is told 已完成 twice) but those
// of a household a later upload stored a point of since (of its quarter or a later one). What a later upload wrote since (a point,
// a payment, a task it saw again: job_id) is that upload's and stays: Covered counts the
// households of its points. The tasks it only saw again, moved to another village or gave to
// another cadre keep what it wrote.
//
// The withdrawal is recorded (by, now, key: the 撤销 message): the same message again (a retried
// job) reports what it withdrew, Retry set; another finds it done, Already set. A withdrawn
// upload is never withdrawn again, by Undo or WithdrawGuessed.
//
// Its rows are found by job_id, which no index holds: 撤销 is rare, and an index would slow down
// every upload's save for it.
func (s *Store) Undo(ctx context.Context, job int64, by, key string, now time.Time) (*UndoResult, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("undo upload: %w", err)
	}
	defer tx.Rollback()
	u, err := scanUpload(tx.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE job_id = ?`, job))
	if err != nil {
		return nil, fmt.Errorf("undo upload %d: %w", job, err)
	}
	var undoKey string
	var kept bool
	if err := tx.QueryRowContext(ctx, `SELECT undo_key, kept FROM uploads WHERE job_id = ?`, job).Scan(&undoKey, &kept); err != nil {
		return nil, fmt.Errorf("undo upload %d: %w", job, err)
	}
	if !u.UndoneAt.IsZero() {
		out := &UndoResult{}
		if u.Undo != nil {
			*out = *u.Undo
		}
		out.Retry, out.Already = undoKey == key, undoKey != key
		return out, nil
	}
	w, err := withdrawJob(ctx, tx, job, []int64{job}, u.Period, ms(u.SavedAt), withdrawScope{whole: true, kept: kept})
	if err != nil {
		return nil, fmt.Errorf("undo upload %d: %w", job, err)
	}
	r := w.restored
	out := &UndoResult{Households: len(w.touched), Points: w.points, Payments: w.payments - r.rows[keptPayment], Deleted: w.deleted,
		Reopened: w.reopened, Closed: w.closed, Kept: kept, Restoration: r.restoration(), Lost: r.unknown[keptHousehold],
		LostPayments: r.unknown[keptPayment]}
	// The households of its points not withdrawn: a later upload holds them (or a renamed copy
	// withdrew them, WithdrawGuessed).
	out.Covered = max(u.Households-w.points, 0)
	b, _ := json.Marshal(out)
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET undone_at = ?, undone_by = ?, undo_key = ?, undo_result = ? WHERE job_id = ?`,
		ms(now), by, key, string(b), job); err != nil {
		return nil, fmt.Errorf("undo upload %d: %w", job, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("undo upload %d: %w", job, err)
	}
	return out, nil
}
