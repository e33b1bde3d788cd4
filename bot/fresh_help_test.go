package bot_test

import (
	"strings"
	"testing"
)

// 帮助 in the local inbox said where ledgers go, as data/inbox/… (wrong under --data), and not
// how the command just answered is sent again: the inbox takes commands as .txt files.
func TestFreshLocalHelpSaysHowToSendACommand(t *testing.T) {
	h := newHarness(t, nil)
	r := h.say("红旗村群", "someone", "帮助")
	if !strings.Contains(r, "· 上传台账：把 .xlsx 放进数据目录（默认 data）的 inbox/<群名>/，结果在 outbox/<群名>/；命令写进同一目录的 .txt 文件，内容就是命令（如“进度”）。\n") {
		t.Errorf("帮助:\n%s", r)
	}
}
