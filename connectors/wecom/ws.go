package wecom

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"zengshou/connectors"
)

// Smart-robot long connection (PLATFORMS.md §2.1; doc 101463; WecomTeam/aibot-node-sdk
// src/ws.ts, src/client.ts): JSON frames {cmd, headers{req_id}, body}; every frame we send is
// acknowledged by a frame with the same req_id and an errcode.

const (
	wsPingEvery    = 30 * time.Second
	wsMissedPings  = 2
	wsAckTimeout   = 10 * time.Second
	wsMaxBackoff   = 30 * time.Second
	wsChunkBytes   = 512 << 10 // raw bytes per upload chunk
	wsMaxChunks    = 100
	wsMarkdownSize = 4096 // not documented for aibot_send_msg; the group robot's limit (verify)
	// wsRetryAfter is what a send waits when the long connection is down: a reconnect takes
	// seconds (backoff ≤ wsMaxBackoff).
	wsRetryAfter = wsMaxBackoff
)

// errTakenOver: another connection for the same robot was opened, WeCom closed ours. Not
// reconnecting: the two would take turns kicking each other out.
var errTakenOver = errors.New("another long connection for this smart robot took over (disconnected_event)")

type wsHeaders struct {
	ReqID string `json:"req_id"`
}

type wsFrame struct {
	Cmd     string          `json:"cmd,omitempty"`
	Headers wsHeaders       `json:"headers"`
	Body    json.RawMessage `json:"body,omitempty"`
	ErrCode int             `json:"errcode"`
	ErrMsg  string          `json:"errmsg"`
}

type wsOut struct {
	Cmd     string    `json:"cmd"`
	Headers wsHeaders `json:"headers"`
	Body    any       `json:"body,omitempty"`
}

type wsConn struct {
	conn    *websocket.Conn
	ack     time.Duration // how long to wait for an acknowledgement
	wmu     sync.Mutex
	pmu     sync.Mutex
	pending map[string]chan wsFrame
	done    chan struct{}
	once    sync.Once
}

func newReqID(cmd string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return cmd + "_" + strconv.FormatInt(time.Now().UnixMilli(), 10) + "_" + hex.EncodeToString(b[:])
}

func (w *wsConn) close() {
	w.once.Do(func() {
		close(w.done)
		_ = w.conn.Close()
	})
}

// request sends one frame and waits for its acknowledgement.
func (w *wsConn) request(ctx context.Context, cmd, reqID string, body any) (wsFrame, error) {
	if reqID == "" {
		reqID = newReqID(cmd)
	}
	ch := make(chan wsFrame, 1)
	w.pmu.Lock()
	w.pending[reqID] = ch
	w.pmu.Unlock()
	defer func() {
		w.pmu.Lock()
		delete(w.pending, reqID)
		w.pmu.Unlock()
	}()
	w.wmu.Lock()
	_ = w.conn.SetWriteDeadline(time.Now().Add(w.ack))
	err := w.conn.WriteJSON(wsOut{Cmd: cmd, Headers: wsHeaders{ReqID: reqID}, Body: body})
	w.wmu.Unlock()
	if err != nil {
		return wsFrame{}, fmt.Errorf("write %s frame: %w", cmd, err)
	}
	t := time.NewTimer(w.ack)
	defer t.Stop()
	select {
	case f := <-ch:
		if f.ErrCode != 0 {
			return f, &connectors.Error{Platform: platform, Op: cmd, Code: f.ErrCode, Msg: f.ErrMsg, RetryAfter: retryIf(isBackoffCode(f.ErrCode))}
		}
		return f, nil
	case <-t.C:
		return wsFrame{}, fmt.Errorf("wait %s ack: timeout after %s", cmd, w.ack)
	case <-w.done:
		return wsFrame{}, fmt.Errorf("wait %s ack: connection closed", cmd)
	case <-ctx.Done():
		return wsFrame{}, fmt.Errorf("wait %s ack: %w", cmd, ctx.Err())
	}
}

func retryIf(b bool) time.Duration {
	if b {
		return retryAfterRateLimit
	}
	return 0
}

func (c *Connector) liveWS() *wsConn {
	c.wsMu.Lock()
	defer c.wsMu.Unlock()
	return c.ws
}

