package feishu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

// Name is the platform name in events and config.
const Name = "feishu"

const (
	defaultBaseURL = "https://open.feishu.cn"
	// maxUploadBytes: im/v1/files takes ≤30 MB (§1.3); the bot must be able to send back a
	// processed workbook at least as large as the one it read, so this is also MaxFileBytes.
	maxUploadBytes = 30 << 20
	// maxImageBytes: im/v1/images takes ≤10 MB (§1.4).
	maxImageBytes = 10 << 20
	// maxUUID: Feishu's uuid field is at most 50 characters.
	maxUUID = 50
)

var _ connectors.Connector = (*Connector)(nil)

// Options are the service-provided dependencies of a Connector.
type Options struct {
	Log        *logrus.Entry    // required in production; nil logs nowhere
	HTTPClient *http.Client     // optional; default: a client with no overall timeout (calls carry their own)
	Now        func() time.Time // optional; the clock for the callback signature window
	// Sent records the sub-messages already delivered, by IdempotencyKey (see connectors.PartLog);
	// optional, in memory for 24 h when nil. The service passes one that survives a restart.
	Sent connectors.PartLog
}

// Connector is the Feishu/Lark connector. It is safe for concurrent use.
type Connector struct {
	cfg    Config
	log    *logrus.Entry
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	hc     *http.Client
	http   *resty.Client
	tokens *tokenCache
	lim    *limiter
	sent   connectors.PartLog // sub-messages already delivered, by IdempotencyKey

	botMu    sync.Mutex
	botID    string
	botTried time.Time
}

