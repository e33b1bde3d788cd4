package wecom

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"zengshou/connectors"
)

// maxCallbackBody caps a callback body. Callbacks carry a few KB of text; the file itself never
// travels in a callback (only its media id or URL).
const maxCallbackBody = 256 << 10

// handlerTimeout is how long the bot's handler may take: WeCom waits 5 s for the answer
// (PLATFORMS.md §2.6), and the answer must still travel back.
const handlerTimeout = 4 * time.Second

// kind of callback endpoint.
type endpoint int

const (
	appEndpoint endpoint = iota // self-built app: XML, receive id = corp id
	botEndpoint                 // smart robot: JSON, receive id = "" (PLATFORMS.md §2.2)
)

type callbackHandler struct {
	c     *Connector
	crypt *msgCrypt
	kind  endpoint
	h     connectors.Handler
}

// receiverOK checks the receive id at the end of the decrypted plaintext.
func (cb *callbackHandler) receiverOK(id string) bool {
	if cb.kind == appEndpoint {
		return id == cb.c.cfg.CorpID
	}
	// The smart robot encrypts with an empty receive id; accept the corp id too in case a
	// tenant's robot uses it.
	return id == "" || (cb.c.cfg.CorpID != "" && id == cb.c.cfg.CorpID)
}

func (cb *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		cb.verifyURL(w, r)
	case http.MethodPost:
		cb.message(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// queryParam reads a query value; '+' in base64 that arrived unescaped became ' ' and is
// restored (base64 has no spaces).
func queryParam(r *http.Request, name string) string {
	return strings.ReplaceAll(r.URL.Query().Get(name), " ", "+")
}

// verifyURL answers WeCom's GET URL check with the decrypted echostr. No timestamp window: the
// official sample is from 2014 and WeCom's own libraries accept it; the answer reveals nothing
// that the request did not already prove.
func (cb *callbackHandler) verifyURL(w http.ResponseWriter, r *http.Request) {
	sig, ts, nonce, echo := queryParam(r, "msg_signature"), queryParam(r, "timestamp"), queryParam(r, "nonce"), queryParam(r, "echostr")
	if sig == "" || echo == "" {
		http.Error(w, "missing parameters", http.StatusBadRequest)
		return
	}
	if err := cb.crypt.verify(sig, ts, nonce, echo); err != nil {
		cb.c.log.Warn("wecom: URL verification with a bad signature")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	msg, rid, err := cb.crypt.decrypt(echo)
	if err != nil {
		cb.c.log.WithError(err).Warn("wecom: URL verification: cannot decrypt echostr")
		http.Error(w, "bad echostr", http.StatusBadRequest)
		return
	}
	if !cb.receiverOK(rid) {
		cb.c.log.Warn("wecom: URL verification for another receive id (check wecom.corp_id)")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(msg)
}

// xmlEnvelope is the outer, unencrypted POST body of an app callback.
type xmlEnvelope struct {
	ToUserName string `xml:"ToUserName"`
	Encrypt    string `xml:"Encrypt"`
	AgentID    string `xml:"AgentID"`
}

// jsonEnvelope is the outer POST body of a smart-robot callback.
type jsonEnvelope struct {
	Encrypt string `json:"encrypt"`
}

// errIgnored marks a verified callback that carries nothing for the bot (an event, an image).
var errIgnored = errors.New("nothing for the bot")

func (cb *callbackHandler) message(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	encrypt, err := cb.envelope(body)
	if err != nil || encrypt == "" {
		http.Error(w, "bad envelope", http.StatusBadRequest)
		return
	}
	// The signature is checked before anything inside the ciphertext is looked at.
	if err := cb.crypt.verify(queryParam(r, "msg_signature"), queryParam(r, "timestamp"), queryParam(r, "nonce"), encrypt); err != nil {
		cb.c.log.Warn("wecom: callback with a bad signature")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	plain, rid, err := cb.crypt.decrypt(encrypt)
	if err != nil {
		cb.c.log.WithError(err).Warn("wecom: cannot decrypt callback")
		http.Error(w, "bad ciphertext", http.StatusBadRequest)
		return
	}
	if !cb.receiverOK(rid) {
		cb.c.log.Warn("wecom: callback for another receive id")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var ev connectors.Event
	if cb.kind == appEndpoint {
		ev, err = parseAppMessage(plain)
	} else {
		ev, err = parseBotMessage(plain, "http")
	}
	switch {
	case errors.Is(err, errIgnored):
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		cb.c.log.WithError(err).Warn("wecom: cannot parse callback payload")
		// Verified but unreadable: answer 200 so WeCom does not resend something we will never read.
		w.WriteHeader(http.StatusOK)
		return
	}
	if ev.Time.IsZero() {
		ev.Time = cb.c.now().UTC()
	}
	ctx, cancel := context.WithTimeout(r.Context(), handlerTimeout)
	defer cancel()
	if err := cb.h(ctx, ev); err != nil {
		cb.c.log.WithError(err).WithField("msgid", ev.ID).Error("wecom: handler refused the event; WeCom will resend")
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	cb.c.log.WithFields(map[string]any{"msgid": ev.ID, "kind": ev.Kind, "chat_type": ev.ChatType, "chat_id": ev.ChatID}).Debug("wecom: event accepted")
	w.WriteHeader(http.StatusOK)
}

func (cb *callbackHandler) envelope(body []byte) (string, error) {
	if cb.kind == botEndpoint {
		var env jsonEnvelope
		if err := json.Unmarshal(body, &env); err != nil {
			return "", fmt.Errorf("parse envelope: %w", err)
		}
		return env.Encrypt, nil
	}
	var env xmlEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("parse envelope: %w", err)
	}
	return env.Encrypt, nil
}

// appMessageXML is the decrypted app message (docs 90239/90240). MsgId is kept as text so the
// 64-bit id survives exactly.
type appMessageXML struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MediaID      string `xml:"MediaId"`
	FileName     string `xml:"FileName"`
	Title        string `xml:"Title"`
	FileSize     int64  `xml:"FileSize"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
	Event        string `xml:"Event"`
}

// parseAppMessage turns a decrypted app callback into an Event. Text and file messages reach
// the bot; events and other types are acknowledged and dropped.
func parseAppMessage(plain []byte) (connectors.Event, error) {
	var m appMessageXML
	if err := xml.Unmarshal(plain, &m); err != nil {
		return connectors.Event{}, fmt.Errorf("parse app message: %w", err)
	}
	id := strings.TrimSpace(m.MsgID)
	if m.MsgType == "event" || id == "" {
		return connectors.Event{}, errIgnored
	}
	if m.FromUserName == "" {
		return connectors.Event{}, errors.New("parse app message: no FromUserName")
	}
	ev := connectors.Event{
		Platform: platform,
		ID:       id,
		ChatID:   m.FromUserName,
		ChatType: connectors.ChatDirect,
		SenderID: m.FromUserName,
		Tenant:   m.ToUserName,
		Time:     time.Unix(m.CreateTime, 0).UTC(),
		Reply:    map[string]string{replyVia: viaApp, replyToUser: m.FromUserName, replyChatType: string(connectors.ChatDirect)},
	}
	switch m.MsgType {
	case "text":
		ev.Kind = connectors.EventText
		ev.Text = strings.TrimSpace(m.Content)
	case "file":
		if m.MediaID == "" {
			return connectors.Event{}, errors.New("parse app message: file without MediaId")
		}
		name := m.FileName
		if name == "" {
			name = m.Title
		}
		ev.Kind = connectors.EventFile
		ev.File = &connectors.FileRef{Name: name, Key: m.MediaID, Size: m.FileSize, Meta: map[string]string{metaSource: sourceMedia}}
	default:
		return connectors.Event{}, errIgnored
	}
	return ev, nil
}

// Keys of Event.Reply and FileRef.Meta.
const (
	replyVia         = "via"
	replyToUser      = "touser"
	replyChatType    = "chat_type"
	replyResponseURL = "response_url"
	replyReqID       = "req_id"
	viaApp           = "app"
	viaBotHTTP       = "aibot_http"
	viaBotWS         = "aibot_ws"

	metaSource  = "source"
	metaAESKey  = "aeskey"
	sourceMedia = "media" // app media id, /cgi-bin/media/get
	sourceBot   = "aibot" // smart-robot encrypted URL
)

// botMessageJSON is a decrypted smart-robot callback (PLATFORMS.md §2.1). msgid is a string.
type botMessageJSON struct {
	MsgID    string `json:"msgid"`
	AIBotID  string `json:"aibotid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"`
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	CreateTime  json.Number  `json:"create_time"`
	ResponseURL string       `json:"response_url"`
	MsgType     string       `json:"msgtype"`
	Text        *textPart    `json:"text"`
	File        *filePart    `json:"file"`
	Mixed       *mixedPart   `json:"mixed"`
	Voice       *textPart    `json:"voice"`
	Quote       *botQuoteRef `json:"quote"`
}

type textPart struct {
	Content string `json:"content"`
}

type filePart struct {
	URL      string `json:"url"`
	AESKey   string `json:"aeskey"`
	FileName string `json:"filename"`
}

type mixedPart struct {
	Items []struct {
		MsgType string    `json:"msgtype"`
		Text    *textPart `json:"text"`
	} `json:"msg_item"`
}

type botQuoteRef struct {
	MsgType string    `json:"msgtype"`
	Text    *textPart `json:"text"`
	File    *filePart `json:"file"`
}

// parseBotMessage turns a decrypted smart-robot callback (HTTP or long connection) into an Event.
// A file sent 1:1 and a file quoted with @bot become EventFile; text becomes EventText.
func parseBotMessage(plain []byte, mode string) (connectors.Event, error) {
	var m botMessageJSON
	if err := json.Unmarshal(plain, &m); err != nil {
		return connectors.Event{}, fmt.Errorf("parse robot message: %w", err)
	}
	if m.MsgID == "" || m.MsgType == "event" || m.MsgType == "stream" {
		return connectors.Event{}, errIgnored
	}
	if m.From.UserID == "" {
		return connectors.Event{}, errors.New("parse robot message: no from.userid")
	}
	ev := connectors.Event{
		Platform: platform,
		ID:       m.MsgID,
		SenderID: m.From.UserID,
		Reply:    map[string]string{},
	}
	if mode == "ws" {
		ev.Reply[replyVia] = viaBotWS
	} else {
		ev.Reply[replyVia] = viaBotHTTP
	}
	if m.ChatType == "group" {
		if m.ChatID == "" {
			return connectors.Event{}, errors.New("parse robot message: group message without chatid")
		}
		ev.ChatID, ev.ChatType = m.ChatID, connectors.ChatGroup
	} else {
		ev.ChatID, ev.ChatType = m.From.UserID, connectors.ChatDirect
		ev.Reply[replyToUser] = m.From.UserID
	}
	ev.Reply[replyChatType] = string(ev.ChatType)
	if m.ResponseURL != "" {
		ev.Reply[replyResponseURL] = m.ResponseURL
	}
	if sec, err := m.CreateTime.Int64(); err == nil && sec > 0 {
		ev.Time = time.Unix(sec, 0).UTC()
	}
	text := ""
	switch {
	case m.Text != nil:
		text = m.Text.Content
	case m.Voice != nil:
		text = m.Voice.Content
	case m.Mixed != nil:
		var parts []string
		for _, it := range m.Mixed.Items {
			if it.MsgType == "text" && it.Text != nil {
				parts = append(parts, it.Text.Content)
			}
		}
		text = strings.Join(parts, "\n")
	}
	ev.Text = stripMention(text)

	var f *filePart
	switch {
	case m.MsgType == "file" && m.File != nil:
		f = m.File
	case m.Quote != nil && m.Quote.MsgType == "file" && m.Quote.File != nil:
		f = m.Quote.File
	}
	switch {
	case f != nil:
		if f.URL == "" {
			return connectors.Event{}, errors.New("parse robot message: file without url")
		}
		meta := map[string]string{metaSource: sourceBot}
		if f.AESKey != "" {
			meta[metaAESKey] = f.AESKey
		}
		ev.Kind = connectors.EventFile
		ev.File = &connectors.FileRef{Name: f.FileName, Key: f.URL, Meta: meta}
	case m.MsgType == "text" || m.MsgType == "mixed" || m.MsgType == "voice":
		// A voice message arrives already transcribed; a spoken "帮助" is a command too.
		ev.Kind = connectors.EventText
	default:
		return connectors.Event{}, errIgnored
	}
	return ev, nil
}

// stripMention removes leading "@name" words (the robot's mention in a group).
func stripMention(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}

// unixString formats seconds for signatures.
func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
