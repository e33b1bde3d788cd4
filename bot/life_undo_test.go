package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zengshou/calc"
	"zengshou/connectors"
)

var sayN atomic.Int64

// say sends text to chat from sender (a group message) and returns the reply.
func (h *harness) say(chat, sender, text string) string {
	h.t.Helper()
	ev := connectors.Event{Platform: "local", ID: fmt.Sprintf("say-%d", sayN.Add(1)), Kind: connectors.EventText, ChatID: chat,
		ChatType: connectors.ChatGroup, SenderID: sender, Text: text, Time: h.clock.Now()}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		h.t.Fatal(err)
	}
	h.drain()
	return h.lastReply()
}

var uploadNoRE = regexp.MustCompile(`上传编号 #(\d+)，发“撤销”可撤回`)

// uploadNo is the upload number a reply shows.
func uploadNo(t *testing.T, reply string) int64 {
	t.Helper()
	m := uploadNoRE.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("the reply shows no upload number:\n%s", reply)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// The local connector's uploads are sent by "local".
const uploader = "local"

// 红旗村 sends a wrong workbook (5 calves sold, 600元 of the 1000元 paid, the measure not done):
// its tasks are open, its point and payment stored. The uploader's 撤销 takes it all back: no task,
// point, payment or summary of it is left, 进度 has nothing, and the next digest lists nothing.
// The right workbook sent after is evaluated as if the wrong one had never come.
func TestUndoTakesBackAWrongUpload(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.tickAt(time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai)) // the first tick sends nothing
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度包玉山户台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	no := uploadNo(t, h.lastReply())
	if len(openByRule(t, h, "measure_missing")) != 1 || len(openByRule(t, h, "subsidy_unpaid")) != 1 || h.paid("HQ001", 2026) != 60000 {
		t.Fatalf("the wrong upload: %v, paid %d", h.openTaskKeys(), h.paid("HQ001", 2026))
	}

	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, "撤销")
	want := fmt.Sprintf("已撤销上传编号 #%d《2026年第4季度包*山户台账.xlsx》（2026年第4季度）的结果：涉及1户，2项待办删除，1条已发放记录删除。", no)
	if !strings.Contains(reply, want) || strings.Contains(reply, "包玉山") || !strings.Contains(reply, "1户2026年第4季度此前没有数据，已清除；现在可以上传正确的台账。") {
		t.Fatalf("reply:\n%s\nwant %s", reply, want)
	}
	if keys := h.openTaskKeys(); len(keys) != 0 {
		t.Errorf("tasks left open: %v", keys)
	}
	if lp := h.latestPeriod("HQ001"); lp.Valid() {
		t.Errorf("the household point stays: %v", lp)
	}
	if paid := h.paid("HQ001", 2026); paid != 0 {
		t.Errorf("the payment stays: %d", paid)
	}
	units, err := h.st.UnitSummaries(context.Background(), calc.Period{Year: 2026, Quarter: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 0 {
		t.Errorf("the summary rows stay: %+v", units)
	}
	if p := h.say("红旗村群", "u", "进度"); !strings.Contains(p, "暂无数据") {
		t.Errorf("进度 after the withdrawal:\n%s", p)
	}
	h.tickAt(time.Date(2026, 12, 1, 9, 5, 0, 0, shanghai)) // the daily digest
	for _, m := range h.messages("reminder") {
		t.Errorf("a digest after the withdrawal:\n%s", m.Text)
	}

	h.clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 1000)))
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "待办事项：0项（新增0项，本次上传确认已完成0项）") {
		t.Errorf("the right workbook:\n%s", r)
	}
	if keys := h.openTaskKeys(); len(keys) != 0 {
		t.Errorf("the right workbook leaves tasks open: %v", keys)
	}
	if lp, paid := h.latestPeriod("HQ001"), h.paid("HQ001", 2026); lp != q4of2026 || paid != 100000 {
		t.Errorf("the right workbook stored %v, paid %d", lp, paid)
	}
}

