package bot_test

import (
	"strings"
	"testing"
)

// A 牲畜台账 named for 2026Q3 sent after the village's 2026Q4 workbook is history for its
// households (README: 文件名写明的季度早于这些户已上传过的季度时…不新增、不销号这些户的待办),
// though it has no household sheet of its own.
func TestOlderQuarterLivestockLedgerSentAloneChangesNoTasks(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	before := openByRule(t, h, "subsidy_unpaid")
	if len(before) != 1 {
		t.Fatalf("2026Q4: want one subsidy_unpaid task: %+v", before)
	}
	// In Q3 only 2 calves had been sold, and 400元 paid: as of Q3, nothing owed.
	h.drop(dir, "2026年第3季度牲畜台账.xlsx", sheetFile(t, "牲畜台账", lifeLivestock(2, 400)))
	h.drain()
	after := openByRule(t, h, "subsidy_unpaid")
	if len(after) != 1 || after[0].ID != before[0].ID {
		t.Errorf("the 2026Q3 牲畜台账 changed the 2026Q4 tasks: before %+v, after %+v", before, after)
	}
	r := h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "不新增、不销号") {
		t.Errorf("reply does not say the older ledger changes no tasks:\n%s", last)
	}
}
