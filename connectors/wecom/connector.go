package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

const platform = "wecom"

// Callback paths mounted by the bot's HTTP server.
const (
	// AppCallbackPath receives the self-built app's XML callbacks.
	AppCallbackPath = "/callback/wecom"
	// BotCallbackPath receives the smart robot's JSON callbacks (API mode, URL callback).
	BotCallbackPath = "/callback/wecom/bot"
)

// maxFileBytes: WeCom's upload limit for files, 20 MB (doc 90253, PLATFORMS.md §2.3).
const maxFileBytes = 20 << 20

// Options are the connector's collaborators.
type Options struct {
	Log        *logrus.Entry    // required in production; a discarding logger when nil
	HTTPClient *http.Client     // optional; a client with a 2-minute timeout when nil
	Now        func() time.Time // optional; time.Now when nil
	// Sent records the parts of a message already delivered, by IdempotencyKey (see
	// connectors.PartLog); optional, in memory for 24 h when nil. The service passes one that
	// survives a restart.
	Sent connectors.PartLog
}

// Connector is the WeCom connector.
type Connector struct {
	cfg   Config
	log   *logrus.Entry
	http  *resty.Client
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	// backoff is the first pause after a rate-limit code; it doubles per retry.
	backoff time.Duration
	// wsPing is the long-connection heartbeat interval.
	wsPing time.Duration
	// wsAck is how long a long-connection frame waits for its acknowledgement.
	wsAck time.Duration

	tokens       *tokenCache
	webhookLimit *limiter
	memberLimit  *limiter
	appCrypt     *msgCrypt
	botCrypt     *msgCrypt
	botFileKey   []byte // AES key for smart-robot file URLs in HTTP mode
	media        *mediaCache
	// sent remembers the parts of an idempotent message already delivered, so a retried Send
	// does not repeat them where WeCom cannot deduplicate (group robots, appchat, response_url,
	// the long connection).
	sent connectors.PartLog

	wsMu sync.Mutex
	ws   *wsConn // the live smart-robot long connection, nil when none

	ruMu   sync.Mutex
	ruUsed map[string]time.Time // response_urls already answered, with when (single use, 1 h)
}

var (
	_ connectors.Connector       = (*Connector)(nil)
	_ connectors.NamedDownloader = (*Connector)(nil)
)

// quietLogger keeps resty from printing request details (URLs carry tokens and keys).
type quietLogger struct{}

func (q quietLogger) Errorf(string, ...any) {}
func (q quietLogger) Warnf(string, ...any)  {}
func (q quietLogger) Debugf(string, ...any) {}

// New validates cfg and builds the connector.
func New(cfg Config, opt Options) (*Connector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate wecom config: %w", err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = defaultBaseURL
	}
	if cfg.BotWSURL == "" {
		cfg.BotWSURL = defaultBotWSURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	log := opt.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = logrus.NewEntry(l)
	}
	log = log.WithField("platform", platform)
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	hc := opt.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	c := &Connector{
		cfg:     cfg,
		log:     log,
		http:    resty.NewWithClient(hc).SetBaseURL(cfg.BaseURL).SetLogger(quietLogger{}),
		now:     now,
		sleep:   sleepCtx,
		backoff: time.Second,
		wsPing:  wsPingEvery,
		wsAck:   wsAckTimeout,
		tokens:  newTokenCache(now),
		media:   newMediaCache(now),
	}
	c.sent = opt.Sent
	if c.sent == nil {
		c.sent = &connectors.SentParts{Now: func() time.Time { return c.now() }}
	}
	c.webhookLimit = newLimiter(webhookPerMinute, now, func(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) })
	c.memberLimit = newLimiter(memberPerMinute, now, func(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) })
	if cfg.appCallback() {
		cr, err := newMsgCrypt(cfg.Token, cfg.EncodingAESKey)
		if err != nil {
			return nil, fmt.Errorf("build app crypt: %w", err)
		}
		c.appCrypt = cr
	}
	if tok, key := cfg.botCrypto(); tok != "" && key != "" {
		cr, err := newMsgCrypt(tok, key)
		if err != nil {
			return nil, fmt.Errorf("build robot crypt: %w", err)
		}
		c.botCrypt = cr
		c.botFileKey = cr.key
	}
	return c, nil
}