// 2026Q3's ledger left the measure not done and the calf subsidy unpaid; the cadre was reminded.
// The wrong 2026Q4 workbook closes the measure (told 已完成 by the next digest) and sees the
// subsidy again. Its withdrawal leaves the subsidy as 2026Q3 raised it, and opens the measure
// again; the right workbook closing it again tells nobody 已完成 a second time.
func TestUndoKeepsTasksRaisedBeforeAndReopensWhatItClosed(t *testing.T) {
	hh := lifeHHMonitored
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	q3 := time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai)
	h.clock.Set(q3)
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", hh("未落实"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	measure, unpaid := openByRule(t, h, "measure_missing"), openByRule(t, h, "subsidy_unpaid")
	if len(measure) != 1 || len(unpaid) != 1 {
		t.Fatalf("2026Q3: %v", h.openTaskKeys())
	}
	h.tickAt(time.Date(2026, 10, 13, 9, 0, 0, 0, shanghai))

	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", hh("已落实"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if len(openByRule(t, h, "measure_missing")) != 0 {
		t.Fatalf("the wrong upload closes the measure: %v", h.openTaskKeys())
	}
	h.tickAt(time.Date(2026, 11, 30, 16, 0, 0, 0, shanghai))

	h.clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, "撤销")
	if !strings.Contains(reply, "的结果：涉及1户，1项待办恢复为未完成。") {
		t.Errorf("reply:\n%s", reply)
	}
	got := openByRule(t, h, "measure_missing")
	if len(got) != 1 || got[0].ID != measure[0].ID || !got[0].FirstSeen.Equal(q3) {
		t.Errorf("the measure the wrong upload closed is not open again: %+v", got)
	}
	got = openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].ID != unpaid[0].ID || !got[0].FirstSeen.Equal(q3) {
		t.Errorf("the subsidy raised in 2026Q3 did not survive: %+v", got)
	}
	if lp := h.latestPeriod("HQ001"); lp != (calc.Period{Year: 2026, Quarter: 3}) {
		t.Errorf("latest quarter stored %v, want 2026Q3", lp)
	}

	h.clock.Set(time.Date(2026, 12, 1, 11, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", hh("已落实"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	for d := 1; d <= 8; d++ {
		h.tickAt(time.Date(2026, 12, d, 16, 0, 0, 0, shanghai))
	}
	done := 0
	for _, m := range h.messages("reminder") {
		if strings.Contains(m.Text, "已完成（") && strings.Contains(m.Text, "未落实帮扶措施") {
			done++
		}
	}
	if done != 1 {
		t.Errorf("王建军 was told the measure 已完成 %d times, want once", done)
	}
}

// Only the uploader or an admin may withdraw an upload, and within 7 days.
func TestUndoOnlyByTheUploaderOrAnAdmin(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	no := uploadNo(t, h.lastReply())
	if r := h.say("红旗村群", "someone", "撤销"); !strings.Contains(r, "只有上传该文件的人或管理员可以撤销") {
		t.Errorf("someone else:\n%s", r)
	}
	if len(openByRule(t, h, "measure_missing")) != 1 {
		t.Fatalf("a refused 撤销 withdrew: %v", h.openTaskKeys())
	}
	if r := h.say("红旗村群", "admin1", fmt.Sprintf("撤销 #%d", no)); !strings.Contains(r, fmt.Sprintf("已撤销上传编号 #%d", no)) {
		t.Errorf("the admin:\n%s", r)
	}
	if len(openByRule(t, h, "measure_missing")) != 0 {
		t.Errorf("the admin's 撤销 withdrew nothing: %v", h.openTaskKeys())
	}

	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	h.clock.Set(time.Date(2026, 12, 8, 10, 1, 0, 0, shanghai))
	if r := h.say("红旗村群", uploader, "撤销"); !strings.Contains(r, "已超过7天，不能撤销") {
		t.Errorf("after 7 days:\n%s", r)
	}
	if len(openByRule(t, h, "measure_missing")) != 1 {
		t.Errorf("withdrawn after 7 days: %v", h.openTaskKeys())
	}
}

