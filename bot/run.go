package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/term"

	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/config/redact"
	"zengshou/connectors"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
	"zengshou/connectors/local"
	"zengshou/connectors/wecom"
)

// RunOptions start the whole service.
type RunOptions struct {
	Config     *config.Config
	ConfigFile string    // watched for hot reload when set
	DataDir    string    // overrides cfg.DataDir when set
	Addr       string    // overrides cfg.HTTP.Addr when set
	Stdout     io.Writer // where the local connector prints messages (default os.Stdout)
	Log        *logrus.Entry
	Clock      Clock
	Read       func(ctx context.Context, path string, opt ledger.ReadOptions) (*ledger.Ledger, error)
	// Ready, when set, is called with the HTTP listener's address once the service is up.
	Ready func(addr string)
}

// NewLogger is the service logger: JSON when not on a terminal (production), text on one; every
// message and string field masked for ID numbers and phone numbers.
func NewLogger(c config.Log, w io.Writer) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(w)
	if lvl, err := logrus.ParseLevel(c.Level); err == nil {
		l.SetLevel(lvl)
	}
	var inner logrus.Formatter = &logrus.JSONFormatter{}
	isTerm := false
	if f, ok := w.(*os.File); ok {
		isTerm = term.IsTerminal(int(f.Fd()))
	}
	if c.Format == "text" || (c.Format != "json" && isTerm) {
		inner = &logrus.TextFormatter{FullTimestamp: true}
	}
	l.SetFormatter(&redactingFormatter{inner: inner})
	return logrus.NewEntry(l)
}

// redactingFormatter masks ID numbers and phone numbers in every log line, whatever a caller
// forgot: a last line of defence behind redact at the call sites.
type redactingFormatter struct{ inner logrus.Formatter }

func (f *redactingFormatter) Format(e *logrus.Entry) ([]byte, error) {
	e2 := *e
	e2.Message = redact.Text(e.Message)
	e2.Data = make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		switch x := v.(type) {
		case string:
			e2.Data[k] = redact.Text(x)
		case error:
			e2.Data[k] = redact.Text(x.Error())
		default:
			e2.Data[k] = v
		}
	}
	return f.inner.Format(&e2)
}

