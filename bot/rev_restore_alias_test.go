package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// revPayments is the payment rows of restoreRows(h, period), one line each.
func revPayments(h *harness, period string) string {
	var out []string
	for _, l := range strings.Split(restoreRows(h, period), "\n") {
		if strings.HasPrefix(l, "payment ") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// 包玉山's 稳岗补贴, 2026: the 2026Q2 workbook (with his ID number) records 1000元 paid, stored
// under both his subjects (ID number and HQ001/包玉山). The 2026Q3 workbook, without the ID
// number and sent late (December), records 1500元: stored under HQ001/包玉山 only. The 2026Q4
// workbook, with the ID number and 已发放 blank, copies that 1500元 under the ID number
// (Evaluation.Carried): the Q2 record there is overwritten by the Q3 upload's. 撤销 of the Q3
// upload must put back both of the Q2 records (1000元 under each subject): without the Q3
// upload, the Q4 one carried nothing. The copy under the ID number went with the Q3 upload and
// nothing came back: 包玉山 had no payment on record under his ID number.
func TestRevUndoPutsBackThePaymentACarriedCopyOverwrote(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 7, 13, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第2季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "务工就业清单", lifeLaborers(aliasID, 1000)))
	h.drain()
	afterQ2 := revPayments(h, "2026")
	if strings.Count(afterQ2, "stable_job") != 2 || strings.Count(afterQ2, " 100000 ") != 2 {
		t.Fatalf("Q2: want 1000元 under both subjects:\n%s", afterQ2)
	}

	h.clock.Set(time.Date(2026, 12, 10, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "务工就业清单", lifeLaborers("", 1500)))
	h.drain()
	q3 := uploadNo(t, h.lastReply())
	h.clock.Set(time.Date(2026, 12, 11, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(aliasID, "")))
	h.drain()
	if got := revPayments(h, "2026"); strings.Count(got, " 150000 ") != 2 {
		t.Fatalf("Q4: want the Q3 upload's 1500元 under both subjects:\n%s", got)
	}

	h.clock.Set(time.Date(2026, 12, 12, 10, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", q3))
	if got := revPayments(h, "2026"); got != afterQ2 {
		t.Errorf("after 撤销 %d:\n%s\nwant (the Q2 records):\n%s\nreply:\n%s", q3, got, afterQ2, reply)
	}
	if !strings.Contains(reply, "2条已发放记录") {
		t.Errorf("reply: want both records restored:\n%s", reply)
	}
}
