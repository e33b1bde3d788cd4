package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// 红旗村 sends its 2026Q4 workbook unnamed on 6 January, then again unnamed an hour later (the
// same file sent twice, or 已发放 corrected from 300元 to the 600元 paid), then renamed as the hint
// says. The renamed copy withdraws both unnamed uploads: the tasks and payments in the store are
// those of the 2026Q4 upload sent alone. The 2027 calf subsidy the first copy raised and the
// second saw again stayed open, owed for 2027 from 2026's data.
func TestRenamedUploadWithdrawsEveryGuessedCopy(t *testing.T) {
	for _, first := range []int{600, 300} {
		t.Run(fmt.Sprint(first), func(t *testing.T) { renamedAfterTwoGuesses(t, first) })
	}
}

func renamedAfterTwoGuesses(t *testing.T, first int) {
	book := func(paid int) *excelize.File {
		return lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, paid))
	}
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", book(first))
	h.drain()
	h.clock.Set(time.Date(2027, 1, 6, 11, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", book(600))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].Year != 2027 {
		t.Fatalf("the guessed uploads raised a 2027 calf subsidy: %v", h.openTaskKeys())
	}

	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", book(600))
	h.drain()
	reply := h.lastReply()
	if strings.Count(reply, "已撤销此前按2027年第1季度核算的《红旗村台账.xlsx》的结果（1户）") != 2 {
		t.Errorf("the reply does not name both unnamed uploads withdrawn:\n%s", reply)
	}
	if paid := h.paid("HQ001", 2027); paid != 0 {
		t.Errorf("2026's payment still stored as paid in 2027: %d", paid)
	}
	ref := newHarness(t, nil)
	ref.clock.Set(h.clock.Now())
	ref.drop(ref.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", book(600))
	ref.drain()
	if got, want := h.openTaskKeys(), ref.openTaskKeys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("open tasks %v, want those of the 2026Q4 upload alone %v", got, want)
	}
	for _, tk := range append(openByRule(t, h, "subsidy_unpaid"), openByRule(t, h, "measure_missing")...) {
		if tk.Year != 2026 || !tk.FirstSeen.Equal(h.clock.Now()) {
			t.Errorf("want the tasks raised by the 2026Q4 upload alone: %+v", tk)
		}
	}
	if got, want := lineOf(reply, "待办事项"), lineOf(ref.lastReply(), "待办事项"); got != want {
		t.Errorf("reply: %q, want %q", got, want)
	}
}

