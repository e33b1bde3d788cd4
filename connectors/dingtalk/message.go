package dingtalk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"zengshou/connectors"
)

// Keys of Event.Reply (and Message.Reply) for DingTalk.
const (
	ReplySessionWebhook = "sessionWebhook"
	ReplySessionExpires = "sessionWebhookExpiredTime" // unix milliseconds, decimal
	ReplyConversationID = "conversationId"
	ReplyConvType       = "conversationType" // "1" single chat, "2" group
	ReplySenderStaffID  = "senderStaffId"
	ReplyRobotCode      = "robotCode"
)

const (
	convSingle = "1"
	convGroup  = "2"
)

// errIgnored marks a well-formed robot message the bot has no use for (a picture, a voice
// note, …): acknowledge it and move on.
var errIgnored = errors.New("message type not handled")

// robotMessage is the robot message payload: the Stream CALLBACK `data` string or the HTTP
// callback body (developerpedia docs/learn/bot/message.md; PLATFORMS.md §3.1).
type robotMessage struct {
	ConversationID            string          `json:"conversationId"`
	ConversationType          string          `json:"conversationType"`
	MsgID                     string          `json:"msgId"`
	MsgType                   string          `json:"msgtype"`
	Text                      *robotText      `json:"text"`
	Content                   json.RawMessage `json:"content"`
	SenderStaffID             string          `json:"senderStaffId"`
	SenderID                  string          `json:"senderId"`
	SenderNick                string          `json:"senderNick"`
	SenderCorpID              string          `json:"senderCorpId"`
	ChatbotCorpID             string          `json:"chatbotCorpId"`
	RobotCode                 string          `json:"robotCode"`
	CreateAt                  flexInt         `json:"createAt"`
	SessionWebhook            string          `json:"sessionWebhook"`
	SessionWebhookExpiredTime flexInt         `json:"sessionWebhookExpiredTime"`
}

type robotText struct {
	Content    string      `json:"content"`
	IsReplyMsg bool        `json:"isReplyMsg"`
	RepliedMsg *repliedMsg `json:"repliedMsg"`
}

// repliedMsg is the quoted message of a quote-reply. Undocumented (PLATFORMS.md §3.1, verify on
// a real tenant): a quoted file has msgType "file" and content.downloadCode.
type repliedMsg struct {
	MsgType string          `json:"msgType"`
	MsgID   string          `json:"msgId"`
	Content json.RawMessage `json:"content"` // an object, or that object as a JSON string
}

// fileContent is the content of a file message (and of a quoted file).
type fileContent struct {
	DownloadCode     string `json:"downloadCode"`
	FileDownloadCode string `json:"fileDownloadCode"`
	FileName         string `json:"fileName"`
	FileID           string `json:"fileId"`
	SpaceID          string `json:"spaceId"`
}

func (f fileContent) code() string {
	if f.DownloadCode != "" {
		return f.DownloadCode
	}
	return f.FileDownloadCode
}

// flexInt decodes a JSON number or a decimal string (timestamps arrive both ways).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode number: %w", err)
		}
		if s == "" {
			return nil
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != f || f > 9e18 || f < -9e18 {
			return fmt.Errorf("decode number: %w", err)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// parseMessage turns a robot message payload into an Event. now stamps messages without
// createAt. It returns errIgnored (wrapped) for message types the bot does not use.
func parseMessage(body []byte, now time.Time) (connectors.Event, error) {
	var m robotMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return connectors.Event{}, fmt.Errorf("parse message: %w", err)
	}
	if m.MsgID == "" {
		return connectors.Event{}, errors.New("parse message: msgId missing")
	}
	if m.ConversationID == "" {
		return connectors.Event{}, errors.New("parse message: conversationId missing")
	}
	ev := connectors.Event{
		Platform:   "dingtalk",
		ID:         m.MsgID,
		ChatID:     m.ConversationID,
		SenderID:   m.SenderStaffID,
		SenderName: m.SenderNick,
		Tenant:     m.SenderCorpID,
		Time:       now,
		Reply: map[string]string{
			ReplyConversationID: m.ConversationID,
			ReplyConvType:       m.ConversationType,
		},
	}
	switch m.ConversationType {
	case convSingle:
		ev.ChatType = connectors.ChatDirect
	case convGroup:
		ev.ChatType = connectors.ChatGroup
	default:
		return connectors.Event{}, fmt.Errorf("parse message: conversationType %q unknown", m.ConversationType)
	}
	if ev.SenderID == "" {
		ev.SenderID = m.SenderID // users outside the organisation have no staff id
	}
	if ev.Tenant == "" {
		ev.Tenant = m.ChatbotCorpID
	}
	if m.CreateAt > 0 {
		ev.Time = time.UnixMilli(int64(m.CreateAt))
	}
	if m.SenderStaffID != "" {
		ev.Reply[ReplySenderStaffID] = m.SenderStaffID
	}
	if m.RobotCode != "" {
		ev.Reply[ReplyRobotCode] = m.RobotCode
	}
	if m.SessionWebhook != "" {
		ev.Reply[ReplySessionWebhook] = m.SessionWebhook
		ev.Reply[ReplySessionExpires] = strconv.FormatInt(int64(m.SessionWebhookExpiredTime), 10)
	}

	switch m.MsgType {
	case "text":
		if m.Text == nil {
			return connectors.Event{}, errors.New("parse message: text missing")
		}
		ev.Kind = connectors.EventText
		ev.Text = stripMentions(m.Text.Content)
		if m.Text.IsReplyMsg && m.Text.RepliedMsg != nil && m.Text.RepliedMsg.MsgType == "file" {
			// A quoted file with @bot: the file is what the cadre means.
			if fc, ok := decodeFileContent(m.Text.RepliedMsg.Content); ok && fc.code() != "" {
				ev.Kind = connectors.EventFile
				ev.File = fileRef(fc)
			}
		}
		return ev, nil
	case "file":
		fc, ok := decodeFileContent(m.Content)
		if !ok || fc.code() == "" {
			return connectors.Event{}, errors.New("parse message: file downloadCode missing")
		}
		ev.Kind = connectors.EventFile
		ev.File = fileRef(fc)
		return ev, nil
	default:
		return connectors.Event{}, fmt.Errorf("parse message: msgtype %q: %w", m.MsgType, errIgnored)
	}
}

func fileRef(fc fileContent) *connectors.FileRef {
	f := &connectors.FileRef{Name: strings.TrimSpace(fc.FileName), Key: fc.code()}
	if fc.FileID != "" || fc.SpaceID != "" {
		f.Meta = map[string]string{}
		if fc.FileID != "" {
			f.Meta["fileId"] = fc.FileID
		}
		if fc.SpaceID != "" {
			f.Meta["spaceId"] = fc.SpaceID
		}
	}
	return f
}

// decodeFileContent reads a content object, or a JSON string holding one.
func decodeFileContent(raw json.RawMessage) (fileContent, bool) {
	var fc fileContent
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return fc, false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fc, false
		}
		raw = []byte(s)
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return fc, false
	}
	return fc, true
}

// stripMentions removes the leading @mentions (DingTalk usually strips the @bot itself and
// leaves a leading space; some clients keep "@机器人名").
func stripMentions(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	}
	return s
}
