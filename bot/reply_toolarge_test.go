package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"zengshou/connectors"
)

// smallConn is a platform whose files may not be larger than max (WeCom and DingTalk: 20 MB),
// refusing a larger one as they do.
type smallConn struct {
	*fxConn
	max int
}

func (c *smallConn) Limits() connectors.Limits {
	return connectors.Limits{MaxFileBytes: int64(c.max)}
}

func (c *smallConn) Send(ctx context.Context, m connectors.Message) (string, error) {
	if m.File != nil && len(m.File.Data) > c.max {
		return "", fmt.Errorf("send attachment %q: %w", m.File.Name, connectors.ErrTooLarge)
	}
	return c.fxConn.Send(ctx, m)
}

// A result workbook above the platform's file limit (an upload just under 20 MB comes back
// larger, with its results added) took the reply with it: the cadre got only “结果工作簿已算好，
// 但发送失败”, none of the figures, tasks or problems already computed. The text goes, and says
// why the workbook does not.
func TestResultAboveThePlatformLimitStillReplies(t *testing.T) {
	h := newHarness(t, nil)
	in := fxWorkbook(t, 20, 1)
	c := &smallConn{fxConn: newFxConn("small", in), max: len(in) + 100}
	h.withConnectors(c)
	if err := h.svc.Intake(context.Background(), fxFileEvent("small", "m1", "群")); err != nil {
		t.Fatal(err)
	}
	h.drain()
	msgs := c.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.File != nil || !strings.Contains(m.Text, "应享补贴") || !strings.Contains(m.Text, "超过平台的文件大小上限") {
		t.Errorf("reply (file %v):\n%s", m.File != nil, m.Text)
	}
}