// 撤销 N of another chat's upload is refused; the same upload withdrawn twice is said to be; a
// retried 撤销 (the same message) reports the same withdrawal and withdraws nothing more.
func TestUndoOfAnotherChatOrTwice(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	no := uploadNo(t, h.lastReply())
	if r := h.say("东风村群", "admin1", fmt.Sprintf("撤销 %d", no)); !strings.Contains(r, fmt.Sprintf("本群没有上传编号 #%d", no)) {
		t.Errorf("another chat's:\n%s", r)
	}
	if len(openByRule(t, h, "measure_missing")) != 1 || h.latestPeriod("HQ001") != q4of2026 {
		t.Fatalf("withdrawn from another chat: %v", h.openTaskKeys())
	}
	if r := h.say("红旗村群", uploader, fmt.Sprintf("撤销＃%d", no)); !strings.Contains(r, "1项待办删除") {
		t.Errorf("撤销 N:\n%s", r)
	}
	key := fmt.Sprintf("local\x00say-%d", sayN.Load()) // that 撤销 message
	if r := h.say("红旗村群", uploader, "撤销"); !strings.Contains(r, fmt.Sprintf("上传编号 #%d", no)) || !strings.Contains(r, "已撤销过") {
		t.Errorf("twice:\n%s", r)
	}
	res, err := h.st.Undo(context.Background(), no, uploader, "local\x00say-x", h.clock.Now())
	if err != nil || !res.Already {
		t.Errorf("another withdrawal: %+v %v", res, err)
	}
	// The first 撤销's message again (a retried job): what it withdrew, even after another upload.
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if up, err := h.st.UploadUndoneBy(context.Background(), key); err != nil || up == nil || up.JobID != no {
		t.Errorf("the upload the first 撤销 withdrew: %+v %v", up, err)
	}
	res, err = h.st.Undo(context.Background(), no, uploader, key, h.clock.Now())
	if err != nil || !res.Retry || res.Deleted != 1 || res.Points != 1 {
		t.Errorf("a retry: %+v %v", res, err)
	}
	if len(openByRule(t, h, "measure_missing")) != 1 {
		t.Errorf("the later upload's task: %v", h.openTaskKeys())
	}
}

// An upload a later one refreshed: the household's point and the task it raised are the later
// upload's and stay; the reply says so.
func TestUndoLeavesWhatALaterUploadRefreshed(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	first := uploadNo(t, h.lastReply())
	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	before := h.openTaskKeys()
	h.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", first))
	if !strings.Contains(reply, "1户的结果已被之后的上传覆盖，未撤销") || !strings.Contains(reply, "：这次上传已没有可撤回的结果。") {
		t.Errorf("reply:\n%s", reply)
	}
	if got := h.openTaskKeys(); strings.Join(got, ",") != strings.Join(before, ",") || len(got) != 2 {
		t.Errorf("open tasks %v, want %v", got, before)
	}
	if lp, paid := h.latestPeriod("HQ001"), h.paid("HQ001", 2026); lp != q4of2026 || paid != 60000 {
		t.Errorf("the later upload's point and payment: %v, %d", lp, paid)
	}
}

// An unnamed upload withdrawn by 撤销 is not withdrawn again by its renamed copy.
func TestUndoneGuessIsNotWithdrawnAgain(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	if r := h.say("红旗村群", uploader, "撤销"); !strings.Contains(r, "已撤销上传编号") {
		t.Fatalf("reply:\n%s", r)
	}
	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	if r := h.lastReply(); strings.Contains(r, "已撤销此前") {
		t.Errorf("the renamed copy withdraws the withdrawn upload again:\n%s", r)
	}
}

