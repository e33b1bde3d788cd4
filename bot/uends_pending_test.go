package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// #A, a wrong 2026Q4 file of 红旗村, is saved; #B, another file of the chat, is still being
// evaluated (claimed by another worker) when the uploader sends “撤销 A”. #B has read #A's
// point and payment: withdrawing #A now would leave #B's figures off and let #B save after the
// withdrawal. 撤销 A, as plain 撤销, asks to wait for #B's reply and withdraws nothing; sent
// again after #B's reply, it withdraws #A.
func TestUendsUndoNumberWaitsForTheChatsFiles(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	a := uploadNo(t, h.lastReply())
	if h.paid("HQ001", 2026) != 60000 {
		t.Fatalf("#%d stored paid %d", a, h.paid("HQ001", 2026))
	}

	h.clock.Set(time.Date(2026, 11, 30, 10, 30, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账(更正).xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 1000)))
	b, err := h.st.Claim(ctx, "another-worker", h.clock.Now(), time.Hour) // #B is being evaluated
	if err != nil || b == nil {
		t.Fatalf("claim #B: %v %v", b, err)
	}
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", a))
	if want := fmt.Sprintf("本群还有文件正在处理，请等它的回复出来后再发送“撤销 %d”。", a); reply != want {
		t.Errorf("撤销 %d while #%d is evaluated:\n%s\nwant:\n%s", a, b.ID, reply, want)
	}
	if up, err := h.st.UploadOf(ctx, "local", "红旗村群", a, 0, ""); err != nil || up == nil || !up.UndoneAt.IsZero() {
		t.Fatalf("#%d withdrawn while #%d is evaluated: %+v %v", a, b.ID, up, err)
	}
	if h.paid("HQ001", 2026) != 60000 || len(openByRule(t, h, "measure_missing")) != 1 {
		t.Errorf("#%d's payment and task changed: paid %d, %v", a, h.paid("HQ001", 2026), h.openTaskKeys())
	}

	// The other worker's lease runs out; #B is evaluated and replied, then 撤销 A withdraws #A
	// (#B holds HQ001's point and payment now: covered, left).
	h.clock.Set(time.Date(2026, 11, 30, 11, 31, 0, 0, shanghai))
	h.drain()
	if got := uploadNo(t, h.lastReply()); got != b.ID {
		t.Fatalf("#%d's reply: %d", b.ID, got)
	}
	reply = h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", a))
	if !strings.HasPrefix(reply, fmt.Sprintf("已撤销上传编号 #%d", a)) {
		t.Errorf("撤销 %d after #%d's reply:\n%s", a, b.ID, reply)
	}
}