// runLongConn keeps one long connection up until ctx ends, reconnecting with backoff.
func (c *Connector) runLongConn(ctx context.Context, h connectors.Handler) error {
	backoff := time.Second
	for {
		authed, err := c.longConnOnce(ctx, h)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errTakenOver) || connectors.IsPermanent(err) {
			c.log.WithError(err).Error("wecom: smart robot long connection stopped")
			return fmt.Errorf("run long connection: %w", err)
		}
		if authed {
			backoff = time.Second
		}
		c.log.WithError(err).WithField("retry_in", backoff).Warn("wecom: smart robot long connection lost, reconnecting")
		if err := c.sleep(ctx, backoff); err != nil {
			return nil
		}
		backoff *= 2
		if backoff > wsMaxBackoff {
			backoff = wsMaxBackoff
		}
	}
}

// longConnOnce dials, authenticates and serves one connection. authed tells whether the
// subscription succeeded (to reset the reconnect backoff).
func (c *Connector) longConnOnce(ctx context.Context, h connectors.Handler) (authed bool, err error) {
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, c.cfg.BotWSURL, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return false, fmt.Errorf("dial long connection: %w", err)
	}
	conn.SetReadLimit(4 << 20)
	w := &wsConn{conn: conn, ack: c.wsAck, pending: map[string]chan wsFrame{}, done: make(chan struct{})}
	defer w.close()

	readErr := make(chan error, 1)
	go func() { readErr <- c.wsReadLoop(ctx, w, h) }()

	if _, err := w.request(ctx, "aibot_subscribe", "", map[string]string{"bot_id": c.cfg.BotID, "secret": c.cfg.BotSecret}); err != nil {
		var ce *connectors.Error
		if errors.As(err, &ce) {
			ce.Op, ce.Permanent = "subscribe", true
			ce.Hint = "智能机器人长连接认证失败，请核对 wecom.bot_id 和 wecom.bot_secret（环境变量 ZENGSHOU_WECOM_BOT_SECRET）"
			return false, ce
		}
		return false, fmt.Errorf("subscribe long connection: %w", err)
	}
	c.wsMu.Lock()
	c.ws = w
	c.wsMu.Unlock()
	defer func() {
		c.wsMu.Lock()
		if c.ws == w {
			c.ws = nil
		}
		c.wsMu.Unlock()
	}()
	c.log.Info("wecom: smart robot long connection up")

	ticker := time.NewTicker(c.wsPing)
	defer ticker.Stop()
	missed := 0
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case err := <-readErr:
			return true, err
		case <-ticker.C:
			if _, err := w.request(ctx, "ping", "", nil); err != nil {
				missed++
				if missed >= wsMissedPings {
					return true, fmt.Errorf("heartbeat: %d pings unanswered: %w", missed, err)
				}
				continue
			}
			missed = 0
		}
	}
}

// wsReadLoop reads frames: acks go to their waiter, messages to the handler.
func (c *Connector) wsReadLoop(ctx context.Context, w *wsConn, h connectors.Handler) error {
	defer w.close()
	for {
		var f wsFrame
		if err := w.conn.ReadJSON(&f); err != nil {
			return fmt.Errorf("read frame: %w", err)
		}
		switch f.Cmd {
		case "aibot_msg_callback":
			ev, err := parseBotMessage(f.Body, "ws")
			if errors.Is(err, errIgnored) {
				continue
			}
			if err != nil {
				c.log.WithError(err).Warn("wecom: cannot parse long-connection message")
				continue
			}
			ev.Reply[replyReqID] = f.Headers.ReqID
			ev.Once = true // the long connection does not deliver a refused message again
			if ev.Time.IsZero() {
				ev.Time = c.now().UTC()
			}
			go func() {
				hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
				defer cancel()
				if err := h(hctx, ev); err != nil {
					c.log.WithError(err).WithField("msgid", ev.ID).Error("wecom: handler refused a long-connection event")
				}
			}()
		case "aibot_event_callback":
			var body struct {
				Event struct {
					EventType string `json:"eventtype"`
				} `json:"event"`
			}
			_ = json.Unmarshal(f.Body, &body)
			if body.Event.EventType == "disconnected_event" {
				return errTakenOver
			}
		default:
			// Everything else is the acknowledgement of a frame we sent, matched by req_id. Its
			// cmd is empty for subscribe/ping answers but may name the command for others: the
			// official SDK (WecomTeam/aibot-node-sdk src/ws.ts handleFrame, src/types/api.ts
			// WsFrame.cmd "认证/心跳响应时可能为空") routes every non-callback frame by req_id.
			w.pmu.Lock()
			ch := w.pending[f.Headers.ReqID]
			w.pmu.Unlock()
			if ch != nil {
				select {
				case ch <- f:
				default:
				}
			}
		}
	}
}

