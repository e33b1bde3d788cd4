package dingtalk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

// Platform is the platform name used in Event.Platform and in config.
const Platform = "dingtalk"

// Documented limits (PLATFORMS.md §3.3, §3.6).
const (
	// maxTextRunes keeps one text under DingTalk's 20 000-byte message body: 6 000 CJK runes are
	// 18 000 UTF-8 bytes, which leaves room for the JSON envelope and @mentions. (verify)
	maxTextRunes = 6000
	// maxBodyBytes is that body limit itself: robots answer errcode 460101 "message too long,
	// exceed 20000 bytes" ("body 大小不合法;请保持大小在 20000bytes 以内"). Runes alone do not
	// bound it (a 4-byte emoji, a '<' that JSON writes as \u003c, msgParam encoded twice), so
	// every chunk is also measured as the JSON body that carries it.
	maxBodyBytes = 20000
	// maxFileBytes is the media/upload limit for type=file: 20 MB.
	maxFileBytes = 20 << 20
	// webhookPerMinute is the custom webhook robot limit: 20 messages a minute per robot.
	webhookPerMinute = 20
	// appQPS is the per-API organisation QPS of the standard edition (unofficial, §3.6).
	appQPS = 20
	// maxCallbackBody caps an HTTP callback body; robot messages are a few KB.
	maxCallbackBody = 1 << 20
)

// Options are the connector's runtime dependencies.
type Options struct {
	Log        *logrus.Entry    // required in production; a discard logger when nil
	HTTPClient *http.Client     // optional; a client with sane timeouts when nil
	Now        func() time.Time // optional; time.Now when nil
	// Sent records the parts of a message already delivered, by IdempotencyKey (see
	// connectors.PartLog); optional, in memory for 24 h when nil. The service passes one that
	// survives a restart.
	Sent connectors.PartLog
}

// Connector is the DingTalk connector. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	log    *logrus.Entry
	hc     *http.Client
	rc     *resty.Client
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	tokens *tokenCache
	hooks  *limiterSet
	crypto *eventCrypto       // nil when event subscription is not configured
	sent   connectors.PartLog // parts already delivered, by IdempotencyKey

	backoffMin, backoffMax time.Duration // Stream reconnect backoff
	keepalive              time.Duration // Stream WebSocket ping interval
}

var _ connectors.Connector = (*Connector)(nil)

// New checks cfg and builds the connector. It does no network I/O.
func New(cfg Config, opt Options) (*Connector, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, fmt.Errorf("create dingtalk connector: %w", err)
	}
	c := &Connector{
		cfg:        cfg,
		log:        opt.Log,
		hc:         opt.HTTPClient,
		now:        opt.Now,
		sleep:      sleepCtx,
		tokens:     sharedTokens,
		backoffMin: time.Second,
		backoffMax: time.Minute,
		keepalive:  30 * time.Second,
	}
	if c.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.log = logrus.NewEntry(l)
	}
	c.log = c.log.WithField("platform", Platform)
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 2 * time.Minute}
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.hooks = newLimiterSet(webhookPerMinute, time.Minute, func() time.Time { return c.now() })
	c.sent = opt.Sent
	if c.sent == nil {
		c.sent = &connectors.SentParts{Now: func() time.Time { return c.now() }}
	}
	quiet := logrus.New()
	quiet.SetOutput(io.Discard) // resty logs request URLs on retries; errors are handled here
	c.rc = resty.NewWithClient(c.hc).
		SetLogger(quiet).
		SetResponseBodyLimit(4<<20).
		SetHeader("Accept", "application/json")
	if cfg.CallbackToken != "" {
		c.crypto, err = newEventCrypto(cfg.CallbackToken, cfg.CallbackAESKey, cfg.CorpID, cfg.AppKey)
		if err != nil {
			return nil, fmt.Errorf("create dingtalk connector: %w", err)
		}
	}
	return c, nil
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Platform }

// Limits implements connectors.Connector.
func (c *Connector) Limits() connectors.Limits {
	return connectors.Limits{
		MaxTextRunes:     maxTextRunes,
		PerChatPerSecond: float64(webhookPerMinute) / 60,
		PerAppPerSecond:  appQPS,
		MaxFileBytes:     maxFileBytes,
	}
}

// Routes implements connectors.Connector: the robot callback (HTTP mode) and, when a callback
// token and aes key are set, the event-subscription callback.
func (c *Connector) Routes(h connectors.Handler) []connectors.Route {
	var rs []connectors.Route
	if c.cfg.Mode == ModeHTTP || c.crypto != nil {
		rs = append(rs, connectors.Route{Pattern: "/callback/dingtalk", Handler: c.callbackHandler(h)})
	}
	if c.crypto != nil {
		rs = append(rs, connectors.Route{Pattern: "/callback/dingtalk/event", Handler: http.HandlerFunc(c.serveEvent)})
	}
	return rs
}

// Receive implements connectors.Connector: in Stream mode it keeps a Stream connection open
// until ctx ends; in HTTP mode it returns nil at once.
func (c *Connector) Receive(ctx context.Context, h connectors.Handler) error {
	if c.cfg.Mode != ModeStream {
		return nil
	}
	return c.runStream(ctx, h)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// logEvent is the log entry for an event: ids and kinds only, never names, text or file keys.
func (c *Connector) logEvent(ev connectors.Event) *logrus.Entry {
	return c.log.WithFields(logrus.Fields{"msg_id": ev.ID, "kind": ev.Kind, "chat_type": ev.ChatType})
}
