package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zengshou/connectors"
)

// sessionMargin: a sessionWebhook this close to its expiry is not used.
const sessionMargin = time.Minute

// Send implements connectors.Connector. Text goes through the message's sessionWebhook while it
// is valid (the only way, with custom robots, to @ people), then a custom webhook robot set up
// for the chat, then the robot OpenAPI. Files and images are uploaded and sent with the OpenAPI
// (group: groupMessages/send; 1:1 and Message.UserIDs: oToMessages/batchSend). Texts longer
// than Limits().MaxTextRunes are split. The id returned is the last processQueryKey, or "" when
// the message went through a webhook (webhooks give no id).
func (c *Connector) Send(ctx context.Context, m connectors.Message) (string, error) {
	if m.ChatID == "" && len(m.UserIDs) == 0 {
		return "", fmt.Errorf("send message: %w", &connectors.Error{Platform: Platform, Op: "send",
			Msg: "neither chat id nor user ids", Permanent: true})
	}
	t, err := c.target(m)
	if err != nil {
		return "", fmt.Errorf("send message: %w", err)
	}
	// DingTalk cannot deduplicate robot messages: parts already delivered by an earlier try of
	// this message (same IdempotencyKey) are skipped, so a retry sends only what is missing.
	key := m.IdempotencyKey
	var id string
	if strings.TrimSpace(m.Text) != "" {
		for i, chunk := range fitBody(splitText(m.Text, maxTextRunes), m.Markdown, m.Mentions) {
			part := "t" + strconv.Itoa(i)
			if c.sent.Done(key, part, []byte(chunk)) {
				continue
			}
			mentions := m.Mentions
			if i > 0 {
				mentions = nil
			}
			if id, err = c.sendText(ctx, m, t, chunk, mentions); err != nil {
				return id, fmt.Errorf("send message: %w", err)
			}
			c.sent.Mark(key, part, []byte(chunk))
		}
	}
	if m.Image != nil && !c.sent.Done(key, "i", []byte(m.Image.Name), m.Image.Data) {
		mediaID, err := c.uploadMedia(ctx, "image", m.Image.Name, m.Image.Data)
		if err != nil {
			return id, fmt.Errorf("send message: %w", err)
		}
		if id, err = c.sendOpenAPI(ctx, t, "sampleImageMsg", map[string]string{"photoURL": mediaID}); err != nil {
			return id, fmt.Errorf("send message: %w", err)
		}
		c.sent.Mark(key, "i", []byte(m.Image.Name), m.Image.Data)
	}
	if m.File != nil && !c.sent.Done(key, "f", []byte(m.File.Name), m.File.Data) {
		name := m.File.Name
		if name == "" {
			name = "result.xlsx"
		}
		mediaID, err := c.uploadMedia(ctx, "file", name, m.File.Data)
		if err != nil {
			return id, fmt.Errorf("send message: %w", err)
		}
		param := map[string]string{"mediaId": mediaID, "fileName": name, "fileType": fileType(name)}
		if id, err = c.sendOpenAPI(ctx, t, "sampleFile", param); err != nil {
			return id, fmt.Errorf("send message: %w", err)
		}
		c.sent.Mark(key, "f", []byte(m.File.Name), m.File.Data)
	}
	return id, nil
}

// target is where a message goes for the OpenAPI.
type target struct {
	users []string // 1:1 robot messages (reminders, direct chats)
	group string   // openConversationId
}

func (c *Connector) target(m connectors.Message) (target, error) {
	if len(m.UserIDs) > 0 {
		return target{users: m.UserIDs}, nil
	}
	if m.Reply[ReplyConvType] == convSingle {
		staff := m.Reply[ReplySenderStaffID]
		if staff == "" {
			return target{}, &connectors.Error{Platform: Platform, Op: "send", Permanent: true,
				Msg:  "direct chat without senderStaffId",
				Hint: "单聊对方不是本企业员工（没有 staffId），机器人无法单聊回复"}
		}
		return target{users: []string{staff}}, nil
	}
	return target{group: m.ChatID}, nil
}

func (c *Connector) sendOpenAPI(ctx context.Context, t target, msgKey string, param any) (string, error) {
	if len(t.users) > 0 {
		return c.otoSend(ctx, t.users, msgKey, param)
	}
	return c.groupSend(ctx, t.group, msgKey, param)
}

func (c *Connector) sendText(ctx context.Context, m connectors.Message, t target, text string, mentions []string) (string, error) {
	if len(m.UserIDs) == 0 {
		payload := webhookPayload(text, m.Markdown, mentions)
		if sw := c.sessionWebhook(m); sw != "" {
			err := c.postWebhook(ctx, "send session webhook", sw, payload)
			if err == nil {
				return "", nil
			}
			// Fall back only when DingTalk refused (expired session …); a transport error may
			// have delivered the message, so it goes back to the caller.
			var e *connectors.Error
			if !errors.As(err, &e) || !e.Permanent {
				return "", err
			}
			c.log.WithError(err).Info("dingtalk: sessionWebhook refused, falling back")
		}
		if w, ok := c.webhookFor(m.ChatID); ok && t.group != "" {
			return "", c.sendCustomWebhook(ctx, w, payload)
		}
	}
	if len(mentions) > 0 {
		c.log.Debug("dingtalk: the robot OpenAPI cannot @ people; sending without @")
	}
	if m.Markdown {
		return c.sendOpenAPI(ctx, t, "sampleMarkdown", map[string]string{"title": title(text), "text": text})
	}
	return c.sendOpenAPI(ctx, t, "sampleText", map[string]string{"content": text})
}

