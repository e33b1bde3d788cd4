package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

// The uploaded workbooks and the result workbooks (DATA/jobs/<id>/) carry household names and
// ID numbers. They are needed only while the job runs; reminders and summaries read the SQLite
// history. CleanFiles deletes them retention.files_days after the job ended.

// retentionHour is the local hour of the daily cleanup (at night, away from the uploads).
const retentionHour = 3

// retentionTick runs the cleanup once a day (the first tick after 03:00, or at once when it has
// never run). It needs no working time: it sends nothing. A hot reload of retention.files_days
// applies at the next pass.
func (s *Service) retentionTick(ctx context.Context, now time.Time) error {
	last, err := s.st.Mark(ctx, "retention")
	if err != nil {
		return err
	}
	if !last.IsZero() && !last.Before(dailySlot(now, retentionHour, 0)) {
		return nil
	}
	if err := s.forgetKept(ctx, now); err != nil {
		return err
	}
	if s.Config().Retention.FilesDays > 0 {
		if _, _, err := s.CleanFiles(ctx); err != nil {
			return err
		}
	}
	return s.st.SetMark(ctx, "retention", now)
}

// keptMargin is how long after an upload can no longer be withdrawn the rows it overwrote are
// kept all the same (a 撤销 queued at the window's end, a clock set back).
const keptMargin = 24 * time.Hour

// forgetKept deletes the rows uploads overwrote (kept for their withdrawal to put back) once the
// upload can no longer be withdrawn: 撤销 within undoWindow, the renamed copy of an upload
// evaluated for a guessed quarter within guessWindow (store.DeleteKeptBefore).
func (s *Service) forgetKept(ctx context.Context, now time.Time) error {
	n, err := s.st.DeleteKeptBefore(ctx, now.Add(-undoWindow-keptMargin), now.Add(-guessWindow-keptMargin))
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.WithField("rows", n).Info("retention: deleted the rows kept for withdrawing uploads no longer withdrawable")
	}
	return nil
}

// CleanFiles deletes the files of the jobs that ended (done or failed) more than
// retention.files_days ago on the service clock, never those of a job queued, running or waiting
// for a retry, and never the store's history. It returns how many files and bytes it removed and
// logs the counts (never a name: file names can name a household). With files_days 0 it does
// nothing.
func (s *Service) CleanFiles(ctx context.Context) (files int, bytes int64, err error) {
	days := s.Config().Retention.FilesDays
	if days <= 0 {
		return 0, 0, nil
	}
	root := filepath.Join(s.dataDir, "jobs")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	var ids []int64
	for _, e := range entries {
		if id, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && e.IsDir() && id > 0 && strconv.FormatInt(id, 10) == e.Name() {
			ids = append(ids, id)
		}
	}
	cutoff := s.clock.Now().AddDate(0, 0, -days)
	ended, err := s.st.EndedBefore(ctx, ids, cutoff)
	if err != nil {
		return 0, 0, err
	}
	jobs := 0
	var firstErr error
	for _, id := range ended {
		dir := s.jobDir(id)
		n, b := 0, int64(0)
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
				if info, err := d.Info(); err == nil {
					b += info.Size()
				}
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if s.forgetUpload(ctx, id) {
			n++
		}
		files, bytes, jobs = files+n, bytes+b, jobs+1
	}
	if jobs > 0 || firstErr != nil {
		l := s.log.WithFields(logrus.Fields{"jobs": jobs, "files": files, "bytes": bytes, "days": days})
		if firstErr != nil {
			// The error names a path: DATA/jobs/<id>/ and fixed file names, never an upload's name.
			l.WithError(firstErr).Warn("retention: some job files could not be removed")
		} else {
			l.Info("retention: removed the files of jobs ended more than retention.files_days ago")
		}
	}
	return files, bytes, firstErr
}

// forgetter is a connector that keeps its own copy of uploads (the local folder connector):
// the copy of an ended job goes with the job's files.
type forgetter interface {
	Forget(connectors.FileRef) error
}

// forgetUpload deletes the connector's copy of job id's upload, when its connector keeps one. It
// reports whether a copy was deleted.
func (s *Service) forgetUpload(ctx context.Context, id int64) bool {
	j, err := s.st.GetJob(ctx, id)
	if err != nil || j == nil {
		return false
	}
	fg, ok := s.conn(j.Platform).(forgetter)
	if !ok {
		return false
	}
	var ev connectors.Event
	if json.Unmarshal(j.Event, &ev) != nil || ev.File == nil || ev.File.Key == "" {
		return false
	}
	return fg.Forget(*ev.File) == nil
}
