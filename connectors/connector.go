// Package connectors is the one interface a chat platform implements. A connector knows its
// platform's wire format (events, signatures, encryption, file and message APIs) and nothing
// about the policy: it turns platform callbacks into Event values and Message values into API
// calls. The bot owns time, storage and people.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// EventKind says what a cadre did.
type EventKind string

const (
	// EventFile is a file posted in a chat, sent to the bot, or quoted with @bot.
	EventFile EventKind = "file"
	// EventText is a text message addressed to the bot (a command such as 帮助 or 进度).
	EventText EventKind = "text"
)

// ChatType tells a group chat from a direct (1:1) chat.
type ChatType string

const (
	ChatGroup  ChatType = "group"
	ChatDirect ChatType = "direct"
)

// FileRef is what a connector needs later to download a file. Key is platform specific
// (Feishu file_key, WeCom media id or encrypted URL, DingTalk downloadCode, local path).
// Name is the name the cadre gave the file: display only, never a filesystem path.
type FileRef struct {
	Name string            `json:"name"`
	Key  string            `json:"key"`
	Size int64             `json:"size,omitempty"`
	Meta map[string]string `json:"meta,omitempty"` // e.g. an AES key for an encrypted URL
}

// Event is one inbound message, already verified and decrypted by the connector.
type Event struct {
	Platform   string    `json:"platform"`    // "local", "feishu", "wecom", "dingtalk"
	ID         string    `json:"id"`          // platform message id: the dedupe key with Platform
	Kind       EventKind `json:"kind"`        //
	ChatID     string    `json:"chat_id"`     // where to reply
	ChatType   ChatType  `json:"chat_type"`   //
	SenderID   string    `json:"sender_id"`   // platform user id of the sender
	SenderName string    `json:"sender_name"` // display name, if the platform gives one
	Tenant     string    `json:"tenant,omitempty"`
	Text       string    `json:"text,omitempty"` // command text with the @bot mention removed
	File       *FileRef  `json:"file,omitempty"`
	Time       time.Time `json:"time"`
	// Once marks an event the platform will not deliver again if it is refused (a message on a
	// long connection: DingTalk Stream, the WeCom smart robot's WebSocket). The service must
	// keep such an event even when it cannot store it as a job right away.
	Once bool `json:"once,omitempty"`
	// Reply carries what the platform needs to answer in place (a sessionWebhook, a response_url,
	// a thread root). Opaque to the bot; stored with the job and handed back in Message.Reply.
	Reply map[string]string `json:"reply,omitempty"`
}

// Attachment is a file the bot sends.
type Attachment struct {
	Name string `json:"name"`
	Data []byte `json:"-"`
}

// Message is one outbound message. Either ChatID (a group or direct chat) or UserIDs (direct
// messages to each user) is set. Mentions are user ids to @ in a group.
type Message struct {
	Kind     string            `json:"kind"` // reply | reminder | summary | error | notice (news for admins, no error)
	ChatID   string            `json:"chat_id,omitempty"`
	UserIDs  []string          `json:"user_ids,omitempty"`
	Mentions []string          `json:"mentions,omitempty"`
	Text     string            `json:"text"`
	Markdown bool              `json:"markdown,omitempty"`
	File     *Attachment       `json:"file,omitempty"`
	Image    *Attachment       `json:"image,omitempty"`    // e.g. the leader summary chart (PNG)
	ReplyTo  string            `json:"reply_to,omitempty"` // inbound message id to answer in thread
	Reply    map[string]string `json:"reply,omitempty"`    // Event.Reply of the message answered
	// IdempotencyKey is stable across retries of the same logical message, so a platform that
	// supports it (Feishu uuid, WeCom enable_duplicate_check) never shows it twice.
	IdempotencyKey string `json:"idempotency_key"`
}

