package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"zengshou/bot"
)

// The demo is what a newcomer sees first: it must show each part of the flow.
func TestDemoShowsTheWholeFlow(t *testing.T) {
	var out bytes.Buffer
	if err := bot.Demo(context.Background(), &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"[reply] → 红旗嘎查工作群", "已处理《林东镇脱贫户收入台账.xlsx》", // the upload answered
		"全部单位进度",                                        // a command
		"[reminder] → 私信 wangjianjun", "【增收助手·待办提醒】王建军", // a digest to a cadre in the roster
		"请注意：",                                       // fair warning before escalation
		"【增收助手·待办上报】",                                // escalation to leaders (reminded, not overdue)
		"[summary] → 私信 lindong-leader", "【增收助手·周报】", // the weekly summary
		"演示结束",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Nothing is sent on 12-02 (repeat interval) or on Saturday 12-05 (deferred).
	for _, quiet := range []string{"4. 12月2日", "6. 12月5日"} {
		i := strings.Index(text, quiet)
		if i < 0 {
			t.Fatalf("no step %q", quiet)
		}
		rest := text[i:]
		next := strings.Index(rest, "\n====================")
		if next >= 0 && strings.Contains(rest[:next], "── [") {
			t.Errorf("step %q sent a message; it must not", quiet)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}
