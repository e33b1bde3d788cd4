package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A cadre who sent two wrong files withdrew the second with 撤销 and sent 撤销 again for the
// first: the reply said the second was 已撤销过，无需再撤销 and nothing else, as if there were
// nothing left to withdraw. Plain 撤销 stays on the latest upload (README), and the reply says
// how to withdraw an earlier one; 撤销 N of one already withdrawn needs no such hint.
func TestFreshUndoAgainSaysHowToWithdrawAnEarlierUpload(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	first := uploadNo(t, h.lastReply())
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账(2).xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	second := uploadNo(t, h.lastReply())
	if r := h.say("红旗村群", uploader, "撤销"); !strings.Contains(r, fmt.Sprintf("已撤销上传编号 #%d", second)) {
		t.Fatalf("撤销:\n%s", r)
	}
	const hint = "要撤销更早的上传，请发送“撤销 编号”（编号见上传后的回复，如“上传编号 #12”）。"
	if r := h.say("红旗村群", uploader, "撤销"); !strings.Contains(r, fmt.Sprintf("上传编号 #%d", second)) || !strings.Contains(r, "已撤销过") || !strings.HasSuffix(r, hint) {
		t.Errorf("撤销 again:\n%s", r)
	}
	if r := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", second)); !strings.Contains(r, "已撤销过") || strings.Contains(r, hint) {
		t.Errorf("撤销 %d again:\n%s", second, r)
	}
	if r := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", first)); !strings.Contains(r, fmt.Sprintf("已撤销上传编号 #%d", first)) {
		t.Errorf("撤销 %d:\n%s", first, r)
	}
}
