package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"zengshou/config/redact"
	"zengshou/connectors"
)

const (
	// CallbackPath is where the HTTP event callback is mounted.
	CallbackPath = "/callback/feishu"
	// maxCallbackBytes caps a callback body. The largest event we accept is a text message
	// (body ≤150 KB, PLATFORMS.md §1.4); base64 of the encrypted form adds a third, the
	// envelope a little more. 1 MiB leaves room for both and still bounds memory.
	maxCallbackBytes = 1 << 20
	// signatureWindow bounds X-Lark-Request-Timestamp. Feishu documents no window
	// (PLATFORMS.md §1.2 suggests ±5 min plus dedupe); redeliveries are signed anew.
	signatureWindow = 5 * time.Minute

	eventReceiveMessage = "im.message.receive_v1"

	headerTimestamp = "X-Lark-Request-Timestamp"
	headerNonce     = "X-Lark-Request-Nonce"
	headerSignature = "X-Lark-Signature"
)

var (
	errUnauthorized = errors.New("unauthorized callback")
	errBadRequest   = errors.New("bad callback")
)

// envelope is the decrypted callback body: url_verification (type/challenge/token, or schema
// 2.0 with header.token) or a schema 2.0 event.
type envelope struct {
	Schema    string `json:"schema"`
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Token     string `json:"token"`
	Header    struct {
		EventID    string `json:"event_id"`
		EventType  string `json:"event_type"`
		Token      string `json:"token"`
		TenantKey  string `json:"tenant_key"`
		CreateTime string `json:"create_time"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

type userID struct {
	OpenID  string `json:"open_id"`
	UnionID string `json:"union_id"`
	UserID  string `json:"user_id"`
}

// receiveEvent is the event of im.message.receive_v1 (PLATFORMS.md §1.1).
type receiveEvent struct {
	Sender struct {
		SenderID   userID `json:"sender_id"`
		SenderType string `json:"sender_type"`
		TenantKey  string `json:"tenant_key"`
	} `json:"sender"`
	Message struct {
		MessageID   string `json:"message_id"`
		RootID      string `json:"root_id"`
		ParentID    string `json:"parent_id"`
		CreateTime  string `json:"create_time"`
		ChatID      string `json:"chat_id"`
		ThreadID    string `json:"thread_id"`
		ChatType    string `json:"chat_type"`
		MessageType string `json:"message_type"`
		Content     string `json:"content"`
		Mentions    []struct {
			Key  string `json:"key"`
			ID   userID `json:"id"`
			Name string `json:"name"`
		} `json:"mentions"`
	} `json:"message"`
}

// callbackResult is what the HTTP layer writes back.
type callbackResult struct {
	status int
	body   any
}

func (c *Connector) callbackHandler(h connectors.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"msg": "method not allowed"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"msg": "body too large"})
				return
			}
			writeJSON(w, http.StatusBadRequest, map[string]string{"msg": "read body failed"})
			return
		}
		res := c.handleCallback(r.Context(), r.Header, body, h)
		writeJSON(w, res.status, res.body)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handleCallback authenticates, decrypts and dispatches one callback body. It is the fuzz target:
// it must never panic and must call h only for a body that passed the token and signature checks.
func (c *Connector) handleCallback(ctx context.Context, hdr http.Header, body []byte, h connectors.Handler) callbackResult {
	log := c.log.WithField("op", "callback")
	plain, signed, err := c.open(hdr, body)
	if err != nil {
		log.WithError(err).Warn("feishu callback rejected")
		return rejected(err)
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		log.Warn("feishu callback rejected: payload is not JSON")
		return rejected(errBadRequest)
	}
	token := env.Token
	if env.Schema == "2.0" {
		token = env.Header.Token
	}
	if !equalSecret(token, c.cfg.VerificationToken) {
		log.Warn("feishu callback rejected: verification token mismatch")
		return rejected(errUnauthorized)
	}
	if env.Type == "url_verification" {
		// The challenge carries no signature headers (PLATFORMS.md §1.2, §6 #5); the token is
		// its proof. Answer at once.
		log.Info("feishu url_verification answered")
		return callbackResult{http.StatusOK, map[string]string{"challenge": env.Challenge}}
	}
	if c.cfg.EncryptKey != "" && !signed {
		log.Warn("feishu callback rejected: event without signature")
		return rejected(errUnauthorized)
	}
	ev, ok, err := c.toEvent(ctx, &env)
	if err != nil {
		// Authenticated but unreadable: a redelivery would be just as unreadable, so acknowledge.
		log.WithError(err).WithField("event_id", env.Header.EventID).Warn("feishu event ignored")
		return acked()
	}
	if !ok {
		return acked()
	}
	if err := h(ctx, ev); err != nil {
		log.WithField("error", redact.Text(err.Error())).WithField("message_id", ev.ID).Error("feishu event not accepted; Feishu will redeliver")
		return callbackResult{http.StatusInternalServerError, map[string]string{"msg": "not accepted, retry later"}}
	}
	return acked()
}

func acked() callbackResult {
	return callbackResult{http.StatusOK, map[string]string{"msg": "success"}}
}

func rejected(err error) callbackResult {
	if errors.Is(err, errUnauthorized) {
		return callbackResult{http.StatusUnauthorized, map[string]string{"msg": "unauthorized"}}
	}
	return callbackResult{http.StatusBadRequest, map[string]string{"msg": "bad request"}}
}

// open checks the signature (when present) over the raw body before anything else, then
// decrypts. signed tells whether a valid signature was checked. With an Encrypt Key set, an
// unencrypted body is refused: Feishu always encrypts then, so a plain body is a forgery.
func (c *Connector) open(hdr http.Header, body []byte) (plain []byte, signed bool, err error) {
	if c.cfg.EncryptKey == "" {
		return body, false, nil
	}
	if sig := hdr.Get(headerSignature); sig != "" {
		ts := hdr.Get(headerTimestamp)
		sec, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			return nil, false, fmt.Errorf("parse timestamp: %w", errUnauthorized)
		}
		if d := c.now().Sub(time.Unix(sec, 0)); d > signatureWindow || d < -signatureWindow {
			return nil, false, fmt.Errorf("check timestamp window: %w", errUnauthorized)
		}
		if !validSignature(sig, ts, hdr.Get(headerNonce), c.cfg.EncryptKey, body) {
			return nil, false, fmt.Errorf("check signature: %w", errUnauthorized)
		}
		signed = true
	}
	var outer struct {
		Encrypt *string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &outer); err != nil || outer.Encrypt == nil {
		return nil, false, fmt.Errorf("read encrypt field: %w", errBadRequest)
	}
	plain, err = decrypt(c.cfg.EncryptKey, *outer.Encrypt)
	if err != nil {
		return nil, false, fmt.Errorf("decrypt body: %w", errors.Join(errBadRequest, err))
	}
	return plain, signed, nil
}

// toEvent turns an authenticated event into a connectors.Event. ok is false for events the bot
// does not need (other event types, bot senders, messages that are neither files nor commands).
func (c *Connector) toEvent(ctx context.Context, env *envelope) (ev connectors.Event, ok bool, err error) {
	if env.Schema != "2.0" || env.Header.EventType != eventReceiveMessage {
		return ev, false, nil
	}
	var re receiveEvent
	if err := json.Unmarshal(env.Event, &re); err != nil {
		return ev, false, fmt.Errorf("decode receive event: %w", err)
	}
	m := re.Message
	if re.Sender.SenderType != "user" || m.MessageID == "" || m.ChatID == "" {
		return ev, false, nil
	}
	ev = connectors.Event{
		Platform: Name,
		ID:       m.MessageID,
		ChatID:   m.ChatID,
		ChatType: connectors.ChatGroup,
		SenderID: c.pickID(re.Sender.SenderID),
		Tenant:   env.Header.TenantKey,
		Time:     msTime(m.CreateTime),
		Reply:    map[string]string{"message_id": m.MessageID},
	}
	if m.ChatType == "p2p" {
		ev.ChatType = connectors.ChatDirect
	}
	if m.ThreadID != "" {
		ev.Reply["thread_id"] = m.ThreadID
	}
	switch m.MessageType {
	case "file":
		var fc struct {
			FileKey  string `json:"file_key"`
			FileName string `json:"file_name"`
		}
		if err := json.Unmarshal([]byte(m.Content), &fc); err != nil {
			return ev, false, fmt.Errorf("decode file content: %w", err)
		}
		if fc.FileKey == "" {
			return ev, false, fmt.Errorf("decode file content: %w", errors.New("empty file_key"))
		}
		ev.Kind = connectors.EventFile
		ev.File = &connectors.FileRef{Name: fc.FileName, Key: fc.FileKey, Meta: map[string]string{"message_id": m.MessageID}}
		return ev, true, nil
	case "text":
		var tc struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(m.Content), &tc); err != nil {
			return ev, false, fmt.Errorf("decode text content: %w", err)
		}
		text := tc.Text
		addressed := ev.ChatType == connectors.ChatDirect
		botID := ""
		if !addressed && len(m.Mentions) > 0 {
			botID = c.botOpenID(ctx)
		}
		for _, mn := range m.Mentions {
			if mn.Key == "" {
				continue
			}
			if botID == "" || mn.ID.OpenID == botID {
				// With passive watching (im:message.group_msg) every group chat line arrives; only
				// lines that @ the bot are commands. Without the bot's open_id, any @ counts.
				addressed = true
				text = strings.ReplaceAll(text, mn.Key, "")
			} else {
				text = strings.ReplaceAll(text, mn.Key, "@"+mn.Name)
			}
		}
		if !addressed {
			return ev, false, nil
		}
		ev.Kind = connectors.EventText
		ev.Text = strings.Join(strings.Fields(text), " ")
		return ev, ev.Text != "", nil
	default:
		return ev, false, nil
	}
}

func (c *Connector) pickID(id userID) string {
	switch c.cfg.UserIDType {
	case "user_id":
		if id.UserID != "" {
			return id.UserID
		}
	case "union_id":
		if id.UnionID != "" {
			return id.UnionID
		}
	}
	return id.OpenID
}

// msTime reads Feishu's millisecond timestamps; zero when absent or malformed.
func msTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