// Name is "wecom".
func (c *Connector) Name() string { return platform }

// Limits are WeCom's documented limits (PLATFORMS.md §2.4, §2.6). Text: 2048 bytes per text
// message; a Chinese character is 3 bytes in UTF-8, so 2048/3 = 682 runes always fit. Per chat:
// the group robot's 20 messages a minute (the strictest). Files: 20 MB.
func (c *Connector) Limits() connectors.Limits {
	return connectors.Limits{
		MaxTextRunes:     textBytes / 3,
		PerChatPerSecond: float64(webhookPerMinute) / 60,
		PerAppPerSecond:  0,
		MaxFileBytes:     maxFileBytes,
	}
}

// Routes serves the app callback and, when configured, the smart-robot callback.
func (c *Connector) Routes(h connectors.Handler) []connectors.Route {
	var rs []connectors.Route
	if c.appCrypt != nil {
		rs = append(rs, connectors.Route{Pattern: AppCallbackPath, Handler: &callbackHandler{c: c, crypt: c.appCrypt, kind: appEndpoint, h: h}})
	}
	if c.botCrypt != nil {
		rs = append(rs, connectors.Route{Pattern: BotCallbackPath, Handler: &callbackHandler{c: c, crypt: c.botCrypt, kind: botEndpoint, h: h}})
	}
	return rs
}

// Receive runs the smart-robot long connection when bot_id/bot_secret are set; otherwise it
// returns nil at once.
func (c *Connector) Receive(ctx context.Context, h connectors.Handler) error {
	if c.cfg.BotID == "" || c.cfg.BotSecret == "" {
		return nil
	}
	return c.runLongConn(ctx, h)
}

// Download fetches an app media id (/cgi-bin/media/get) or a smart-robot encrypted URL (fetched
// and decrypted at once: the URL lives 5 minutes).
func (c *Connector) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	n, _, err := c.DownloadNamed(ctx, f, dst, max)
	return n, err
}

// DownloadNamed is Download that also returns the file's name from the answer's
// Content-Disposition (connectors.NamedDownloader): WeCom's file events carry no name (the
// smart robot gives an encrypted URL, the app callback a MediaId). media/get names the file in
// that header (doc 96486 shows `Content-disposition: attachment; filename="MEDIA_ID.jpg"`). The
// smart robot's file URL does too according to the official SDK (WecomTeam/aibot-node-sdk
// src/api.ts reads the RFC 5987 filename* first, then filename=), though no document says so:
// the name is used when present and is "" otherwise. A media/get name that only repeats the
// media id, as in the doc's example, is no name.
func (c *Connector) DownloadNamed(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, string, error) {
	if max <= 0 {
		max = maxFileBytes
	}
	if f.Key == "" {
		return 0, "", &connectors.Error{Platform: platform, Op: "download", Permanent: true, Msg: "empty file key"}
	}
	if f.Meta[metaSource] == sourceBot || strings.HasPrefix(f.Key, "https://") || strings.HasPrefix(f.Key, "http://") {
		return c.downloadBotFile(ctx, f, dst, max)
	}
	return c.downloadMedia(ctx, f.Key, dst, max)
}

// mediaFileName is the name a media/get answer gives, "" when none or when it only repeats the
// media id.
func mediaFileName(h http.Header, mediaID string) string {
	name := connectors.DispositionFileName(h.Get("Content-Disposition"))
	if name == "" || strings.TrimSuffix(name, path.Ext(name)) == connectors.CleanFileName(mediaID) {
		return ""
	}
	return name
}

func tooLarge(max int64) error {
	return fmt.Errorf("download file: %w (%d bytes max)", connectors.ErrTooLarge, max)
}

