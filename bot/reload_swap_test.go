package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/bot/store"
	"zengshou/config"
	"zengshou/connectors"
)

// reloadConn is a connector whose Receive runs until its context ends and then delivers one
// more event (one it was holding when it was stopped), and whose callback answers its label.
type reloadConn struct {
	connectors.Connector // nil: only the methods below are called
	name, label          string
	started, stopped     chan struct{}
	late                 error // what the handler answered for the event delivered after the stop
}

func reloadNewConn(name, label string) *reloadConn {
	return &reloadConn{name: name, label: label, started: make(chan struct{}), stopped: make(chan struct{})}
}

func (c *reloadConn) Name() string { return c.name }

func (c *reloadConn) Routes(h connectors.Handler) []connectors.Route {
	return []connectors.Route{{Pattern: "/callback/" + c.name, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, c.label)
	})}}
}

func (c *reloadConn) Receive(ctx context.Context, h connectors.Handler) error {
	close(c.started)
	<-ctx.Done()
	c.late = h(ctx, connectors.Event{Platform: c.name, ID: "late-" + c.label, Kind: connectors.EventText, ChatID: "oc_reload", Text: "帮助"})
	close(c.stopped)
	return ctx.Err()
}

// reloadWaitChan waits for ch to close, failing after a generous deadline.
func reloadWaitChan(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func reloadClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// reloadConnectors swaps the connector of a changed platform section: callbacks reach the new
// one at once, the old receiver is stopped (and the event it still held is stored, not lost),
// the new one started; a section that cannot be built changes nothing and names its key; a
// platform turned off stops receiving and its callback is gone.
func TestReloadSwapsConnectorsAndReceivers(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := logrus.New()
	l.SetOutput(io.Discard)
	log := logrus.NewEntry(l)
	cfg := config.Defaults()
	cfg.Local.Enabled = false
	cfg.Feishu.Enabled, cfg.Feishu.AppID = true, "cli_old"
	old := reloadNewConn("feishu", "old")
	svc, err := New(Options{Config: cfg, Store: st, Connectors: []connectors.Connector{old}, Log: log, DataDir: dir, Owner: "reload-test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recv := newReceivers(ctx, svc.Intake, log)
	recv.start(old)
	reloadWaitChan(t, old.started, "the old receiver")
	handler := svc.Handler()
	callback := func() (int, string) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/callback/feishu", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := callback(); code != http.StatusOK || body != "old" {
		t.Fatalf("callback before the reload: %d %q", code, body)
	}

	// Another app id: a new connector.
	cfg2 := *cfg
	cfg2.Feishu.AppID = "cli_new"
	fresh := reloadNewConn("feishu", "new")
	built := 0
	changed, err := svc.reloadConnectors(&cfg2, func(c *config.Config, name string) (connectors.Connector, error) {
		built++
		if name != "feishu" || c.Feishu.AppID != "cli_new" {
			t.Errorf("built %s from app id %s", name, c.Feishu.AppID)
		}
		return fresh, nil
	}, recv)
	if err != nil || strings.Join(changed, ",") != "feishu" || built != 1 {
		t.Fatalf("reload: changed %v, built %d, err %v", changed, built, err)
	}
	svc.SetConfig(&cfg2)
	if !reloadClosed(old.stopped) {
		t.Fatal("the old receiver was still running when the reload returned")
	}
	if old.late != nil {
		t.Errorf("the event the old receiver held when it was stopped was refused: %v", old.late)
	}
	if n, _ := st.JobCounts(context.Background()); n["queued"] != 1 {
		t.Errorf("jobs %v, want the held event queued", n)
	}
	reloadWaitChan(t, fresh.started, "the new receiver")
	if code, body := callback(); code != http.StatusOK || body != "new" {
		t.Fatalf("callback after the reload: %d %q", code, body)
	}
	if svc.Connector("feishu") != fresh {
		t.Fatal("the worker would still send with the old connector")
	}

	// A section that cannot be built: nothing changes, the error names the key.
	cfg3 := cfg2
	cfg3.Feishu.AppID = "cli_broken"
	_, err = svc.reloadConnectors(&cfg3, func(*config.Config, string) (connectors.Connector, error) {
		return nil, errors.New("validate feishu config: feishu.app_secret 为空（可用环境变量 ZENGSHOU_FEISHU_APP_SECRET）/ feishu.app_secret is empty (or set ZENGSHOU_FEISHU_APP_SECRET)")
	}, recv)
	var ce *config.Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "feishu.app_secret 为空") {
		t.Fatalf("reload of a section that cannot be built: %v", err)
	}
	if svc.Connector("feishu") != fresh || reloadClosed(fresh.stopped) {
		t.Fatal("the connector in force was dropped for one that cannot be built")
	}
	if code, body := callback(); body != "new" {
		t.Fatalf("callback after the refused reload: %d %q", code, body)
	}

	// Feishu turned off: no connector, no callback, its receiver stopped.
	cfg4 := cfg2
	cfg4.Feishu.Enabled = false
	changed, err = svc.reloadConnectors(&cfg4, func(*config.Config, string) (connectors.Connector, error) {
		t.Error("built a connector for a platform turned off")
		return nil, errors.New("off")
	}, recv)
	if err != nil || strings.Join(changed, ",") != "feishu" {
		t.Fatalf("turning Feishu off: changed %v, err %v", changed, err)
	}
	if svc.Connector("feishu") != nil || !reloadClosed(fresh.stopped) {
		t.Fatal("Feishu turned off still has a connector or a receiver")
	}
	if code, _ := callback(); code != http.StatusNotFound {
		t.Fatalf("callback of a platform turned off: %d, want 404", code)
	}
}

// reloadDLConn is a connector whose downloads wait for release and then answer err, or the
// bytes data when err is nil.
type reloadDLConn struct {
	connectors.Connector
	started, release chan struct{}
	data             []byte
	err              error
}

func (c *reloadDLConn) Name() string              { return "feishu" }
func (c *reloadDLConn) Limits() connectors.Limits { return connectors.Limits{} }
func (c *reloadDLConn) Routes(connectors.Handler) []connectors.Route {
	return nil
}

func (c *reloadDLConn) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	close(c.started)
	<-c.release
	if c.err != nil {
		return 0, c.err
	}
	n, err := dst.Write(c.data)
	return int64(n), err
}

