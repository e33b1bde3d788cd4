package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

// PartSent reports whether the message part id (connectors.PartID) was delivered after since.
func (s *Store) PartSent(ctx context.Context, id string, since time.Time) (bool, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT at FROM sent_parts WHERE id = ?`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read sent part: %w", err)
	}
	return at > ms(since), nil
}

// MarkPartSent records that the message part id was delivered at now.
func (s *Store) MarkPartSent(ctx context.Context, id string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sent_parts(id, at) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at`,
		id, ms(now))
	if err != nil {
		return fmt.Errorf("mark sent part: %w", err)
	}
	return nil
}

// SweepSentParts deletes the parts delivered at or before t and returns how many it deleted.
func (s *Store) SweepSentParts(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sent_parts WHERE at <= ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("sweep sent parts: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// partLogTimeout bounds one PartLog query: longer than the store's busy timeout (10 s), so a
// busy database is waited for, not mistaken for a failure.
const partLogTimeout = 15 * time.Second

// PartLog is a connectors.PartLog kept in the store: a job retried after a crash or restart
// sends only the parts of its reply the connector had not yet delivered. It stores a digest per
// part (connectors.PartID), never a message's text, names or ids. When the database fails, Done
// answers false (the part is sent again: better twice than never) and the error is logged; so
// is a failed Mark. Rows older than TTL are deleted at most once an hour, on Mark.
type PartLog struct {
	st  *Store
	now func() time.Time
	log *logrus.Entry
	ttl time.Duration

	mu    sync.Mutex
	swept time.Time
}

var _ connectors.PartLog = (*PartLog)(nil)

// NewPartLog returns the store's PartLog. now is the service clock (time.Now when nil); log
// takes the database errors (nowhere when nil); ttl is how long a part is remembered
// (connectors.DefaultPartTTL when zero).
func NewPartLog(st *Store, now func() time.Time, log *logrus.Entry, ttl time.Duration) *PartLog {
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = connectors.DefaultPartTTL
	}
	return &PartLog{st: st, now: now, log: log, ttl: ttl}
}

// Done implements connectors.PartLog.
func (p *PartLog) Done(key, part string, content ...[]byte) bool {
	id := connectors.PartID(key, part, content...)
	if id == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), partLogTimeout)
	defer cancel()
	ok, err := p.st.PartSent(ctx, id, p.now().Add(-p.ttl))
	if err != nil {
		p.warn(err, "sent parts: cannot read the delivered parts; the part is sent (it may show twice)")
		return false
	}
	return ok
}

// Mark implements connectors.PartLog.
func (p *PartLog) Mark(key, part string, content ...[]byte) {
	id := connectors.PartID(key, part, content...)
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), partLogTimeout)
	defer cancel()
	now := p.now()
	if err := p.st.MarkPartSent(ctx, id, now); err != nil {
		p.warn(err, "sent parts: cannot record a delivered part; a retry may send it again")
		return
	}
	p.mu.Lock()
	sweep := now.Sub(p.swept) >= time.Hour || now.Before(p.swept)
	if sweep {
		p.swept = now
	}
	p.mu.Unlock()
	if sweep {
		if _, err := p.st.SweepSentParts(ctx, now.Add(-p.ttl)); err != nil {
			p.warn(err, "sent parts: cannot delete the expired rows")
		}
	}
}

// warn logs a database error. Neither the key nor the part is logged (a part's name can carry a
// chat id); a SQLite error names no values.
func (p *PartLog) warn(err error, msg string) {
	if p.log != nil {
		p.log.WithError(err).Warn(msg)
	}
}
