package bot_test

import (
	"context"
	"testing"
)

// TestLeadSummaryNotSentAgainAfterACrashOvernight: the weekly pass of Monday 12-07 08:30 sends the
// summaries and the service dies before it records the pass. Restarted that evening (quiet
// hours), the pass runs again on Tuesday at 08:00: the leaders who had Monday's summary do not
// get it a second time.
func TestLeadSummaryNotSentAgainAfterACrashOvernight(t *testing.T) {
	h := newHarness(t, leadRoster)
	h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
	if err := h.svc.Tick(context.Background()); err != nil { // the schedules start now
		t.Fatal(err)
	}
	h.clock.Set(at(2026, 12, 7, 8, 31))
	n, err := h.svc.SendSummaries(context.Background(), "weekly") // the pass, its mark never saved
	if err != nil || n == 0 {
		t.Fatalf("weekly pass: %d %v", n, err)
	}
	h.start()
	if k := h.tickAt(at(2026, 12, 7, 21, 30)); count(k, "summary") != 0 {
		t.Fatalf("summaries in quiet hours: %v", k)
	}
	if k := h.tickAt(at(2026, 12, 8, 8, 0)); count(k, "summary") != 0 {
		t.Errorf("Tuesday: %d summaries sent again", count(k, "summary"))
	}
	// The next week's pass is sent.
	if k := h.tickAt(at(2026, 12, 14, 8, 30)); count(k, "summary") != n {
		t.Errorf("next Monday: %d summaries, want %d", count(k, "summary"), n)
	}
}