// New validates cfg and builds a Connector. It does no network I/O.
func New(cfg Config, opt Options) (*Connector, error) {
	if cfg.Mode == "" {
		cfg.Mode = "webhook"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = defaultBaseURL
	}
	if cfg.UserIDType == "" {
		cfg.UserIDType = "open_id"
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	c := &Connector{cfg: cfg, log: opt.Log, now: opt.Now, sleep: sleepCtx, hc: opt.HTTPClient, lim: newLimiter()}
	if c.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.log = logrus.NewEntry(l)
	}
	c.log = c.log.WithField("platform", Name)
	if c.now == nil {
		c.now = time.Now
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	c.http = resty.NewWithClient(c.hc).SetBaseURL(strings.TrimRight(cfg.BaseURL, "/")).SetLogger(restyLogger{c.log})
	c.tokens = &tokenCache{fetch: c.fetchToken, now: c.now}
	c.sent = opt.Sent
	if c.sent == nil {
		c.sent = &connectors.SentParts{Now: c.now}
	}
	if cfg.Mode == "webhook" && cfg.EncryptKey == "" {
		c.log.Warn("feishu.encrypt_key 未设置：回调不加密也无签名，仅靠 verification_token 校验 / encrypt_key is empty: callbacks are neither encrypted nor signed")
	}
	return c, nil
}

func validate(cfg Config) error {
	var errs []error
	missing := func(key, env string) { // the wording of every platform (connectors.MissingSecret)
		if env != "" {
			errs = append(errs, connectors.MissingSecret("feishu."+key, env, "", ""))
			return
		}
		errs = append(errs, connectors.MissingKey("feishu."+key, "", ""))
	}
	if cfg.AppID == "" {
		missing("app_id", "")
	}
	if cfg.AppSecret == "" {
		missing("app_secret", "ZENGSHOU_FEISHU_APP_SECRET")
	}
	switch cfg.Mode {
	case "webhook":
		if cfg.VerificationToken == "" {
			missing("verification_token", "ZENGSHOU_FEISHU_VERIFICATION_TOKEN")
		}
	case "websocket":
	default:
		errs = append(errs, fmt.Errorf("feishu.mode 只能是 webhook 或 websocket，现在是 %q / feishu.mode must be webhook or websocket, got %q", cfg.Mode, cfg.Mode))
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("feishu.base_url 不是有效网址：%q / feishu.base_url is not a valid URL: %q", cfg.BaseURL, cfg.BaseURL))
	}
	switch cfg.UserIDType {
	case "open_id", "user_id", "union_id":
	default:
		errs = append(errs, fmt.Errorf("feishu.user_id_type 只能是 open_id、user_id 或 union_id / feishu.user_id_type must be open_id, user_id or union_id, got %q", cfg.UserIDType))
	}
	if len(errs) > 0 {
		return fmt.Errorf("validate feishu config: %w", errors.Join(errs...))
	}
	return nil
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Limits implements connectors.Connector (PLATFORMS.md §1.3, §1.4, §1.6).
func (c *Connector) Limits() connectors.Limits {
	return connectors.Limits{
		MaxTextRunes:     maxTextRunes,
		PerChatPerSecond: perChatPerSecond,
		PerAppPerSecond:  perAppPerSecond,
		MaxFileBytes:     maxUploadBytes,
	}
}

// Routes implements connectors.Connector: the HTTP event callback in webhook mode, nothing in
// websocket mode (events then arrive through Receive).
func (c *Connector) Routes(h connectors.Handler) []connectors.Route {
	if c.cfg.Mode != "webhook" {
		return nil
	}
	return []connectors.Route{{Pattern: CallbackPath, Handler: c.callbackHandler(h)}}
}

// Download implements connectors.Connector: GET messages/{message_id}/resources/{file_key}?type=file
// (§1.3), streamed into dst through a size cap.
func (c *Connector) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	msgID := f.Meta["message_id"]
	if msgID == "" || f.Key == "" {
		return 0, &connectors.Error{Platform: Name, Op: "download", Msg: "file reference lacks message_id or file_key", Permanent: true}
	}
	resp, _, err := c.exec(ctx, apiCall{
		op: "download", method: http.MethodGet, stream: true,
		path: pathMessages + "/" + url.PathEscape(msgID) + "/resources/" + url.PathEscape(f.Key),
		build: func(r *resty.Request) {
			r.SetQueryParam("type", "file")
		},
	})
	if err != nil {
		return 0, err
	}
	body := resp.RawBody()
	defer body.Close()
	if n, perr := strconv.ParseInt(resp.Header().Get("Content-Length"), 10, 64); perr == nil && n > max {
		return 0, fmt.Errorf("download file: %w (%d bytes max)", connectors.ErrTooLarge, max)
	}
	lw := &connectors.LimitedWriter{W: dst, Max: max}
	n, err := io.Copy(lw, body)
	if err != nil {
		if errors.Is(err, connectors.ErrTooLarge) {
			return n, fmt.Errorf("download file: %w", err)
		}
		return n, &connectors.Error{Platform: Name, Op: "download", HTTPStatus: resp.StatusCode(), Msg: "body read failed: " + err.Error()}
	}
	c.log.WithFields(logrus.Fields{"op": "download", "message_id": msgID, "bytes": n}).Info("feishu file downloaded")
	return n, nil
}

// target is one destination of a Message.
type target struct {
	replyTo  string // reply to this message (in its chat)
	inThread bool   // the message answered sits in a topic thread
	idType   string // receive_id_type for a new message
	id       string
	chat     string // key of the per-chat (or per-user) rate limit
	group    bool   // mentions make sense here
}

