package bot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"zengshou/bot/store"
)

// jobFiles lists the files kept under DATA/jobs/<id>/.
func (h *harness) jobFiles(id int64) []string {
	h.t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(h.dir, "jobs", idText(id)), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, filepath.Base(p))
		}
		return nil
	})
	return out
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

// The uploads and results of jobs that ended more than retention.files_days ago are deleted by
// the daily pass of the scheduler (on the service clock); the files of a job still running or
// waiting for a retry stay, and so does the store's history (tasks, job rows). The log gives
// counts, never a file name.
func TestRetentionDeletesOldJobFilesOnly(t *testing.T) {
	h := newHarness(t, nil) // retention.files_days: the default 180
	ctx := context.Background()
	t0 := h.clock.Now()

	h.upload("红旗村群", "王建军的台账.xlsx", 20, 3, q4()) // job 1: done
	h.drain()
	bad := filepath.Join(h.dir, "inbox", "红旗村群", "坏文件.xlsx") // job 2: failed
	if err := os.WriteFile(bad, []byte("not a workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.scan()
	h.drain()
	fc := newFxConn("fake", fxWorkbook(t, 20, 5))
	h.withConnectors(fc)
	fc.failSends(errors.New("platform unavailable")) // job 3: evaluated, the reply waits for a retry
	if err := h.svc.Intake(ctx, fxFileEvent("fake", "retry-1", "oc_1")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	if err := h.svc.Intake(ctx, fxFileEvent("fake", "running-1", "oc_1")); err != nil { // job 4: running
		t.Fatal(err)
	}
	j, err := h.st.Claim(ctx, "another-worker", h.clock.Now(), time.Hour)
	if err != nil || j == nil || j.ID != 4 {
		t.Fatalf("claim job 4: %+v %v", j, err)
	}
	if err := os.MkdirAll(filepath.Join(h.dir, "jobs", "4"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "jobs", "4", "upload.xlsx"), fxWorkbook(t, 5, 1), 0o640); err != nil {
		t.Fatal(err)
	}
	states := map[int64]string{1: store.JobDone, 2: store.JobFailed, 3: store.JobQueued, 4: store.JobRunning}
	for id, want := range states {
		got, err := h.st.GetJob(ctx, id)
		if err != nil || got.State != want {
			t.Fatalf("job %d: %+v %v, want %s", id, got, err, want)
		}
		if len(h.jobFiles(id)) == 0 {
			t.Fatalf("job %d keeps no files to start with", id)
		}
	}
	if files := h.jobFiles(1); strings.Join(files, ",") != "result.xlsx,upload.xlsx" {
		t.Fatalf("job 1 files: %v", files)
	}
	tasks, err := h.st.OpenTasks(ctx)
	if err != nil || len(tasks) == 0 {
		t.Fatalf("open tasks: %d %v", len(tasks), err)
	}

	h.tickAt(t0)
	h.tickAt(t0.AddDate(0, 0, 179))
	for id := range states {
		if len(h.jobFiles(id)) == 0 {
			t.Fatalf("job %d: files removed before 180 days", id)
		}
	}

	h.logs.Reset()
	h.tickAt(t0.AddDate(0, 0, 181))
	for id := range states {
		_, err := os.Stat(filepath.Join(h.dir, "jobs", idText(id)))
		gone := errors.Is(err, os.ErrNotExist)
		if want := id <= 2; gone != want {
			t.Errorf("job %d (%s): files removed = %v, want %v (%v)", id, states[id], gone, want, h.jobFiles(id))
		}
	}
	var line string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "retention:") {
			line = l
		}
	}
	// files: job 1's upload.xlsx and result.xlsx, job 2's upload.xlsx, and the local connector's
	// received copies of both uploads (DATA/local/received).
	if !strings.Contains(line, "files=5") || !strings.Contains(line, "jobs=2") || !strings.Contains(line, "bytes=") {
		t.Errorf("retention log: %q", line)
	}
	if left, _ := os.ReadDir(filepath.Join(h.dir, "local", "received")); len(left) != 0 {
		t.Errorf("the local connector still keeps %d received uploads of ended jobs", len(left))
	}
	if strings.Contains(line, "xlsx") || strings.Contains(line, "王建军") {
		t.Errorf("the log names a file: %q", line)
	}
	// The history reminders and summaries need is untouched.
	after, err := h.st.OpenTasks(ctx)
	if err != nil || len(after) != len(tasks) {
		t.Errorf("open tasks after the cleanup: %d, want %d (%v)", len(after), len(tasks), err)
	}
	if n := h.jobCount(); n != 4 {
		t.Errorf("job rows: %d, want 4", n)
	}
	// Another pass the same day removes nothing more and logs nothing.
	h.logs.Reset()
	h.tickAt(t0.AddDate(0, 0, 181).Add(time.Hour))
	if strings.Contains(h.logs.String(), "retention:") {
		t.Errorf("second pass the same day: %s", h.logs.String())
	}
}

// retention.files_days is read at each pass: a hot reload applies without a restart; 0 keeps
// the files for ever.
func TestRetentionFollowsHotReload(t *testing.T) {
	h := newHarness(t, nil)
	t0 := h.clock.Now()
	h.upload("红旗村群", "台账.xlsx", 10, 1, q4())
	h.drain()
	h.tickAt(t0)

	h.tickAt(t0.AddDate(0, 0, 31))
	if len(h.jobFiles(1)) == 0 {
		t.Fatal("removed after 31 days with files_days 180")
	}
	forever := *h.cfg
	forever.Retention.FilesDays = 0
	h.svc.SetConfig(&forever)
	h.tickAt(t0.AddDate(0, 0, 400))
	if len(h.jobFiles(1)) == 0 {
		t.Fatal("removed with files_days 0 (keep for ever)")
	}
	month := *h.cfg
	month.Retention.FilesDays = 30
	h.svc.SetConfig(&month)
	h.tickAt(t0.AddDate(0, 0, 401))
	if files := h.jobFiles(1); len(files) != 0 {
		t.Fatalf("files_days reloaded to 30: still kept %v", files)
	}
}