// sessionWebhook returns the message's sessionWebhook if it is still valid and points at the
// configured oapi host (Message.Reply comes back from storage: never post to another host).
func (c *Connector) sessionWebhook(m connectors.Message) string {
	sw := m.Reply[ReplySessionWebhook]
	if sw == "" {
		return ""
	}
	exp, err := strconv.ParseInt(m.Reply[ReplySessionExpires], 10, 64)
	if err != nil || !c.now().Add(sessionMargin).Before(time.UnixMilli(exp)) {
		return ""
	}
	if !sameHost(sw, c.cfg.OapiURL) {
		c.log.Warn("dingtalk: sessionWebhook host is not the oapi host; not used")
		return ""
	}
	return sw
}

// webhookFor finds the custom robot for a chat. Config keys may have been lower-cased by the
// config loader, conversation ids are mixed case: compare without case.
func (c *Connector) webhookFor(chatID string) (Webhook, bool) {
	if chatID == "" {
		return Webhook{}, false
	}
	if w, ok := c.cfg.Webhooks[chatID]; ok {
		return w, true
	}
	for k, w := range c.cfg.Webhooks {
		if strings.EqualFold(k, chatID) {
			return w, true
		}
	}
	return Webhook{}, false
}

// webhookPayload is a sessionWebhook / custom robot message. Every @ must also appear in the
// text (§3.4), so missing "@userid" are appended.
func webhookPayload(text string, markdown bool, mentions []string) map[string]any {
	for _, u := range mentions {
		if !strings.Contains(text, "@"+u) {
			text += " @" + u
		}
	}
	p := map[string]any{}
	if markdown {
		p["msgtype"] = "markdown"
		p["markdown"] = map[string]string{"title": title(text), "text": text}
	} else {
		p["msgtype"] = "text"
		p["text"] = map[string]string{"content": text}
	}
	if len(mentions) > 0 {
		p["at"] = map[string]any{"atUserIds": mentions, "isAtAll": false}
	}
	return p
}

// title is the markdown title shown in notifications: the first line, at most 20 runes.
func title(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(strings.TrimLeft(line, "#> *"))
	if r := []rune(line); len(r) > 20 {
		line = string(r[:20])
	}
	if line == "" {
		return "消息"
	}
	return line
}

// fileType is the sampleFile fileType: the extension without the dot, lower case.
func fileType(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if ext == "" {
		return "file"
	}
	return ext
}

// fitBody splits further any chunk whose message body would pass maxBodyBytes on one of the
// routes a text may take (sessionWebhook / custom robot payload, or the OpenAPI body with its
// msgParam encoded as a string), measured as resty sends it (encoding/json). Mentions ride on
// the first chunk only, as in Send.
func fitBody(chunks []string, markdown bool, mentions []string) []string {
	var out []string
	for i, chunk := range chunks {
		at := mentions
		if i > 0 {
			at = nil
		}
		out = append(out, fitChunk(chunk, markdown, at)...)
	}
	return out
}

func fitChunk(chunk string, markdown bool, mentions []string) []string {
	n := utf8.RuneCountInString(chunk)
	if n <= 1 || bodySize(chunk, markdown, mentions) <= maxBodyBytes {
		return []string{chunk}
	}
	parts := splitText(chunk, (n+1)/2)
	out := fitChunk(parts[0], markdown, mentions)
	for _, p := range parts[1:] {
		out = append(out, fitChunk(p, markdown, nil)...)
	}
	return out
}

// bodySize is the larger of the webhook body and the OpenAPI body that would carry text.
func bodySize(text string, markdown bool, mentions []string) int {
	hook, _ := json.Marshal(webhookPayload(text, markdown, mentions))
	var param any = map[string]string{"content": text}
	key := "sampleText"
	if markdown {
		param, key = map[string]string{"title": title(text), "text": text}, "sampleMarkdown"
	}
	p, _ := json.Marshal(param)
	api, _ := json.Marshal(map[string]string{"msgKey": key, "msgParam": string(p)})
	return max(len(hook), len(api)+idsAllowance)
}

// idsAllowance is room in an OpenAPI body for robotCode and openConversationId or up to
// otoBatch userIds.
const idsAllowance = 1024

// splitText cuts s into pieces of at most max runes, at a line break in the second half of a
// piece when there is one.
func splitText(s string, max int) []string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return []string{s}
	}
	var out []string
	r := []rune(s)
	for len(r) > max {
		cut := max
		for i := max - 1; i >= max/2; i-- {
			if r[i] == '\n' {
				cut = i + 1
				break
			}
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}