// 包玉山's 2026 calf subsidy (1000元, none paid) is open at the 2026Q4 upload in 红旗村 (王建军).
// The 2027Q1 workbook places the household in 哈拉哈达镇新民村 with 李建国: the 2026 debt moves
// with it. The corrected 2026Q4 workbook sent in April records 600元 paid: 400元 still owed, and
// the debt stays where the household is now, with its cadre now. It went back to 红旗村 and to
// 王建军, who no longer helps the household (the 2026Q4 ledger changes no cadre, README).
func TestLastYearsLedgerSentLateLeavesTheDebtWhereTheHouseholdIs(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 0)))
	h.drain()
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	q1 := lifeHH("已落实", "李建国")
	q1[1][1], q1[1][2] = "哈拉哈达镇", "新民村"
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", q1))
	h.drain()
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Unit.Village != "新民村" || got[0].Cadre != "李建国" {
		t.Fatalf("2027Q1: 2026's debt moves with the household: %+v", got)
	}
	h.clock.Set(time.Date(2027, 4, 20, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	got = openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Year != 2026 || got[0].Amount == nil || *got[0].Amount != 40000 {
		t.Fatalf("the corrected 2026Q4 workbook: 400元 of 2026 still owed: %+v", got)
	}
	if tk := got[0]; tk.Unit.Township != "哈拉哈达镇" || tk.Unit.Village != "新民村" || tk.Cadre != "李建国" {
		t.Errorf("2026's debt went back to %s%s and %s; the household is in 哈拉哈达镇新民村 with 李建国", tk.Unit.Township, tk.Unit.Village, tk.Cadre)
	}
}

// 2026Q4's workbook finds 5 calves sold in 2026 (1000元) and 600元 paid: 400元 owed. In April,
// after the 2027Q1 workbook, the village sends its 2026Q3 workbook again (3 calves by then, the
// 600元 paid): a quarter of 2026 older than the 2026Q4 one already in, it is no judge of 2026's
// money any more than it was before 2027 (README: only the year's own ledger, the newest of it,
// settles its subsidies). It closed the 400元 the 2026Q4 workbook found owed.
func TestOlderQuarterOfLastYearSentLateSettlesNothing(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
	h.drain()
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(0, 0)))
	h.drain()
	owed := func() []string {
		var out []string
		for _, tk := range openByRule(t, h, "subsidy_unpaid") {
			if tk.Year == 2026 && tk.Amount != nil {
				out = append(out, tk.Amount.Text())
			}
		}
		return out
	}
	if got := owed(); len(got) != 1 || got[0] != "400元" {
		t.Fatalf("2027Q1: 2026's 400元 stays owed: %v", got)
	}
	h.clock.Set(time.Date(2027, 4, 20, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	if got := owed(); len(got) != 1 || got[0] != "400元" {
		t.Errorf("the late 2026Q3 workbook changed 2026's debt found by 2026Q4: %v\n%s", got, h.lastReply())
	}
	if r := h.lastReply(); strings.Contains(r, "应享未发的补贴除外") {
		t.Errorf("the reply says the 2026Q3 workbook settles 2026's subsidies:\n%s", r)
	}
}

// 2026's calf subsidy was paid by 2026Q3 (600元 for 3 calves): its task is closed. The 2026Q4
// workbook (5 calves, still 600元 paid: 400元 owed) is sent unnamed on 6 January and evaluated
// for 2027Q1: it reopens that closed task as a 2027 debt. The renamed copy withdraws the guess:
// the store's tasks are those the 2026Q4 copy leaves alone, one 400元 debt of 2026. The reopened
// task stayed open as a 2027 debt beside it (its first_seen was 2026Q3's, so it was not taken
// for one the guess raised).
func TestRenamedUploadClosesAgainWhatTheGuessReopened(t *testing.T) {
	run := func(h *harness, guess bool) {
		dir := h.lifeInbox("红旗村群")
		h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
		h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
		h.drain()
		h.clock.Set(time.Date(2026, 10, 20, 10, 0, 0, 0, shanghai))
		h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
		h.drain()
		if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
			t.Fatalf("2026Q3 paid in full: %+v", got)
		}
		if guess {
			h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
			h.drop(dir, "红旗村台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
			h.drain()
			if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].Year != 2027 {
				t.Fatalf("the guess owes 400元 for 2027: %+v", got)
			}
		}
		h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
		h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 600)))
		h.drain()
	}
	h := newHarness(t, nil)
	run(h, true)
	if r := h.lastReply(); !strings.Contains(r, "已撤销此前按2027年第1季度核算") {
		t.Errorf("reply:\n%s", r)
	}
	ref := newHarness(t, nil)
	run(ref, false)
	if got, want := h.openTaskKeys(), ref.openTaskKeys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("open tasks %v, want those of the 2026Q4 upload alone %v", got, want)
	}
}

// 2026Q3 finds 包玉山's measure not done. The 2026Q4 workbook sent unnamed on 6 January (evaluated
// for 2027Q1) finds it done and closes the task; the next digest tells 王建军 “已完成”. The renamed
// copy withdraws the guess (the task is open again for it to judge) and closes it again: the
// cadre was told already. He got the same “已完成” a second time.
func TestRenamedUploadDoesNotRepeatADoneNotice(t *testing.T) {
	hh := lifeHHMonitored
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", hh("未落实")))
	h.drain()
	if got := openByRule(t, h, "measure_missing"); len(got) != 1 {
		t.Fatalf("2026Q3: %v", h.openTaskKeys())
	}
	h.tickAt(time.Date(2026, 10, 13, 9, 0, 0, 0, shanghai))
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", lifeBook(t, "家庭收入台账", hh("已落实")))
	h.drain()
	h.tickAt(time.Date(2027, 1, 6, 16, 0, 0, 0, shanghai))
	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", hh("已落实")))
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "已撤销此前按2027年第1季度核算") {
		t.Fatalf("reply:\n%s", r)
	}
	for d := 7; d <= 14; d++ {
		h.tickAt(time.Date(2027, 1, d, 16, 0, 0, 0, shanghai))
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
	if got := openByRule(t, h, "measure_missing"); len(got) != 0 {
		t.Errorf("the renamed copy finds the measure done: %v", h.openTaskKeys())
	}
}