// BuildConnectors makes the connectors the configuration enables. sent records the message parts
// they deliver (the store's, so that a job retried after a restart does not repeat a part); each
// connector keeps its own record in memory when it is nil.
func BuildConnectors(cfg *config.Config, dataDir string, out io.Writer, clock Clock, log *logrus.Entry, sent connectors.PartLog) ([]connectors.Connector, error) {
	var cs []connectors.Connector
	now := clock.Now
	if cfg.Local.Enabled {
		c, err := local.New(dataDir, local.Options{Console: out, Now: now, Zone: cfg.Reminders.Location()})
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if cfg.Feishu.Enabled {
		c, err := feishu.New(cfg.Feishu, feishu.Options{Log: log.WithField("connector", "feishu"), Now: now, Sent: sent})
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if cfg.WeCom.Enabled {
		c, err := wecom.New(cfg.WeCom, wecom.Options{Log: log.WithField("connector", "wecom"), Now: now, Sent: sent})
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if cfg.DingTalk.Enabled {
		c, err := dingtalk.New(cfg.DingTalk, dingtalk.Options{Log: log.WithField("connector", "dingtalk"), Now: now, Sent: sent})
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// lockDataDir takes an exclusive lock on DATA/zengshou.lock: SQLite is a single-instance store,
// so a second `zengshou serve` on the same data directory is refused.
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s（请检查路径和权限，或用 --data 换一个） / create data dir: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "zengshou.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("数据目录 %s 正被另一个 zengshou 进程使用 / data dir in use by another zengshou: %w", dir, err)
	}
	return f, nil
}

// Run starts everything — store, connectors, workers, scheduler, HTTP server, config watcher —
// and blocks until ctx ends. On shutdown it stops taking events, lets running jobs finish for a
// while, requeues what is left and closes the store.
func Run(ctx context.Context, o RunOptions) error {
	cfg := o.Config
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = cfg.DataDir
	}
	addr := o.Addr
	if addr == "" {
		addr = cfg.HTTP.Addr
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Log == nil {
		o.Log = NewLogger(cfg.Log, os.Stderr)
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return err
	}
	defer lock.Close()
	// The plugin API's working directories left by a crash mid-request hold an upload (names,
	// ID numbers); the API keeps nothing, and this instance holds the lock: they go.
	if stale, _ := filepath.Glob(filepath.Join(dataDir, "api-*")); len(stale) > 0 {
		for _, d := range stale {
			_ = os.RemoveAll(d)
		}
		o.Log.WithField("dirs", len(stale)).Info("serve: removed the plugin API's working directories left by the last run")
	}
	st, err := store.Open(filepath.Join(dataDir, "zengshou.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if n, err := st.RecoverAll(ctx, o.Clock.Now()); err != nil {
		return err
	} else if n > 0 {
		o.Log.WithField("jobs", n).Info("serve: requeued jobs interrupted by the last shutdown")
	}
	pending, _ := st.PendingSends(ctx)
	for _, k := range pending { // a send cut short: forget the claim; the same idempotency key is used again
		_ = st.Unclaim(ctx, k)
	}
	// The parts of replies already delivered are kept in the store: a job interrupted between
	// two parts (text sent, file not) sends only the file when it runs again after the restart.
	sent := store.NewPartLog(st, o.Clock.Now, o.Log.WithField("component", "sent_parts"), 0)
	conns, err := BuildConnectors(cfg, dataDir, o.Stdout, o.Clock, o.Log, sent)
	if err != nil {
		return err
	}
	svc, err := New(Options{Config: cfg, Store: st, Connectors: conns, Clock: o.Clock, Log: o.Log, DataDir: dataDir, Read: o.Read})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("无法监听 %s（端口可能已被其他程序占用：用 --addr 或配置 http.addr 换一个端口） / listen: %w", addr, err)
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 8)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	recv := newReceivers(runCtx, svc.Intake, o.Log)
	for _, c := range conns {
		recv.start(c)
	}
	workersDone := make(chan struct{})
	go func() { svc.RunWorkers(runCtx); close(workersDone) }()
	go svc.RunScheduler(runCtx, 30*time.Second)
	go svc.RunSpool(runCtx, 2*time.Second)
	if o.ConfigFile != "" {
		// Watch reads the file now and returns: a change saved right after the start is seen.
		build := func(c *config.Config, name string) (connectors.Connector, error) {
			return buildConnector(c, name, dataDir, o.Stdout, o.Clock, o.Log, sent)
		}
		werr := config.Watch(runCtx, o.ConfigFile, func(c *config.Config) {
			// A platform section that changed gets a new connector now; one that cannot be
			// built refuses the whole file, as an invalid file is refused.
			changed, err := svc.reloadConnectors(c, build, recv)
			if ce, ok := err.(*config.Error); ok {
				ce.File = o.ConfigFile
			}
			if err != nil {
				o.Log.WithError(err).Warn("serve: new configuration is invalid; keeping the last good one (配置文件有误，未生效，继续使用上一份正确配置)")
				svc.ConfigRejected(runCtx, err)
				return
			}
			keys := config.NeedsRestart(svc.Config(), c)
			if len(keys) > 0 {
				o.Log.WithField("keys", strings.Join(keys, ", ")).Warn("serve: configuration reloaded, but these settings take effect only after a restart (以下设置需重启服务后生效)")
			}
			svc.SetConfig(c)
			svc.ConfigApplied(runCtx, keys)
			if len(changed) > 0 {
				o.Log.WithFields(logrus.Fields{"changed": changed, "connectors": svc.connectorNames()}).Info("serve: platform connectors rebuilt (平台设置已生效)")
			}
			o.Log.Info("serve: configuration reloaded")
		}, func(err error) {
			o.Log.WithError(err).Warn("serve: new configuration is invalid; keeping the last good one (配置文件有误，未生效，继续使用上一份正确配置)")
			svc.ConfigRejected(runCtx, err)
		})
		if werr != nil {
			o.Log.WithError(werr).Warn("serve: cannot watch the config file; changes take effect only after a restart (无法监视配置文件，修改需重启服务后生效)")
		}
	}
	names := make([]string, 0, len(conns))
	for _, c := range conns {
		names = append(names, c.Name())
	}
	o.Log.WithFields(logrus.Fields{"addr": ln.Addr().String(), "data": dataDir, "connectors": names}).Info("serve: started")
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	o.Log.Info("serve: shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	stop()
	select {
	case <-workersDone:
	case <-shutCtx.Done():
	}
	_ = st.Requeue(context.WithoutCancel(ctx), svc.owner, o.Clock.Now())
	return runErr
}
