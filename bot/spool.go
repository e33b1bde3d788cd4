package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"zengshou/connectors"
)

// The spool keeps events that arrived on a channel the platform never redelivers (a long
// connection) while the store could not take them: each is one JSON file in DATA/spool/,
// written and synced before the platform is acknowledged, and moved into the store as soon as it
// answers again. Dedupe by (platform, message id) still applies when it is.

func (s *Service) spoolDir() string { return filepath.Join(s.dataDir, "spool") }

// spool writes the event to DATA/spool/ durably (temp file, fsync, rename).
func (s *Service) spool(ev connectors.Event, b []byte) error {
	dir := s.spoolDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("spool event: %w", err)
	}
	sum := sha256.Sum256([]byte(ev.Platform + "\x00" + ev.ID))
	path := filepath.Join(dir, hex.EncodeToString(sum[:12])+".json")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("spool event: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("spool event: %w", err)
	}
	return nil
}

// DrainSpool moves spooled events into the store; each file is removed once its job exists. It
// returns how many were moved.
func (s *Service) DrainSpool(ctx context.Context) (int, error) {
	files, err := filepath.Glob(filepath.Join(s.spoolDir(), "*.json"))
	if err != nil || len(files) == 0 {
		return 0, err
	}
	moved := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var ev connectors.Event
		if json.Unmarshal(b, &ev) != nil || ev.Platform == "" || ev.ID == "" {
			s.log.WithField("file", filepath.Base(p)).Warn("spool: unreadable event set aside")
			_ = os.Rename(p, p+".bad")
			continue
		}
		if _, _, err := s.st.Enqueue(ctx, ev.Platform, ev.ID, string(ev.Kind), ev.ChatID, b, s.clock.Now()); err != nil {
			return moved, err // the store is still unavailable: try again later
		}
		if err := os.Remove(p); err != nil {
			return moved, err
		}
		moved++
		s.wakeOne()
	}
	return moved, nil
}

// RunSpool drains the spool every interval until ctx ends.
func (s *Service) RunSpool(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.DrainSpool(ctx); err != nil {
			s.log.WithError(err).Warn("spool: store still unavailable")
		} else if n > 0 {
			s.log.WithField("events", n).Info("spool: spooled events stored as jobs")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