// The measure was 已落实 (closed by the right workbook); the cadre then sends an old draft by
// mistake (未落实): it raises the measure again. 撤销 of the draft leaves the measure closed, as it
// was before the draft: the cadre is not reminded of work done, nor told 已完成 again.
func TestUndoClosesAgainWhatItReopened(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.tickAt(time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai)) // the first tick sends nothing
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if len(openByRule(t, h, "measure_missing")) != 1 {
		t.Fatalf("the first upload: %v", h.openTaskKeys())
	}
	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军")))
	h.drain()
	if len(openByRule(t, h, "measure_missing")) != 0 {
		t.Fatalf("the right upload leaves the measure open: %v", h.openTaskKeys())
	}
	h.tickAt(time.Date(2026, 12, 1, 9, 5, 0, 0, shanghai)) // the daily digest: told 已完成
	told := false
	for _, m := range h.messages("reminder") {
		told = told || strings.Contains(m.Text, "已完成（") && strings.Contains(m.Text, "未落实帮扶措施")
	}
	if !told {
		t.Fatal("王建军 was not told the measure 已完成")
	}
	h.clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账（旧）.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if len(openByRule(t, h, "measure_missing")) != 1 {
		t.Fatalf("the old draft does not raise the measure again: %v", h.openTaskKeys())
	}
	h.clock.Set(time.Date(2026, 12, 1, 11, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, "撤销")
	if !strings.Contains(reply, "已撤销上传编号") {
		t.Fatalf("reply:\n%s", reply)
	}
	if keys := h.openTaskKeys(); len(keys) != 0 {
		t.Errorf("the measure the draft raised again stays open after 撤销: %v", keys)
	}
	before := len(h.messages("reminder"))
	for d := 2; d <= 9; d++ {
		h.tickAt(time.Date(2026, 12, d, 9, 5, 0, 0, shanghai))
	}
	for _, m := range h.messages("reminder")[before:] {
		if strings.Contains(m.Text, "未落实帮扶措施") {
			t.Errorf("a digest after the withdrawal names the measure:\n%s", m.Text)
		}
	}
}

// The cadre sends 撤销 for the wrong workbook and, at once, the right one. The service is busy:
// both wait in the queue. The 撤销 is about the upload before it: it withdraws the wrong workbook,
// not told to wait for the right one (after whose reply “撤销” would withdraw the right one).
func TestUndoSentBeforeTheRightFileWithdrawsTheWrongOne(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	wrong := uploadNo(t, h.lastReply())

	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	ev := connectors.Event{Platform: "local", ID: fmt.Sprintf("say-%d", sayN.Add(1)), Kind: connectors.EventText, ChatID: "红旗村群",
		ChatType: connectors.ChatGroup, SenderID: uploader, Text: "撤销", Time: h.clock.Now()}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drop(dir, "2026年第4季度台账（改）.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 1000)))
	h.drain()
	var undo string
	for _, m := range h.messages("reply") {
		if strings.Contains(m.Text, "撤销") && !uploadNoRE.MatchString(m.Text) {
			undo = m.Text
		}
	}
	if !strings.Contains(undo, fmt.Sprintf("已撤销上传编号 #%d", wrong)) {
		t.Errorf("the 撤销 sent before the right workbook:\n%s", undo)
	}
	if keys := h.openTaskKeys(); len(keys) != 0 {
		t.Errorf("tasks open after the right workbook: %v", keys)
	}
	if lp, paid := h.latestPeriod("HQ001"), h.paid("HQ001", 2026); lp != q4of2026 || paid != 100000 {
		t.Errorf("the right workbook's point and payment: %v, %d", lp, paid)
	}
}

// “撤回12” (no space) and “撤销。” (a sentence's full stop) are the command, as “撤销12” and
// “撤销” are: they got the help text and “没有听懂“撤销 。””.
func TestUndoAsCadresTypeIt(t *testing.T) {
	for _, typed := range []string{"撤回%d", "撤销 %d。", "撤销。"} {
		h := newHarness(t, nil)
		dir := h.lifeInbox("红旗村群")
		h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
		h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
		h.drain()
		no := uploadNo(t, h.lastReply())
		text := typed
		if strings.Contains(typed, "%d") {
			text = fmt.Sprintf(typed, no)
		}
		if reply := h.say("红旗村群", uploader, text); !strings.Contains(reply, fmt.Sprintf("已撤销上传编号 #%d", no)) {
			t.Errorf("%q:\n%s", text, reply)
		}
	}
}
