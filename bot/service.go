// Package bot is the service: intake of platform events, durable jobs, workers that download,
// evaluate, write back and reply, history per household and period, reminders and summaries,
// chat commands and the HTTP server. It owns time (an injected clock), storage and people
// (the roster); connectors own wire formats and calc owns the policy.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// Clock is the service's only source of time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FakeClock is a clock tests and the demo move by hand.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock starts a fake clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the fake clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the fake clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Options build a Service.
type Options struct {
	Config     *config.Config
	Store      *store.Store
	Connectors []connectors.Connector
	Clock      Clock
	Log        *logrus.Entry
	DataDir    string
	Owner      string // this instance's name in job leases (default host+pid)
	// Read parses an uploaded workbook. Default ledger.Read in this process; the service swaps in
	// a child process with a memory cap and a timeout for untrusted files.
	Read func(ctx context.Context, path string, opt ledger.ReadOptions) (*ledger.Ledger, error)
}

// Service is the running bot.
type Service struct {
	cfg     atomic.Pointer[config.Config]
	st      *store.Store
	conns   map[string]connectors.Connector // by platform, under connMu: a config reload swaps them (reload.go)
	clock   Clock
	log     *logrus.Entry
	dataDir string
	owner   string
	read    func(ctx context.Context, path string, opt ledger.ReadOptions) (*ledger.Ledger, error)
	metrics *metrics
	wake    chan struct{} // a new job was accepted
	// deferred holds the schedule passes (name|slot) already counted as deferred.
	deferred sync.Map
	// apiParsing counts the plugin API requests parsing a workbook (http.max_parallel).
	apiMu      sync.Mutex
	apiParsing int

	connMu    sync.RWMutex
	callbacks atomic.Pointer[http.ServeMux] // the current connectors' HTTP callbacks (reload.go)

	// cfgStart (the start, unix ns) and cfgGen (configs applied since) name the config in force:
	// a refused file is told to the admins once per config in force, not once a day
	// (ConfigRejected); cfgRefused says one was told since, so the next good file is told too
	// (ConfigApplied).
	cfgStart   int64
	cfgGen     atomic.Int64
	cfgRefused atomic.Bool
}

// New builds the service.
func New(opt Options) (*Service, error) {
	if opt.Config == nil || opt.Store == nil {
		return nil, errors.New("new service: config and store are required")
	}
	if opt.Clock == nil {
		opt.Clock = SystemClock{}
	}
	if opt.Log == nil {
		l := logrus.New()
		l.SetOutput(os.Stderr)
		opt.Log = logrus.NewEntry(l)
	}
	if opt.DataDir == "" {
		opt.DataDir = opt.Config.DataDir
	}
	if opt.Owner == "" {
		h, _ := os.Hostname()
		opt.Owner = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if opt.Read == nil {
		opt.Read = func(_ context.Context, path string, o ledger.ReadOptions) (*ledger.Ledger, error) {
			return ledger.Read(path, o)
		}
	}
	s := &Service{st: opt.Store, conns: map[string]connectors.Connector{}, clock: opt.Clock, log: opt.Log,
		dataDir: opt.DataDir, owner: opt.Owner, read: opt.Read, metrics: newMetrics(), wake: make(chan struct{}, 1)}
	s.cfg.Store(opt.Config)
	s.cfgStart = opt.Clock.Now().UnixNano()
	s.setConnectors(opt.Connectors)
	return s, nil
}

// Config returns the configuration in force.
func (s *Service) Config() *config.Config { return s.cfg.Load() }

// SetConfig swaps in a new, already validated configuration (hot reload).
func (s *Service) SetConfig(c *config.Config) {
	s.cfg.Store(c)
	s.cfgGen.Add(1)
}

// Store returns the service's store.
func (s *Service) Store() *store.Store { return s.st }

// Connector returns the connector of a platform, or nil.
func (s *Service) Connector(platform string) connectors.Connector { return s.conn(platform) }

// Intake is the connectors.Handler every connector delivers events to. It checks the chat
// allow-list, then persists the event as a job, deduplicated by (platform, message id), and
// only then returns nil so the connector acknowledges the platform. It never parses a file.
func (s *Service) Intake(ctx context.Context, ev connectors.Event) error {
	cfg := s.Config()
	if ev.Platform == "" || ev.ID == "" {
		return errors.New("intake: event without platform or id")
	}
	if !allowed(cfg.Chats.Allow, ev.ChatID) || (ev.Tenant != "" && !allowed(cfg.Chats.Tenants, ev.Tenant)) {
		s.log.WithFields(logrus.Fields{"platform": ev.Platform, "chat": ev.ChatID}).Warn("intake: chat not on the allow-list; ignored")
		s.metrics.jobs.WithLabelValues("refused").Inc()
		return nil // acknowledged and dropped: retries would not change the answer
	}
	if ev.Kind != connectors.EventFile && ev.Kind != connectors.EventText {
		return nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	// A platform waits a few seconds for the acknowledgement (Feishu 3 s, WeCom 5 s). A store
	// locked by another process would hold us for the whole busy timeout (10 s): refuse within
	// intakeTimeout instead, so the callback answers 5xx in time and the platform redelivers.
	ectx, cancel := context.WithTimeout(ctx, intakeTimeout)
	defer cancel()
	id, created, err := s.st.Enqueue(ectx, ev.Platform, ev.ID, string(ev.Kind), ev.ChatID, b, s.clock.Now())
	if err != nil {
		s.metrics.jobs.WithLabelValues("intake_error").Inc()
		if ev.Once { // the platform will not send it again: keep it on disk until the store takes it
			if serr := s.spool(ev, b); serr == nil {
				s.log.WithError(err).WithFields(logrus.Fields{"platform": ev.Platform, "chat": ev.ChatID}).Warn("intake: store unavailable; event spooled")
				return nil
			}
		}
		return fmt.Errorf("intake: %w", err)
	}
	fields := logrus.Fields{"platform": ev.Platform, "chat": ev.ChatID, "job": id, "kind": ev.Kind}
	if !created {
		s.metrics.jobs.WithLabelValues("duplicate").Inc()
		s.log.WithFields(fields).Info("intake: duplicate delivery ignored")
		return nil
	}
	s.metrics.jobs.WithLabelValues("accepted").Inc()
	s.log.WithFields(fields).Info("intake: job accepted")
	faultPoint("accept")
	s.wakeOne()
	return nil
}

// wakeOne wakes an idle worker, if one is waiting (never blocks). A worker that claims a job
// wakes the next one, so a burst of accepted jobs keeps every worker busy even when their wake-ups
// coalesced.
func (s *Service) wakeOne() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// intakeTimeout bounds how long Intake waits for the store: under Feishu's 3 s deadline.
const intakeTimeout = 2 * time.Second

func allowed(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// jobDir is where a job's files live: DATA/jobs/<id>/. Names inside are fixed; nothing is
// derived from an uploaded file's name.
func (s *Service) jobDir(id int64) string {
	return filepath.Join(s.dataDir, "jobs", fmt.Sprint(id))
}