// Limits are the platform's documented limits the bot must respect.
type Limits struct {
	MaxTextRunes     int     // longest text a single message may carry; the bot splits longer ones
	PerChatPerSecond float64 // send rate per chat
	PerAppPerSecond  float64 // send rate for the whole app (0 = none)
	MaxFileBytes     int64   // largest file the platform lets the bot download or upload
}

// Handler receives verified events. It returns nil once the event is durably accepted (the job
// is persisted and deduplicated); only then may the connector acknowledge the platform.
type Handler func(ctx context.Context, ev Event) error

// Route is an HTTP callback a connector serves, mounted by the bot's HTTP server.
type Route struct {
	Pattern string // e.g. "/callback/feishu"
	Handler http.Handler
}

// Connector is what every platform implements.
type Connector interface {
	// Name is the platform name used in Event.Platform and in config ("feishu", …).
	Name() string
	// Limits states the platform's message and rate limits.
	Limits() Limits
	// Routes returns the HTTP callbacks to mount (none for connectors that only poll or dial out).
	// Events arriving on them are passed to h.
	Routes(h Handler) []Route
	// Receive delivers events from sources the connector itself drives (a watched folder, a
	// WebSocket long connection) to h until ctx ends. Connectors without such a source return nil
	// at once.
	Receive(ctx context.Context, h Handler) error
	// Download writes the file to dst, failing once more than max bytes arrive.
	Download(ctx context.Context, f FileRef, dst io.Writer, max int64) (int64, error)
	// Send delivers a message and returns the platform's id for it.
	Send(ctx context.Context, m Message) (string, error)
}

// NamedDownloader is implemented by a connector whose file events may come without the file's
// name (FileRef.Name empty) although the download answers with it. WeCom is one: a smart-robot
// file message carries only an encrypted URL and an app-callback file message only a MediaId,
// while the download's Content-Disposition header names the file. DownloadNamed is Download
// that also returns that name, already cleaned with CleanFileName ("" when the platform gave
// none). The name is display only, never a path. It is optional: the bot calls DownloadNamed
// when a connector has it and Download otherwise, so Connector is unchanged and connectors whose
// events always carry the name (Feishu, DingTalk, local) need not implement it. The bot uses the
// name only when the event had none, and stores it with the job before it evaluates the file.
type NamedDownloader interface {
	DownloadNamed(ctx context.Context, f FileRef, dst io.Writer, max int64) (n int64, name string, err error)
}

// Error is a platform error with enough to decide what to do next.
type Error struct {
	Platform   string
	Op         string        // "download", "send", "token", …
	Code       int           // platform error code (0 when none)
	HTTPStatus int           // HTTP status (0 when the request never got an answer)
	Msg        string        // the platform's message, never a secret
	Permanent  bool          // retrying will not help (bad credentials, bot not in chat, file too big)
	RetryAfter time.Duration // the platform asked us to wait this long (rate limit reset)
	Hint       string        // plain Chinese advice for the admin, e.g. 60020 "服务器IP不在可信IP列表"
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s: code %d http %d: %s", e.Platform, e.Op, e.Code, e.HTTPStatus, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// ErrTooLarge is returned (wrapped) by Download when the file exceeds the size cap.
var ErrTooLarge = errors.New("file exceeds the size limit")

// IsPermanent reports whether err says retrying cannot help.
func IsPermanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Permanent
	}
	return errors.Is(err, ErrTooLarge)
}

// RetryAfter returns how long the platform asked to wait, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// LimitedWriter copies at most Max bytes to W and fails with ErrTooLarge beyond that; connectors
// use it in Download.
type LimitedWriter struct {
	W   io.Writer
	Max int64
	N   int64
}

func (l *LimitedWriter) Write(p []byte) (int, error) {
	if l.N+int64(len(p)) > l.Max {
		return 0, fmt.Errorf("download: %w (%d bytes max)", ErrTooLarge, l.Max)
	}
	n, err := l.W.Write(p)
	l.N += int64(n)
	return n, err
}