func (c *Connector) downloadMedia(ctx context.Context, mediaID string, dst io.Writer, max int64) (int64, string, error) {
	var n int64
	var name string
	err := c.call(ctx, "download", true, func(ctx context.Context, tok string) (apiResult, error) {
		resp, err := c.http.R().SetContext(ctx).SetDoNotParseResponse(true).
			SetQueryParams(map[string]string{"access_token": tok, "media_id": mediaID}).
			Get("/cgi-bin/media/get")
		if err != nil {
			return apiResult{}, err
		}
		body := resp.RawBody()
		defer body.Close()
		res := apiResult{status: resp.StatusCode()}
		if isJSONAnswer(resp.Header()) || res.status >= 400 {
			var st apiStatus
			raw, _ := io.ReadAll(io.LimitReader(body, 64<<10))
			if jerr := json.Unmarshal(raw, &st); jerr == nil {
				res.code, res.msg = st.ErrCode, st.ErrMsg
			} else if res.status < 400 {
				return res, fmt.Errorf("decode media answer: %w", jerr)
			}
			if res.code == 0 && res.status < 400 {
				res.code, res.msg = -2, "unexpected JSON answer"
			}
			return res, nil
		}
		if resp.RawResponse.ContentLength > max {
			return res, tooLarge(max)
		}
		lw := &connectors.LimitedWriter{W: dst, Max: max}
		_, err = io.Copy(lw, body)
		n = lw.N
		if err != nil {
			return res, fmt.Errorf("copy media: %w", err)
		}
		name = mediaFileName(resp.Header(), mediaID)
		return res, nil
	})
	if err != nil {
		return n, "", err
	}
	return n, name, nil
}

// downloadBotFile fetches a smart-robot file URL (no token) and decrypts it: AES-256-CBC, IV =
// key[:16], PKCS#7 to 32 bytes, no prefix (PLATFORMS.md §2.1). The key is the per-URL aeskey of
// the long connection, else the robot's EncodingAESKey.
func (c *Connector) downloadBotFile(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, string, error) {
	var key []byte
	if k := f.Meta[metaAESKey]; k != "" {
		var err error
		if key, err = decodeFileKey(k); err != nil {
			return 0, "", &connectors.Error{Platform: platform, Op: "download", Permanent: true, Msg: err.Error()}
		}
	} else if c.botFileKey != nil {
		key = c.botFileKey
	} else {
		return 0, "", &connectors.Error{Platform: platform, Op: "download", Permanent: true, Msg: "no key for the robot file",
			Hint: "未配置智能机器人的 EncodingAESKey，无法解密文件"}
	}
	resp, err := c.http.R().SetContext(ctx).SetDoNotParseResponse(true).Get(f.Key)
	if err != nil {
		return 0, "", transportError("download", err)
	}
	body := resp.RawBody()
	defer body.Close()
	if st := resp.StatusCode(); st >= 400 {
		e := &connectors.Error{Platform: platform, Op: "download", HTTPStatus: st, Msg: http.StatusText(st)}
		if st < 500 {
			e.Permanent = true
			e.Hint = "文件链接已失效（企业微信的文件链接 5 分钟内有效），请重新发送文件"
		}
		return 0, "", e
	}
	// Ciphertext of at most max plaintext bytes is at most max+32 bytes (1..32 bytes of padding).
	limit := max + padBlock
	if resp.RawResponse.ContentLength > limit {
		return 0, "", tooLarge(max)
	}
	raw, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return 0, "", transportError("download", err)
	}
	if int64(len(raw)) > limit {
		return 0, "", tooLarge(max)
	}
	plain, err := decryptFile(key, raw)
	if err != nil {
		return 0, "", &connectors.Error{Platform: platform, Op: "download", Permanent: true, Msg: err.Error(),
			Hint: "文件解密失败，请核对智能机器人的 EncodingAESKey，或重新发送文件"}
	}
	if int64(len(plain)) > max {
		return 0, "", tooLarge(max)
	}
	n, err := dst.Write(plain)
	if err != nil {
		return int64(n), "", fmt.Errorf("write file: %w", err)
	}
	return int64(n), connectors.DispositionFileName(resp.Header().Get("Content-Disposition")), nil
}

// errNoRoute means a message has nowhere to go.
var errNoRoute = errors.New("message has no chat id, user ids or reply route")