// send delivers a message over the long connection with aibot_send_msg (markdown, image, file).
func (w *wsConn) send(ctx context.Context, c *Connector, m connectors.Message) (string, error) {
	chats := m.UserIDs
	if m.ChatID != "" {
		chats = []string{m.ChatID}
	}
	if len(chats) == 0 {
		return "", &connectors.Error{Platform: platform, Op: "send", Permanent: true, Msg: errNoRoute.Error()}
	}
	prefix := ""
	if len(m.Mentions) > 0 && m.ChatID != "" {
		prefix = mentionPrefix(m.Mentions, wsMarkdownSize) // <@userid> in smart-robot markdown: (verify)
	}
	parts := splitText(m.Text, wsMarkdownSize-len(prefix))
	// Parts an earlier try of this message delivered are skipped: aibot_send_msg has no
	// duplicate check.
	idem := m.IdempotencyKey
	for _, chat := range chats {
		for i, p := range parts {
			if i == 0 {
				p = prefix + p
			}
			part := chat + "/" + textPartName(i)
			if c.sent.Done(idem, part, []byte(p)) {
				continue
			}
			body := map[string]any{"chatid": chat, "msgtype": "markdown", "markdown": map[string]string{"content": p}}
			if _, err := w.request(ctx, "aibot_send_msg", "", body); err != nil {
				return "", fmt.Errorf("send markdown: %w", err)
			}
			c.sent.Mark(idem, part, []byte(p))
		}
		for _, a := range []struct {
			att  *connectors.Attachment
			kind string
		}{{m.Image, "image"}, {m.File, "file"}} {
			if a.att == nil || c.sent.Done(idem, chat+"/"+a.kind, attachmentContent(a.att)) {
				continue
			}
			id, err := c.cachedUpload(ctx, "ws:"+a.kind, a.att, func(ctx context.Context) (string, error) {
				return w.upload(ctx, a.kind, a.att)
			})
			if err != nil {
				return "", err
			}
			body := map[string]any{"chatid": chat, "msgtype": a.kind, a.kind: map[string]string{"media_id": id}}
			if _, err := w.request(ctx, "aibot_send_msg", "", body); err != nil {
				return "", fmt.Errorf("send %s: %w", a.kind, err)
			}
			c.sent.Mark(idem, chat+"/"+a.kind, attachmentContent(a.att))
		}
	}
	return "", nil
}

// upload sends a file in 512 KB chunks: init → chunk × n → finish → media_id.
func (w *wsConn) upload(ctx context.Context, kind string, a *connectors.Attachment) (string, error) {
	n := (len(a.Data) + wsChunkBytes - 1) / wsChunkBytes
	if n == 0 {
		n = 1
	}
	if n > wsMaxChunks {
		return "", fmt.Errorf("upload %q: %w (%d chunks max)", a.Name, connectors.ErrTooLarge, wsMaxChunks)
	}
	sum := md5.Sum(a.Data)
	f, err := w.request(ctx, "aibot_upload_media_init", "", map[string]any{
		"type": kind, "filename": a.Name, "total_size": len(a.Data), "total_chunks": n, "md5": hex.EncodeToString(sum[:]),
	})
	if err != nil {
		return "", fmt.Errorf("init upload: %w", err)
	}
	var init struct {
		UploadID string `json:"upload_id"`
	}
	if err := json.Unmarshal(f.Body, &init); err != nil || init.UploadID == "" {
		return "", errors.New("init upload: no upload_id in the answer")
	}
	for i := 0; i < n; i++ {
		end := min((i+1)*wsChunkBytes, len(a.Data))
		chunk := a.Data[i*wsChunkBytes : end]
		if _, err := w.request(ctx, "aibot_upload_media_chunk", "", map[string]any{
			"upload_id": init.UploadID, "chunk_index": i, "base64_data": base64.StdEncoding.EncodeToString(chunk),
		}); err != nil {
			return "", fmt.Errorf("upload chunk %d: %w", i, err)
		}
	}
	f, err = w.request(ctx, "aibot_upload_media_finish", "", map[string]string{"upload_id": init.UploadID})
	if err != nil {
		return "", fmt.Errorf("finish upload: %w", err)
	}
	var fin struct {
		MediaID string `json:"media_id"`
	}
	if err := json.Unmarshal(f.Body, &fin); err != nil || fin.MediaID == "" {
		return "", errors.New("finish upload: no media_id in the answer")
	}
	return fin.MediaID, nil
}
