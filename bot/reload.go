package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/config"
	"zengshou/connectors"
)

// A config reload that changes a platform's section (a rotated secret, another app id, the
// platform turned on or off, another mode) rebuilds that platform's connector and swaps it in,
// without a restart. Jobs name their platform, not a connector: a worker takes the connector in
// force when it downloads or sends, so a job queued before the swap is answered by the new one;
// a send already under way on the old one finishes there (the old connector is never closed), and
// a send that failed is retried on the new one under the same idempotency key and sent_parts
// record, so a message is never shown twice.

// callbackPrefix is where every connector's HTTP callbacks live (connectors.Route.Pattern:
// /callback/feishu, /callback/wecom, /callback/wecom/bot, /callback/dingtalk, …).
const callbackPrefix = "/callback/"

// conn returns the connector in force for a platform, or nil.
func (s *Service) conn(platform string) connectors.Connector {
	s.connMu.RLock()
	defer s.connMu.RUnlock()
	return s.conns[platform]
}

// connectorNames lists the platforms with a connector, sorted.
func (s *Service) connectorNames() []string {
	s.connMu.RLock()
	defer s.connMu.RUnlock()
	names := make([]string, 0, len(s.conns))
	for n := range s.conns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// setConnectors puts cs in force, replacing every connector, and mounts their callbacks.
func (s *Service) setConnectors(cs []connectors.Connector) {
	m := make(map[string]connectors.Connector, len(cs))
	for _, c := range cs {
		m[c.Name()] = c
	}
	s.connMu.Lock()
	s.conns = m
	s.connMu.Unlock()
	s.mountCallbacks()
}

// swapConnectors replaces the connectors of the platforms named in changed: by the one in built,
// or by none when built has none for it (the platform was turned off). Other platforms keep
// theirs. It returns the connectors taken out of service.
func (s *Service) swapConnectors(changed []string, built map[string]connectors.Connector) []connectors.Connector {
	var old []connectors.Connector
	s.connMu.Lock()
	m := make(map[string]connectors.Connector, len(s.conns)+len(built))
	for n, c := range s.conns {
		m[n] = c
	}
	for _, n := range changed {
		if c := m[n]; c != nil {
			old = append(old, c)
		}
		delete(m, n)
		if c := built[n]; c != nil {
			m[n] = c
		}
	}
	s.conns = m
	s.connMu.Unlock()
	s.mountCallbacks()
	return old
}

// mountCallbacks builds the callback routes of the connectors in force. A request already being
// served by an old connector's handler finishes there; the next one reaches the new connector.
func (s *Service) mountCallbacks() {
	s.connMu.RLock()
	cs := make([]connectors.Connector, 0, len(s.conns))
	for _, c := range s.conns {
		cs = append(cs, c)
	}
	s.connMu.RUnlock()
	mux := http.NewServeMux()
	for _, c := range cs {
		for _, rt := range c.Routes(s.Intake) {
			mux.Handle(rt.Pattern, rt.Handler)
		}
	}
	s.callbacks.Store(mux)
}

// serveCallback hands a platform callback to the connector in force (404 when its platform is
// not enabled).
func (s *Service) serveCallback(w http.ResponseWriter, r *http.Request) {
	s.callbacks.Load().ServeHTTP(w, r)
}

// changedPlatforms names the platforms whose config section differs between old and new.
func changedPlatforms(old, new *config.Config) []string {
	var out []string
	for _, p := range []struct {
		name string
		a, b any
	}{
		{"local", old.Local, new.Local},
		{"feishu", old.Feishu, new.Feishu},
		{"wecom", old.WeCom, new.WeCom},
		{"dingtalk", old.DingTalk, new.DingTalk},
	} {
		if !reflect.DeepEqual(p.a, p.b) {
			out = append(out, p.name)
		}
	}
	return out
}

// platformEnabled says whether cfg turns the platform on.
func platformEnabled(cfg *config.Config, name string) bool {
	switch name {
	case "local":
		return cfg.Local.Enabled
	case "feishu":
		return cfg.Feishu.Enabled
	case "wecom":
		return cfg.WeCom.Enabled
	case "dingtalk":
		return cfg.DingTalk.Enabled
	}
	return false
}

// receivers runs each connector's Receive (a watched folder, a WebSocket or Stream long
// connection) under a context of its own, so that a reload can stop one connector's and start its
// successor's.
type receivers struct {
	ctx context.Context // the service's run context
	h   connectors.Handler
	log *logrus.Entry

	mu  sync.Mutex
	run map[string]*receiver // by platform
}

type receiver struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// receiverStopWait bounds how long a reload waits for an old connector's Receive to return
// before starting the new one's.
const receiverStopWait = 10 * time.Second

func newReceivers(ctx context.Context, h connectors.Handler, log *logrus.Entry) *receivers {
	return &receivers{ctx: ctx, h: h, log: log, run: map[string]*receiver{}}
}

// start runs c.Receive until the service stops or stop(c.Name()).
func (r *receivers) start(c connectors.Connector) {
	ctx, cancel := context.WithCancel(r.ctx)
	rc := &receiver{cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.run[c.Name()] = rc
	r.mu.Unlock()
	// An event the connector already holds is stored even when its receiver is being stopped (a
	// reload, the shutdown): Intake bounds its own wait, and the platform is acknowledged.
	h := func(_ context.Context, ev connectors.Event) error { return r.h(context.WithoutCancel(ctx), ev) }
	go func() {
		defer close(rc.done)
		err := c.Receive(ctx, h)
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.WithError(err).WithField("connector", c.Name()).Error("serve: connector stopped")
		case ctx.Err() != nil:
			r.log.WithField("connector", c.Name()).Debug("serve: connector receiver stopped")
		}
	}()
}

// stop cancels the platform's Receive and waits (a while) for it to return: two receivers of one
// platform would take the same inbox file or hold two long connections.
func (r *receivers) stop(name string) {
	r.mu.Lock()
	rc := r.run[name]
	delete(r.run, name)
	r.mu.Unlock()
	if rc == nil {
		return
	}
	rc.cancel()
	select {
	case <-rc.done:
	case <-time.After(receiverStopWait):
		r.log.WithField("connector", name).Warn("serve: the old connector's receiver has not stopped yet; starting the new one anyway")
	}
}

// connectorBuilder builds the connector of one platform from a config.
type connectorBuilder func(cfg *config.Config, name string) (connectors.Connector, error)

// reloadConnectors rebuilds the connectors of the platforms whose section changed from the
// config in force to cfg, before cfg is put in force. When one cannot be built, nothing is
// swapped and the error lists the problems (each naming its key, never a secret's value): the
// caller then refuses cfg as it refuses an invalid file. Otherwise it swaps them in, stops the old
// receivers and starts the new ones, and returns the platforms changed.
func (s *Service) reloadConnectors(cfg *config.Config, build connectorBuilder, recv *receivers) ([]string, error) {
	changed := changedPlatforms(s.Config(), cfg)
	if len(changed) == 0 {
		return nil, nil
	}
	built := map[string]connectors.Connector{}
	var problems []string
	for _, name := range changed {
		if !platformEnabled(cfg, name) {
			continue
		}
		c, err := build(cfg, name)
		if err != nil {
			problems = append(problems, connectorProblems(name, err)...)
			continue
		}
		built[name] = c
	}
	if len(problems) > 0 {
		return nil, &config.Error{Problems: problems}
	}
	s.swapConnectors(changed, built)
	for _, name := range changed {
		if recv == nil {
			continue
		}
		recv.stop(name)
		if c := built[name]; c != nil {
			recv.start(c)
		}
	}
	return changed, nil
}

// connectorProblems turns a connector's (joined) error into one message a line, each starting
// with the platform's key so that the admin knows which section to fix.
func connectorProblems(name string, err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		for _, p := range []string{"validate " + name + " config: ", "create " + name + " connector: "} {
			line = strings.TrimPrefix(line, p)
		}
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, name+".") {
			line = fmt.Sprintf("%s：%s", name, line)
		}
		out = append(out, line)
	}
	return out
}

// buildConnector makes one platform's connector (BuildConnectors for a single platform).
func buildConnector(cfg *config.Config, name, dataDir string, out io.Writer, clock Clock, log *logrus.Entry, sent connectors.PartLog) (connectors.Connector, error) {
	one := *cfg
	one.Local.Enabled = name == "local" && cfg.Local.Enabled
	one.Feishu.Enabled = name == "feishu" && cfg.Feishu.Enabled
	one.WeCom.Enabled = name == "wecom" && cfg.WeCom.Enabled
	one.DingTalk.Enabled = name == "dingtalk" && cfg.DingTalk.Enabled
	cs, err := BuildConnectors(&one, dataDir, out, clock, log, sent)
	if err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, fmt.Errorf("%s 未启用 / %s is not enabled", name, name)
	}
	return cs[0], nil
}