// Send implements connectors.Connector. A file is uploaded once and sent first, then the image,
// then the text in chunks of at most MaxTextRunes. Each sub-message carries its own uuid derived
// from IdempotencyKey, so a retried Send never shows a sub-message twice (within Feishu's 1 h).
// The id returned is the first sub-message's message_id.
func (c *Connector) Send(ctx context.Context, m connectors.Message) (string, error) {
	targets, err := c.targets(m)
	if err != nil {
		return "", err
	}
	// Parts delivered by an earlier try of this message are skipped, and a file or image is
	// uploaded only when a part still needs it: Feishu dedupes a uuid for one hour only, and
	// the bot may retry later than that.
	var media []part
	if m.File != nil {
		media = append(media, part{label: "f", msgType: "file", upload: m.File})
	}
	if m.Image != nil {
		media = append(media, part{label: "i", msgType: "image", upload: m.Image, image: true})
	}
	first := ""
	for i, t := range targets {
		var mentions []string
		if t.group {
			mentions = m.Mentions
		}
		parts := append(append([]part{}, media...), textParts(m.Kind, m.Text, m.Markdown, mentions)...)
		for j, p := range parts {
			label := p.label
			if len(targets) > 1 {
				label = fmt.Sprintf("u%d-%s", i, p.label)
			}
			content := []byte(p.content) // text: the exact sub-message; file, image: name and bytes
			if p.upload != nil {
				content = append([]byte(p.upload.Name+"\x00"), p.upload.Data...)
			}
			if c.sent.Done(m.IdempotencyKey, label, content) {
				continue
			}
			if p.upload != nil && p.content == "" {
				key, err := c.upload(ctx, p.upload, p.image)
				if err != nil {
					return first, err
				}
				field := "file_key"
				if p.image {
					field = "image_key"
				}
				p.content = marshalContent(map[string]string{field: key})
				media[j].content = p.content // uploaded once for every target
			}
			id, err := c.sendPart(ctx, t, p, subUUID(m.IdempotencyKey, label))
			if err != nil {
				return first, err
			}
			c.sent.Mark(m.IdempotencyKey, label, content)
			if first == "" {
				first = id
			}
		}
	}
	return first, nil
}

func (c *Connector) targets(m connectors.Message) ([]target, error) {
	replyTo := m.ReplyTo
	if replyTo == "" {
		replyTo = m.Reply["message_id"]
	}
	switch {
	case replyTo != "":
		chat := m.ChatID
		if chat == "" {
			chat = "reply:" + replyTo
		}
		return []target{{replyTo: replyTo, inThread: m.Reply["thread_id"] != "", chat: chat, group: true}}, nil
	case m.ChatID != "":
		return []target{{idType: "chat_id", id: m.ChatID, chat: m.ChatID, group: true}}, nil
	case len(m.UserIDs) > 0:
		ts := make([]target, 0, len(m.UserIDs))
		for _, u := range m.UserIDs {
			// The per-user limit is 5 QPS like a group's (§1.6).
			ts = append(ts, target{idType: c.cfg.UserIDType, id: u, chat: "user:" + u})
		}
		return ts, nil
	}
	return nil, &connectors.Error{Platform: Name, Op: "send", Msg: "message has no chat, user or reply target", Permanent: true}
}

// subUUID derives the uuid of one sub-message: key + "-" + label, or a hash of it when that
// would pass Feishu's 50-character limit. Empty key: no uuid (not idempotent).
func subUUID(key, label string) string {
	if key == "" {
		return ""
	}
	u := key + "-" + label
	if len(u) <= maxUUID {
		return u
	}
	sum := sha256.Sum256([]byte(u))
	return hex.EncodeToString(sum[:])[:40]
}

