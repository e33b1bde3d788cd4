// Package store is the service's memory: one SQLite file (pure-Go driver, no cgo) holding jobs,
// per-household history by period, tasks, the notification log, the message parts delivered and
// schedule marks. Migrations are in code and run at open. Every method takes the time it needs
// as an argument: the store has no clock of its own (PartLog is given the service's).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store wraps the SQLite database.
type Store struct {
	db   *sql.DB
	path string
}

// migrations run in order; each runs once (recorded in schema_version).
var migrations = []string{
	`CREATE TABLE jobs (
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		platform    TEXT NOT NULL,
		message_id  TEXT NOT NULL,
		kind        TEXT NOT NULL,              -- file | text
		chat_id     TEXT NOT NULL,
		event       TEXT NOT NULL,              -- the connectors.Event as JSON
		state       TEXT NOT NULL,              -- queued | running | done | failed
		stage       TEXT NOT NULL DEFAULT '',   -- '' | downloaded | evaluated | replied
		attempts    INTEGER NOT NULL DEFAULT 0,
		next_run_at INTEGER NOT NULL,           -- unix ms
		lease_owner TEXT NOT NULL DEFAULT '',
		lease_until INTEGER NOT NULL DEFAULT 0,
		last_error  TEXT NOT NULL DEFAULT '',
		result      TEXT NOT NULL DEFAULT '',   -- reply text and file path, JSON
		created_at  INTEGER NOT NULL,
		updated_at  INTEGER NOT NULL,
		UNIQUE(platform, message_id)
	)`,
	`CREATE INDEX jobs_ready ON jobs(state, next_run_at)`,
	`CREATE TABLE households (
		household   TEXT NOT NULL,
		period      TEXT NOT NULL,              -- 2026Q3
		job_id      INTEGER NOT NULL,
		name        TEXT NOT NULL DEFAULT '',
		county      TEXT NOT NULL DEFAULT '',
		township    TEXT NOT NULL DEFAULT '',
		village     TEXT NOT NULL DEFAULT '',
		cadre       TEXT NOT NULL DEFAULT '',
		ytd_per_capita INTEGER,                 -- fen, NULL when unknown
		base_per_capita INTEGER,                -- fen, NULL when unknown
		monitored   INTEGER NOT NULL DEFAULT 0,
		updated_at  INTEGER NOT NULL,
		PRIMARY KEY (household, period)
	)`,
	`CREATE TABLE payments (
		subject   TEXT NOT NULL,
		rule      TEXT NOT NULL,
		year      INTEGER NOT NULL,
		amount    INTEGER NOT NULL,             -- fen: paid this year, as the newest ledger recorded it (MergePaid)
		job_id    INTEGER NOT NULL,
		PRIMARY KEY (subject, rule, year)
	)`,
	`CREATE TABLE tasks (
		id          TEXT PRIMARY KEY,           -- rule|subject|detail, stable across uploads
		rule        TEXT NOT NULL,
		clause      TEXT NOT NULL,
		subject     TEXT NOT NULL,
		subject_name TEXT NOT NULL DEFAULT '',
		household   TEXT NOT NULL DEFAULT '',
		county      TEXT NOT NULL DEFAULT '',
		township    TEXT NOT NULL DEFAULT '',
		village     TEXT NOT NULL DEFAULT '',
		cadre       TEXT NOT NULL DEFAULT '',
		due         INTEGER NOT NULL,           -- unix ms
		amount      INTEGER,                    -- fen
		explain     TEXT NOT NULL,
		state       TEXT NOT NULL,              -- open | closed
		platform    TEXT NOT NULL DEFAULT '',   -- where the upload came from
		chat_id     TEXT NOT NULL DEFAULT '',
		first_seen  INTEGER NOT NULL,
		last_seen   INTEGER NOT NULL,
		closed_at   INTEGER NOT NULL DEFAULT 0,
		closed_acked INTEGER NOT NULL DEFAULT 0, -- the cadre's digest has said it is closed
		reminders   INTEGER NOT NULL DEFAULT 0,  -- digests that listed it
		escalated_at INTEGER NOT NULL DEFAULT 0,
		job_id      INTEGER NOT NULL
	)`,
	`CREATE INDEX tasks_cadre ON tasks(state, cadre)`,
	`CREATE TABLE nflog (
		key        TEXT PRIMARY KEY,            -- e.g. digest|<cadre>|<slot> : sent at most once
		kind       TEXT NOT NULL,               -- reminder | summary | escalation | ack
		recipient  TEXT NOT NULL,
		digest     TEXT NOT NULL DEFAULT '',    -- hash of the content, for "changed since"
		sent_at    INTEGER NOT NULL
	)`,
	`CREATE INDEX nflog_recipient ON nflog(kind, recipient, sent_at)`,
	`CREATE TABLE marks (
		name  TEXT PRIMARY KEY,                  -- schedule name
		value INTEGER NOT NULL                   -- unix ms of the last run
	)`,
	`CREATE TABLE units (
		county   TEXT NOT NULL,
		township TEXT NOT NULL,
		village  TEXT NOT NULL,
		level    TEXT NOT NULL,
		period   TEXT NOT NULL,
		summary  TEXT NOT NULL,                  -- calc.UnitSummary as JSON
		job_id   INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (county, township, village, level, period)
	)`,
	`CREATE TABLE unknown_cadres (
		name     TEXT PRIMARY KEY,
		first_seen INTEGER NOT NULL,
		chat_id  TEXT NOT NULL DEFAULT '',
		platform TEXT NOT NULL DEFAULT ''
	)`,
	// Saving an evaluation closes the open tasks of the subjects it covers: found by index, not
	// by reading every open task (which made a burst of uploads quadratic).
	`CREATE INDEX tasks_subject ON tasks(subject)`,
	`CREATE INDEX tasks_household ON tasks(household)`,
	// A ledger sent in a direct chat (WeCom, DingTalk): its chat is the uploader, who gets that
	// chat's messages (digests for cadres outside the roster) by direct message.
	`ALTER TABLE tasks ADD COLUMN direct_to TEXT NOT NULL DEFAULT ''`,
	// … and the open tasks of the uploaded subjects and households only: the indexes above also
	// hold every closed task, and a village that uploads again and again piles them up under the
	// same households (a burst of 1,000 uploads of one village fell from 760 to 280 a minute).
	`CREATE INDEX tasks_open_subject ON tasks(subject) WHERE state = 'open'`,
	`CREATE INDEX tasks_open_household ON tasks(household) WHERE state = 'open'`,
	// Cadres outside the roster by name and unit: the roster tells namesakes apart by their units
	// (a 王建军 registered for 红旗村 is not the 王建军 of a 东风村 ledger), so a name alone hid
	// the second. The rows recorded by name only are kept, with the unit blank.
	`CREATE TABLE unknown_cadre_units (
		name     TEXT NOT NULL,
		county   TEXT NOT NULL DEFAULT '',
		township TEXT NOT NULL DEFAULT '',
		village  TEXT NOT NULL DEFAULT '',
		first_seen INTEGER NOT NULL,
		chat_id  TEXT NOT NULL DEFAULT '',
		platform TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (name, county, township, village)
	)`,
	`INSERT INTO unknown_cadre_units(name, first_seen, chat_id, platform)
		SELECT name, first_seen, chat_id, platform FROM unknown_cadres`,
	// The year of the evaluation that last raised a task: a subsidy owed for 2026 and not paid is
	// not settled by a 2027 ledger (caps and payments reset on 1 January). Tasks stored before
	// take the year they were first seen in (all 2026 when this shipped).
	`ALTER TABLE tasks ADD COLUMN year INTEGER NOT NULL DEFAULT 0`,
	`UPDATE tasks SET year = CAST(strftime('%Y', first_seen / 1000, 'unixepoch') AS INTEGER)`,
	// What the rules of the other ledgers need of a household (家庭人口, 劳动能力, 类别): a
	// 孝扶, 到户项目 or 务工 ledger sent alone is checked against the household ledger stored
	// before. Empty for rows stored before this.
	`ALTER TABLE households ADD COLUMN members INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE households ADD COLUMN category TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE households ADD COLUMN labor TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE households ADD COLUMN labor_why TEXT NOT NULL DEFAULT ''`,
	// The quarter of the ledger that recorded a payment's amount (2026Q3): a ledger of that
	// quarter or a later one replaces the amount, even with a smaller one (a mistyped 6000元
	// corrected to 600元), and an earlier quarter's ledger only raises it (MergePaid). The rows
	// stored before have none ('') and keep the rule they were stored under: only a larger
	// amount replaces them. job_id is now the upload that set the amount (the upload order).
	`ALTER TABLE payments ADD COLUMN period TEXT NOT NULL DEFAULT ''`,
	// The parts of replies and notifications a connector has delivered (see PartLog): a job
	// retried after a crash or restart sends only the parts still missing. id is a digest of
	// the idempotency key, the part's name and its content (connectors.PartID), never the text.
	`CREATE TABLE sent_parts (
		id TEXT PRIMARY KEY,
		at INTEGER NOT NULL                       -- unix ms of the delivery
	)`,
	// Uploads evaluated for the quarter of the upload because their name gave none, with the
	// hint to rename them for the quarter before (see WithdrawGuessed): the renamed upload
	// withdraws what they stored.
	`CREATE TABLE guessed_periods (
		job_id   INTEGER PRIMARY KEY,
		platform TEXT NOT NULL,
		chat_id  TEXT NOT NULL,
		period   TEXT NOT NULL,                  -- the quarter guessed, 2027Q1
		name     TEXT NOT NULL,                  -- the file's name as the group saw it (masked)
		saved_at INTEGER NOT NULL,               -- unix ms of its first save: first_seen of the tasks it raised first
		withdrawn_by INTEGER NOT NULL DEFAULT 0, -- the renamed upload that withdrew it
		withdrawn INTEGER NOT NULL DEFAULT 0     -- households withdrawn by that upload
	)`,
	// A chat's files are evaluated in the order they came (Claim): the earlier files of a chat
	// are found by this index.
	`CREATE INDEX jobs_chat ON jobs(platform, chat_id, id)`,
	// Every upload saved, for 撤销 (Undo): who sent it in which chat, the quarter it was evaluated
	// for, and its withdrawal once taken back. closed_by is the upload that closed a task: the
	// tasks an upload closed are opened again when it is withdrawn.
	`CREATE TABLE uploads (
		job_id     INTEGER PRIMARY KEY,
		platform   TEXT NOT NULL,
		chat_id    TEXT NOT NULL,
		sender     TEXT NOT NULL DEFAULT '',      -- the uploader's platform user id
		period     TEXT NOT NULL,                 -- the quarter it was evaluated for, 2026Q4
		name       TEXT NOT NULL,                 -- the file's name as the group saw it (masked)
		saved_at   INTEGER NOT NULL,              -- unix ms of its first save: first_seen of the tasks it raised first
		households INTEGER NOT NULL DEFAULT 0,    -- household points it saved
		undone_at  INTEGER NOT NULL DEFAULT 0,    -- unix ms of its withdrawal (撤销), 0 while it stands
		undone_by  TEXT NOT NULL DEFAULT '',      -- who withdrew it (platform user id)
		undo_key   TEXT NOT NULL DEFAULT '',      -- the 撤销 message: its retry reports the same withdrawal
		undo_result TEXT NOT NULL DEFAULT ''      -- what the withdrawal took back, JSON
	)`,
	`CREATE INDEX uploads_chat ON uploads(platform, chat_id, job_id)`,
	`ALTER TABLE tasks ADD COLUMN closed_by INTEGER NOT NULL DEFAULT 0`,
	// A closed task an upload raised again (reopened_by, while it holds it: job_id): its closed_at
	// and closed_acked before, put back when that upload is withdrawn (Undo).
	`ALTER TABLE tasks ADD COLUMN reopened_by INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE tasks ADD COLUMN reopened_closed_at INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE tasks ADD COLUMN reopened_acked INTEGER NOT NULL DEFAULT 0`,
	// A person's measure open twice, under the ID number and under 户编号/姓名 (a ledger with ID
	// numbers and one without raised it under both before bot/alias.go kept one): the newer is
	// closed without 已完成 (closed_acked) and by no upload (撤销 does not reopen it), so that the
	// cadre is not reminded twice; the older one keeps its due date and reminders. Not when two
	// people of one name in one household have ID numbers: 户编号/姓名 is either of them.
	`UPDATE tasks SET state = 'closed', closed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), closed_acked = 1, closed_by = 0
		WHERE state = 'open' AND household <> '' AND subject_name <> '' AND EXISTS (SELECT 1 FROM tasks AS o
			WHERE o.state = 'open' AND o.id <> tasks.id AND o.rule = tasks.rule AND (o.rule <> 'subsidy_unpaid' OR o.year = tasks.year)
			AND o.household = tasks.household AND o.subject_name = tasks.subject_name
			AND ((o.subject = o.household || '/' || o.subject_name AND tasks.subject <> tasks.household AND instr(tasks.subject, '/') = 0)
				OR (tasks.subject = tasks.household || '/' || tasks.subject_name AND o.subject <> o.household AND instr(o.subject, '/') = 0))
			AND replace(o.id, '|' || o.subject, '|') = replace(tasks.id, '|' || tasks.subject, '|')
			AND (o.first_seen < tasks.first_seen OR (o.first_seen = tasks.first_seen AND o.id < tasks.id)))
		AND (SELECT COUNT(DISTINCT t2.subject) FROM tasks AS t2 WHERE t2.household = tasks.household AND t2.subject_name = tasks.subject_name
			AND t2.subject <> t2.household AND instr(t2.subject, '/') = 0) = 1`,
	// The rows an upload overwrote (a household's point of a quarter, a payment record, a unit's
	// summary row), kept for its withdrawal to put back (see keep.go): prev_job is the upload the
	// row was of, row the row as JSON, NULL when not known. uploads.kept marks the uploads saved
	// since: of those, a row without a kept row had none before it. Deleted by the daily cleanup
	// once the upload can no longer be withdrawn (DeleteKeptBefore).
	`CREATE TABLE kept_rows (
		job_id   INTEGER NOT NULL,               -- the upload that overwrote the row
		kind     TEXT NOT NULL,                  -- household | payment | unit
		key      TEXT NOT NULL,                  -- the row's primary key, joined by '|'
		prev_job INTEGER NOT NULL,               -- the upload that had written it (0: not known)
		row      TEXT,                           -- the row as JSON, NULL when not known
		saved_at INTEGER NOT NULL,               -- unix ms of the overwriting upload's save
		PRIMARY KEY (job_id, kind, key)
	)`,
	`ALTER TABLE uploads ADD COLUMN kept INTEGER NOT NULL DEFAULT 0`,
	// The upload that raised a task first: a task an upload withdrawn meanwhile raised, that a
	// later upload saw again, goes with that later upload's withdrawal (0: stored before).
	`ALTER TABLE tasks ADD COLUMN raised_by INTEGER NOT NULL DEFAULT 0`,
	// When a task was last reminded (unix ms): escalation by the count waits for a later day.
	`ALTER TABLE tasks ADD COLUMN reminded_at INTEGER NOT NULL DEFAULT 0`,
	// What the renamed upload's withdrawal of a guessed upload put back (JSON of a Restoration):
	// a retry of the renamed upload, which finds nothing left to withdraw, reports it again.
	`ALTER TABLE guessed_periods ADD COLUMN withdrawn_restored TEXT NOT NULL DEFAULT ''`,
	// How many times an open task passed to another 帮扶责任人 (a household reassigned): its report
	// to the leaders is keyed by it, so the new cadre's is another report than the earlier one's.
	`ALTER TABLE tasks ADD COLUMN handed_over INTEGER NOT NULL DEFAULT 0`,
	// The upload that last set an open task's place or 帮扶责任人 (raised it, moved it to another
	// village, gave it to another cadre): its withdrawal puts back the earlier ones it kept
	// (kept_rows of kind task) while the task still has its values (0: stored before).
	`ALTER TABLE tasks ADD COLUMN moved_by INTEGER NOT NULL DEFAULT 0`,
}

// Open opens (creating if needed) the SQLite file at path and applies the migrations.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; one connection avoids SQLITE_BUSY between our own goroutines
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	_ = os.Chmod(path, 0o600)
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (n INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT n FROM schema_version`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_version(n) VALUES(0)`); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	for i := n; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate store: step %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET n = ?`, i+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate store: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
