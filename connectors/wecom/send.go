package wecom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"zengshou/connectors"
)

// Text limits in bytes: text 2048 (app message doc 90236; group robot PLATFORMS.md §2.4), group
// robot markdown 4096 (PLATFORMS.md §2.4), app markdown 2048 (doc 90236). response_url markdown:
// no limit documented in PLATFORMS.md; the group robot's 4096 is assumed (verify).
const (
	textBytes            = 2048
	webhookMarkdownBytes = 4096
	appMarkdownBytes     = 2048
	responseURLBytes     = 4096
	// webhookImageBytes: a group robot image may be at most 2 MB (PLATFORMS.md §2.4).
	webhookImageBytes = 2 << 20
)

// Help text for cadres, used in error hints: WeCom never shows the bot a file simply posted in
// a group.
const HowToSendHint = "企业微信里机器人看不到直接发到群里的文件：请把表格私聊发给机器人，或在群里长按表格→引用，再 @机器人。"

// Send delivers m. Routing, first match wins:
//  1. ChatID with a group robot key in webhook_keys → group robot webhook (text, markdown with
//     <@userid>, image, file).
//  2. A live smart-robot long connection and a smart-robot chat → aibot_send_msg.
//  3. A smart-robot HTTP event (Reply has response_url) → markdown once through response_url;
//     a file only to a single chat, through the self-built app.
//  4. UserIDs, or a direct chat → app message/send (enable_duplicate_check with an idempotency key);
//     UserIDs without a self-built app but with a live long connection → aibot_send_msg per user.
//  5. ChatID → appchat/send (only chats the app created).
func (c *Connector) Send(ctx context.Context, m connectors.Message) (string, error) {
	if strings.TrimSpace(m.Text) == "" && m.File == nil && m.Image == nil {
		return "", &connectors.Error{Platform: platform, Op: "send", Permanent: true, Msg: "empty message"}
	}
	for _, a := range []*connectors.Attachment{m.File, m.Image} {
		if a != nil && len(a.Data) > maxFileBytes {
			return "", fmt.Errorf("send attachment %q: %w (%d bytes max)", a.Name, connectors.ErrTooLarge, maxFileBytes)
		}
	}
	via := m.Reply[replyVia]
	if m.ChatID != "" {
		if key := c.cfg.WebhookKeys[m.ChatID]; key != "" {
			return "", c.sendViaWebhook(ctx, key, m)
		}
	}
	// Direct messages to users (reminders) go through the self-built app; without one, the smart
	// robot's long connection can push to a user: aibot_send_msg takes the userid as chatid of a
	// single chat (PLATFORMS.md §2.1, §2.4; WecomTeam/aibot-node-sdk sendMessage).
	wsUsers := len(m.UserIDs) > 0 && !c.cfg.appSend()
	if ws := c.liveWS(); ws != nil && (via == viaBotWS || via == viaBotHTTP || (via == "" && m.ChatID != "" && len(m.UserIDs) == 0) || wsUsers) {
		return ws.send(ctx, c, m)
	}
	if c.cfg.botLongConn() && !c.cfg.appSend() && (via == viaBotWS || wsUsers) {
		// Only the long connection can carry this message and it is down (reconnecting, or
		// another instance holds it): a retry after the reconnect delivers it, so not permanent.
		return "", &connectors.Error{Platform: platform, Op: "send", Msg: "smart robot long connection is not up", RetryAfter: wsRetryAfter,
			Hint: "智能机器人长连接暂未连上，稍后自动重试；若持续出现，请检查网络或是否有另一实例占用了同一机器人的长连接"}
	}
	if ru := m.Reply[replyResponseURL]; ru != "" && via == viaBotHTTP {
		if !c.responseURLUsed(ru) || c.responseURLDoneBy(m) {
			// Unused, or used by an earlier try of this very message: sendViaResponseURL skips
			// what that try delivered.
			return c.sendViaResponseURL(ctx, ru, m)
		}
		// response_url takes one call (PLATFORMS.md §2.4), but the bot sends a long reply in
		// parts: later parts go to a single chat's user through the app (below); in a group
		// without a webhook key there is no other way, so text is dropped as sendViaResponseURL
		// drops what does not fit.
		direct := m.Reply[replyChatType] == string(connectors.ChatDirect) && m.Reply[replyToUser] != ""
		if !direct || c.cfg.Secret == "" || c.cfg.AgentID == 0 {
			if m.File != nil || m.Image != nil {
				return c.sendViaResponseURL(ctx, ru, m) // the permanent "no way to send a file" error
			}
			c.log.Warn("wecom: response_url already answered; a further part of the reply was dropped")
			return "", nil
		}
	}
	if len(m.UserIDs) > 0 {
		return c.sendViaApp(ctx, appTarget{users: m.UserIDs}, m)
	}
	if m.ChatID != "" && (m.Reply[replyChatType] == string(connectors.ChatDirect) || m.Reply[replyToUser] != "") {
		u := m.Reply[replyToUser]
		if u == "" {
			u = m.ChatID
		}
		return c.sendViaApp(ctx, appTarget{users: []string{u}}, m)
	}
	if m.ChatID != "" {
		return c.sendViaApp(ctx, appTarget{chatID: m.ChatID}, m)
	}
	return "", &connectors.Error{Platform: platform, Op: "send", Permanent: true, Msg: errNoRoute.Error()}
}

