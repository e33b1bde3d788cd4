package feishu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"zengshou/connectors"
)

// maxTextRunes is Limits().MaxTextRunes. The tightest documented body limit is 30 KB for card
// and post content (text is 150 KB, PLATFORMS.md §1.4). The content is JSON inside a JSON string,
// so a rune costs at most 7 bytes on the wire ('"' → \" → \\\"; a control char → \u0001 →
// \\u0001), and 30×1024/7 ≈ 4388. 4000 leaves room for the title, the @ tags and the frame.
const maxTextRunes = 4000

// part is one sub-message of a Message: a file, an image or one chunk of text.
type part struct {
	label   string // stable within the Message, for the derived uuid: f, i, t0, t1, …
	msgType string
	content string
	upload  *connectors.Attachment // a file or image still to upload (content is set after)
	image   bool
}

// marshalContent encodes the "content" string without HTML escaping, so the @ tags stay
// readable in logs of the fake and the body stays small.
func marshalContent(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // maps of strings and slices cannot fail to encode
	return strings.TrimSuffix(b.String(), "\n")
}

// textParts builds the text sub-messages: plain text (replies, errors), rich text "post" with a
// title (reminders, summaries), or an interactive card with a markdown element (Markdown set).
// Mentions go into the first chunk only, and only in chats (an @ means nothing in a DM).
func textParts(kind, text string, markdown bool, mentions []string) []part {
	chunks := splitText(text, maxTextRunes)
	parts := make([]part, 0, len(chunks))
	for i, chunk := range chunks {
		var at []string
		if i == 0 {
			at = mentions
		}
		p := part{label: fmt.Sprintf("t%d", i)}
		switch {
		case markdown:
			var b strings.Builder
			for _, id := range at {
				fmt.Fprintf(&b, "<at id=%s></at> ", id)
			}
			b.WriteString(chunk)
			card := map[string]any{
				"config":   map[string]any{"wide_screen_mode": true},
				"elements": []any{map[string]any{"tag": "markdown", "content": b.String()}},
			}
			if t := title(kind); t != "" {
				card["header"] = map[string]any{"title": map[string]string{"tag": "plain_text", "content": t}}
			}
			p.msgType, p.content = "interactive", marshalContent(card)
		case title(kind) != "":
			var rows [][]map[string]string
			var first []map[string]string
			for _, id := range at {
				first = append(first, map[string]string{"tag": "at", "user_id": id})
			}
			for j, line := range strings.Split(chunk, "\n") {
				row := []map[string]string{{"tag": "text", "text": line}}
				if j == 0 && len(first) > 0 {
					row = append(first, map[string]string{"tag": "text", "text": " " + line})
				}
				rows = append(rows, row)
			}
			post := map[string]any{"zh_cn": map[string]any{"title": title(kind), "content": rows}}
			p.msgType, p.content = "post", marshalContent(post)
		default:
			var b strings.Builder
			for _, id := range at {
				fmt.Fprintf(&b, `<at user_id="%s"></at> `, id)
			}
			b.WriteString(chunk)
			p.msgType, p.content = "text", marshalContent(map[string]string{"text": b.String()})
		}
		parts = append(parts, p)
	}
	return parts
}

// title is the post/card title for scheduled messages; replies and errors go as plain text.
func title(kind string) string {
	switch kind {
	case "reminder":
		return "待办提醒"
	case "summary":
		return "工作汇总"
	}
	return ""
}

// splitText cuts s into chunks of at most max runes, at a line break when one falls in the
// second half of the window, so tables and lists stay whole where they can.
func splitText(s string, max int) []string {
	if s == "" {
		return nil
	}
	var out []string
	for utf8.RuneCountInString(s) > max {
		cut := runeOffset(s, max)
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 && utf8.RuneCountInString(s[:nl]) >= max/2 {
			out = append(out, s[:nl])
			s = s[nl+1:]
			continue
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// runeOffset is the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// fileType maps a file name to the upload enum (§1.3): never a MIME type (234001).
func fileType(name string) string {
	lower := strings.ToLower(name)
	for ext, t := range map[string]string{
		".xlsx": "xls", ".xls": "xls", ".pdf": "pdf", ".doc": "doc", ".docx": "doc",
		".ppt": "ppt", ".pptx": "ppt", ".mp4": "mp4", ".opus": "opus",
	} {
		if strings.HasSuffix(lower, ext) {
			return t
		}
	}
	return "stream"
}
