package local

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/connectors"
)

// The console hid every direct message as one that “含户主全名”, also the admins' alert that the
// config file was refused, which names no household: the note says a direct message may name
// households, and still hides the text.
func TestFreshConsoleDirectMessageNote(t *testing.T) {
	var out bytes.Buffer
	c, err := New(t.TempDir(), Options{Console: &out, Now: func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	text := "【增收助手·管理员提醒】配置文件有误，修改未生效"
	if _, err := c.Send(context.Background(), connectors.Message{Kind: "error", UserIDs: []string{"admin1"}, Text: text, IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, text) || !strings.Contains(got, "→ 私信 admin1") || !strings.Contains(got, "（私信内容可能含户主全名，终端不显示；见 outbox/messages.jsonl）") {
		t.Errorf("console:\n%s", got)
	}
}
