package bot_test

import (
	"testing"
	"time"
)

// The 2026Q3 workbook records 包玉山's calf subsidy paid (3 calves, 600元). The 2026Q4 牲畜台账,
// sent alone as cadres keep it, leaves 已发放 blank: the 600元 stored counts.
func TestLivestockLedgerSentAloneCountsThePaymentStoredBefore(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
		t.Fatalf("Q3: paid in full, yet %+v", got)
	}
	h.clock.Set(time.Date(2026, 12, 14, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度牲畜台账.xlsx", sheetFile(t, "牲畜台账", lifeLivestock(3, "")))
	h.drain()
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
		t.Errorf("Q4: the 600元 paid is owed again: %s", got[0].Explain)
	}
}