// splitText cuts s into pieces of at most max bytes on rune boundaries, preferring line breaks.
func splitText(s string, max int) []string {
	var out []string
	s = strings.TrimSpace(s)
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= max/2 {
			cut = nl
		}
		out = append(out, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// mentionPrefix is the "<@id> " mentions of a markdown message, at most a quarter of limit
// bytes (the mentions that do not fit are left out): the text after it must still fit.
func mentionPrefix(ids []string, limit int) string {
	var b strings.Builder
	for _, id := range ids {
		if b.Len()+len(id)+4 > limit/4 {
			break
		}
		b.WriteString("<@" + id + "> ")
	}
	return b.String()
}

// sendViaWebhook posts through a group robot: text, then image, then file.
func (c *Connector) sendViaWebhook(ctx context.Context, key string, m connectors.Message) error {
	idem := m.IdempotencyKey
	// once sends one part unless an earlier try of this message delivered it: a group robot
	// has no duplicate check.
	once := func(part string, content []byte, send func() error) error {
		if c.sent.Done(idem, part, content) {
			return nil
		}
		if err := send(); err != nil {
			return err
		}
		c.sent.Mark(idem, part, content)
		return nil
	}
	if m.Markdown {
		prefix := mentionPrefix(m.Mentions, webhookMarkdownBytes)
		for i, part := range splitText(m.Text, webhookMarkdownBytes-len(prefix)) {
			if i == 0 {
				part = prefix + part
			}
			if err := once(textPartName(i), []byte(part), func() error {
				return c.sendWebhook(ctx, key, webhookMessage{MsgType: "markdown", Markdown: &contentBody{Content: part}})
			}); err != nil {
				return err
			}
		}
	} else {
		for i, part := range splitText(m.Text, textBytes) {
			body := &contentBody{Content: part}
			if i == 0 {
				body.MentionedList = m.Mentions
			}
			if err := once(textPartName(i), []byte(part), func() error {
				return c.sendWebhook(ctx, key, webhookMessage{MsgType: "text", Text: body})
			}); err != nil {
				return err
			}
		}
	}
	if m.Image != nil {
		if err := once("image", m.Image.Data, func() error {
			if len(m.Image.Data) <= webhookImageBytes {
				return c.sendWebhook(ctx, key, webhookMessage{MsgType: "image", Image: newImageBody(m.Image.Data)})
			}
			return c.webhookFile(ctx, key, m.Image)
		}); err != nil {
			return err
		}
	}
	if m.File != nil {
		return once("file", attachmentContent(m.File), func() error { return c.webhookFile(ctx, key, m.File) })
	}
	return nil
}

// Part names for connectors.PartLog.
const partResponseURL = "response_url"

func textPartName(i int) string { return "t" + strconv.Itoa(i) }

// attachmentContent is what tells one attachment from another in connectors.PartLog.
func attachmentContent(a *connectors.Attachment) []byte {
	return append([]byte(a.Name+"\x00"), a.Data...)
}

func (c *Connector) webhookFile(ctx context.Context, key string, a *connectors.Attachment) error {
	id, err := c.cachedUpload(ctx, "webhook:"+hashKey(key), a, func(ctx context.Context) (string, error) {
		return c.uploadMedia(ctx, key, "file", a.Name, a.Data)
	})
	if err != nil {
		return err
	}
	return c.sendWebhook(ctx, key, webhookMessage{MsgType: "file", File: &mediaBody{MediaID: id}})
}

// sendViaResponseURL answers a smart-robot HTTP event. response_url takes one markdown message;
// files can only go to a single chat, through the self-built app.
func (c *Connector) sendViaResponseURL(ctx context.Context, responseURL string, m connectors.Message) (string, error) {
	user := m.Reply[replyToUser]
	direct := m.Reply[replyChatType] == string(connectors.ChatDirect) && user != ""
	appOK := direct && c.cfg.Secret != "" && c.cfg.AgentID != 0
	if (m.File != nil || m.Image != nil) && !appOK {
		hint := "智能机器人在群里只能回复文字，不能发文件：请在该群添加一个群机器人，把它的 webhook key 写进 wecom.webhook_keys（群ID " + m.ChatID + "），或配置长连接模式（bot_id/bot_secret）"
		if direct {
			hint = "智能机器人单聊回文件需要自建应用：请配置 wecom.corp_id、agent_id、secret"
		}
		return "", &connectors.Error{Platform: platform, Op: "send", Permanent: true, Msg: "no way to send a file to this chat", Hint: hint}
	}
	parts := splitText(m.Text, responseURLBytes)
	if len(parts) > 0 {
		if !c.sent.Done(m.IdempotencyKey, partResponseURL, []byte(parts[0])) {
			if err := c.sendResponseURL(ctx, responseURL, parts[0]); err != nil {
				return "", err
			}
			c.markResponseURL(responseURL)
			c.sent.Mark(m.IdempotencyKey, partResponseURL, []byte(parts[0]))
		}
		parts = parts[1:]
	}
	if !appOK {
		if len(parts) > 0 {
			c.log.WithField("dropped_parts", len(parts)).Warn("wecom: response_url takes one message; the rest of a long reply was dropped")
		}
		return "", nil
	}
	rest := m
	rest.Text = strings.Join(parts, "\n")
	if rest.IdempotencyKey != "" {
		rest.IdempotencyKey += "-rest" // its parts are not the whole message's parts
	}
	if strings.TrimSpace(rest.Text) == "" && rest.File == nil && rest.Image == nil {
		return "", nil
	}
	return c.sendViaApp(ctx, appTarget{users: []string{user}}, rest)
}

// appTarget is either users (message/send) or an app-created chat (appchat/send).
type appTarget struct {
	users  []string
	chatID string
}

func (t appTarget) message(msgType string) appMessage {
	if t.chatID != "" {
		return appMessage{ChatID: t.chatID, MsgType: msgType}
	}
	return appMessage{ToUser: strings.Join(t.users, "|"), MsgType: msgType}
}

// waitMembers spends one message of each receiver's 30/min budget (WeCom silently drops more).
func (c *Connector) waitMembers(ctx context.Context, t appTarget) error {
	if t.chatID != "" {
		return c.memberLimit.wait(ctx, "chat:"+t.chatID)
	}
	for _, u := range t.users {
		if err := c.memberLimit.wait(ctx, "user:"+u); err != nil {
			return err
		}
	}
	return nil
}

// sendViaApp sends text, image and file through the self-built app and returns the last msgid.
func (c *Connector) sendViaApp(ctx context.Context, t appTarget, m connectors.Message) (string, error) {
	idem := m.IdempotencyKey
	dedupe := idem != ""
	var last string
	// send delivers one part unless an earlier try of this message did: appchat/send has no
	// duplicate check, and message/send's only catches identical content.
	send := func(part string, content []byte, am appMessage) error {
		if c.sent.Done(idem, part, content) {
			return nil
		}
		if err := c.waitMembers(ctx, t); err != nil {
			return err
		}
		id, err := c.sendAppMessage(ctx, am, dedupe)
		if err != nil {
			return err
		}
		c.sent.Mark(idem, part, content)
		if id != "" {
			last = id
		}
		return nil
	}
	limit, kind := textBytes, "text"
	if m.Markdown {
		limit, kind = appMarkdownBytes, "markdown"
	}
	for i, part := range splitText(m.Text, limit) {
		am := t.message(kind)
		if m.Markdown {
			am.Markdown = &contentBody{Content: part}
		} else {
			am.Text = &contentBody{Content: part}
		}
		if err := send(textPartName(i), []byte(part), am); err != nil {
			return last, err
		}
	}
	for _, a := range []struct {
		att  *connectors.Attachment
		kind string
	}{{m.Image, "image"}, {m.File, "file"}} {
		if a.att == nil || c.sent.Done(idem, a.kind, attachmentContent(a.att)) {
			continue
		}
		id, err := c.cachedUpload(ctx, "app:"+a.kind, a.att, func(ctx context.Context) (string, error) {
			return c.uploadMedia(ctx, "", a.kind, a.att.Name, a.att.Data)
		})
		if err != nil {
			return last, err
		}
		am := t.message(a.kind)
		if a.kind == "image" {
			am.Image = &mediaBody{MediaID: id}
		} else {
			am.File = &mediaBody{MediaID: id}
		}
		if err := send(a.kind, attachmentContent(a.att), am); err != nil {
			return last, err
		}
	}
	return last, nil
}

// mediaCache remembers uploaded media ids, so that a retried Send reuses the same media_id and
// WeCom's duplicate check recognises the repeated file message. Media ids live 3 days.
type mediaCache struct {
	mu      sync.Mutex
	entries map[string]mediaEntry
	now     func() time.Time
}

type mediaEntry struct {
	id      string
	expires time.Time
}

// mediaLife is how long a cached media id is reused: 3 days minus a margin of 1 hour.
const mediaLife = 3*24*time.Hour - time.Hour

// mediaCacheMax bounds the cache; expired entries go first, then everything.
const mediaCacheMax = 512

func newMediaCache(now func() time.Time) *mediaCache {
	return &mediaCache{entries: map[string]mediaEntry{}, now: now}
}

func (c *Connector) cachedUpload(ctx context.Context, scope string, a *connectors.Attachment, upload func(context.Context) (string, error)) (string, error) {
	sum := sha256.Sum256(a.Data)
	k := scope + "|" + a.Name + "|" + hex.EncodeToString(sum[:])
	mc := c.media
	mc.mu.Lock()
	if e, ok := mc.entries[k]; ok && mc.now().Before(e.expires) {
		mc.mu.Unlock()
		return e.id, nil
	}
	mc.mu.Unlock()
	id, err := upload(ctx)
	if err != nil {
		return "", err
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if len(mc.entries) >= mediaCacheMax {
		now := mc.now()
		for key, e := range mc.entries {
			if !now.Before(e.expires) {
				delete(mc.entries, key)
			}
		}
		if len(mc.entries) >= mediaCacheMax {
			mc.entries = map[string]mediaEntry{}
		}
	}
	mc.entries[k] = mediaEntry{id: id, expires: mc.now().Add(mediaLife)}
	return id, nil
}

// responseURLDoneBy reports whether an earlier try of m itself answered through its
// response_url (with the text m would send there).
func (c *Connector) responseURLDoneBy(m connectors.Message) bool {
	parts := splitText(m.Text, responseURLBytes)
	return len(parts) > 0 && c.sent.Done(m.IdempotencyKey, partResponseURL, []byte(parts[0]))
}

// responseURLLife is how long a response_url stays valid (1 h, PLATFORMS.md §2.4).
const responseURLLife = time.Hour

// responseURLUsed reports whether this connector already answered through responseURL.
func (c *Connector) responseURLUsed(responseURL string) bool {
	c.ruMu.Lock()
	defer c.ruMu.Unlock()
	at, ok := c.ruUsed[responseURL]
	return ok && c.now().Sub(at) < responseURLLife
}

// markResponseURL records a used response_url; entries older than its life are dropped.
func (c *Connector) markResponseURL(responseURL string) {
	c.ruMu.Lock()
	defer c.ruMu.Unlock()
	now := c.now()
	if c.ruUsed == nil {
		c.ruUsed = map[string]time.Time{}
	}
	for k, at := range c.ruUsed {
		if now.Sub(at) >= responseURLLife {
			delete(c.ruUsed, k)
		}
	}
	c.ruUsed[responseURL] = now
}