// A download under way when a reload swaps the connector, refused because the old credentials
// were rotated, is not the file's fault: the job is retried (with the new connector), not failed
// with “文件无法下载”.
func TestReloadDownloadDuringSwapIsRetried(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := logrus.New()
	l.SetOutput(io.Discard)
	old := &reloadDLConn{started: make(chan struct{}), release: make(chan struct{}),
		err: &connectors.Error{Platform: "feishu", Op: "token", Code: 10014, HTTPStatus: 400, Msg: "app secret invalid", Permanent: true}}
	svc, err := New(Options{Config: config.Defaults(), Store: st, Connectors: []connectors.Connector{old}, Log: logrus.NewEntry(l), DataDir: dir, Owner: "reload-test"})
	if err != nil {
		t.Fatal(err)
	}
	ev := &connectors.Event{Platform: "feishu", ID: "om_dl", Kind: connectors.EventFile, File: &connectors.FileRef{Name: "台账.xlsx", Key: "fk"}}
	jobDir := filepath.Join(dir, "jobs", "1")
	done := make(chan error, 1)
	go func() { _, err := svc.download(context.Background(), ev, jobDir); done <- err }()
	reloadWaitChan(t, old.started, "the download")
	fresh := &reloadDLConn{started: make(chan struct{}), release: make(chan struct{}), data: []byte("PK workbook")}
	close(fresh.release)
	svc.swapConnectors([]string{"feishu"}, map[string]connectors.Connector{"feishu": fresh})
	close(old.release)
	err = <-done
	var perm *permanentError
	if err == nil || errors.As(err, &perm) || connectors.IsPermanent(err) {
		t.Fatalf("download refused on the old connector after the swap: %v, want a transient error", err)
	}
	if _, err := svc.download(context.Background(), ev, jobDir); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if b, err := os.ReadFile(uploadPath(jobDir, "台账.xlsx")); err != nil || string(b) != "PK workbook" {
		t.Fatalf("downloaded %q, %v", b, err)
	}
}
