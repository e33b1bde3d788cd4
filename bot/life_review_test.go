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
