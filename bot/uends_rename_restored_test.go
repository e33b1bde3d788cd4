package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// uendsRenameDays is the January of TestRestoreRenameWithdrawalBringsBackTheQuarter: on 5
// January 红旗村's 2027Q1 ledger (300元 of a calf subsidy paid in 2027), on 6 January its 2026Q4
// ledger unnamed (evaluated for 2027Q1, with the rename hint; the measure not done, 600元 paid),
// and on 7 January the renamed copy, whose save fails first when fail is set: a SQLite trigger
// refuses the upload's record, as a full disk or a kill -9 between the withdrawal of the
// guessed upload and the save would. The job is retried after retry_base (1 s); without the
// failure the copy is sent then, so that both save at the same time.
func uendsRenameDays(t *testing.T, fail bool) *harness {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	book := func() *excelize.File {
		return lifeBook(t, "家庭收入台账", lifeHHMonitored("未落实"), "牲畜台账", lifeLivestock(5, 600))
	}
	h.clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(1, 300)))
	h.drain()
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", book())
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "文件名未写明季度") {
		t.Fatalf("the unnamed upload is not evaluated for 2027Q1 with the hint:\n%s", r)
	}
	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	if !fail {
		h.clock.Set(time.Date(2027, 1, 7, 10, 0, 2, 0, shanghai)) // when the failed one's retry saves
	}
	if fail {
		restoreExec(h, `CREATE TRIGGER uends_fail BEFORE INSERT ON uploads BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`)
	}
	h.drop(dir, "2026年第4季度台账.xlsx", book())
	h.drain()
	if fail {
		if n := len(h.messages("reply")); n != 2 {
			t.Fatalf("the failed save was answered: %d replies", n)
		}
		if p := h.latestPeriod("HQ001"); p != q1of2027 {
			t.Fatalf("before the retry HQ001's latest quarter is %v, want the 5 January ledger's 2027Q1", p)
		}
		restoreExec(h, `DROP TRIGGER uends_fail`)
		h.clock.Set(time.Date(2027, 1, 7, 10, 0, 2, 0, shanghai)) // retry_base (1 s) on
		h.drain()
	}
	return h
}

// The renamed copy withdraws the guessed upload, which had overwritten the 5 January ledger's
// 2027Q1 point of HQ001, its 2027 payment (300元) and its summary rows: they are back, and the
// reply says so as 撤销's does, after the line that says what was withdrawn.
func TestUendsRenamedCopySaysWhatWasRestored(t *testing.T) {
	h := uendsRenameDays(t, false)
	replies := h.messages("reply")
	if len(replies) != 3 {
		t.Fatalf("replies: %d, want 3", len(replies))
	}
	first := uploadNo(t, replies[0].Text)
	want := fmt.Sprintf("\n已撤销此前按2027年第1季度核算的《红旗村台账.xlsx》的结果（1户），本次按2026年第4季度核算。\n"+
		"已恢复为上传编号 #%d 的数据：1户，1条已发放记录。", first)
	if r := replies[2].Text; !strings.Contains(r, want) {
		t.Errorf("reply:\n%s\nwant:%s", r, want)
	}
	if h.paid("HQ001", 2027) != 30000 {
		t.Errorf("2027 paid %d, want the 5 January ledger's 300元", h.paid("HQ001", 2027))
	}
}