func (c *Connector) sendPart(ctx context.Context, t target, p part, uuid string) (string, error) {
	body := map[string]any{"msg_type": p.msgType, "content": p.content}
	if uuid != "" {
		body["uuid"] = uuid
	}
	call := apiCall{op: "send", method: http.MethodPost, chat: t.chat, limit: true}
	if t.replyTo != "" {
		body["reply_in_thread"] = t.inThread
		call.path = pathMessages + "/" + url.PathEscape(t.replyTo) + "/reply"
		call.build = func(r *resty.Request) { r.SetBody(body) }
	} else {
		body["receive_id"] = t.id
		call.path = pathMessages
		call.build = func(r *resty.Request) { r.SetQueryParam("receive_id_type", t.idType).SetBody(body) }
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	_, ans, err := c.exec(ctx, call)
	if err != nil {
		return "", err
	}
	var d struct {
		MessageID string `json:"message_id"`
	}
	_ = json.Unmarshal(ans.Data, &d) // a missing id is not a failed send
	c.log.WithFields(logrus.Fields{"op": "send", "msg_type": p.msgType, "message_id": d.MessageID, "uuid": uuid}).Info("feishu message sent")
	return d.MessageID, nil
}

// upload sends a file to im/v1/files (or an image to im/v1/images) and returns its key.
func (c *Connector) upload(ctx context.Context, a *connectors.Attachment, image bool) (string, error) {
	name := path.Base(strings.ReplaceAll(a.Name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	limit := int64(maxUploadBytes)
	if image {
		limit = maxImageBytes
	}
	switch {
	case len(a.Data) == 0:
		return "", &connectors.Error{Platform: Name, Op: "upload", Msg: "empty file", Permanent: true, Hint: "飞书不接受空文件"}
	case int64(len(a.Data)) > limit:
		return "", &connectors.Error{Platform: Name, Op: "upload", Msg: fmt.Sprintf("file is %d bytes, limit %d", len(a.Data), limit), Permanent: true,
			Hint: fmt.Sprintf("文件超过飞书上传上限（%d MB）", limit>>20)}
	}
	call := apiCall{op: "upload", method: http.MethodPost, limit: true, path: pathFiles}
	if image {
		call.path = pathImages
		call.build = func(r *resty.Request) {
			r.SetMultipartFormData(map[string]string{"image_type": "message"}).
				SetFileReader("image", name, bytes.NewReader(a.Data))
		}
	} else {
		call.build = func(r *resty.Request) {
			r.SetMultipartFormData(map[string]string{"file_type": fileType(name), "file_name": name}).
				SetFileReader("file", name, bytes.NewReader(a.Data))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, uploadTimeout)
	defer cancel()
	_, ans, err := c.exec(ctx, call)
	if err != nil {
		return "", err
	}
	var d struct {
		FileKey  string `json:"file_key"`
		ImageKey string `json:"image_key"`
	}
	if err := json.Unmarshal(ans.Data, &d); err != nil || d.FileKey+d.ImageKey == "" {
		return "", &connectors.Error{Platform: Name, Op: "upload", Msg: "answer without a key"}
	}
	c.log.WithFields(logrus.Fields{"op": "upload", "bytes": len(a.Data), "image": image}).Info("feishu file uploaded")
	return d.FileKey + d.ImageKey, nil
}

// botOpenID is the bot's own open_id (GET bot/v3/info), used to tell "@bot 帮助" from chatter
// that @s someone else. It is fetched once, lazily, with a short timeout so that the callback
// still answers within Feishu's 3 s; on failure it is retried at most once a minute and ""
// (any @ counts) is used meanwhile.
func (c *Connector) botOpenID(ctx context.Context) string {
	c.botMu.Lock()
	defer c.botMu.Unlock()
	if c.botID != "" || (!c.botTried.IsZero() && c.now().Sub(c.botTried) < time.Minute) {
		return c.botID
	}
	c.botTried = c.now()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, ans, err := c.exec(ctx, apiCall{op: "bot_info", method: http.MethodGet, path: pathBotInfo})
	if err != nil {
		c.log.WithError(err).Warn("feishu bot info unavailable; any @ counts as addressed to the bot")
		return ""
	}
	var b struct {
		OpenID string `json:"open_id"`
	}
	_ = json.Unmarshal(ans.Bot, &b)
	c.botID = b.OpenID
	return c.botID
}

// restyLogger sends resty's own warnings to the connector's log at debug level.
type restyLogger struct{ l *logrus.Entry }

func (r restyLogger) Errorf(format string, v ...any) { r.l.Debugf("resty: "+format, v...) }
func (r restyLogger) Warnf(format string, v ...any)  { r.l.Debugf("resty: "+format, v...) }
func (r restyLogger) Debugf(format string, v ...any) { r.l.Debugf("resty: "+format, v...) }
