package bot_test

import (
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// A report of tasks reminded escalate_after times, none overdue, was titled 逾期上报. It is a
// 待办上报; 逾期上报 is kept for a report whose every task is past its due date.
func TestPolishEscalationTitledByWhatItHolds(t *testing.T) {
	for _, c := range []struct {
		name     string
		escalate int
		ticks    []time.Time // the daily passes
		title    string
	}{
		// Reminded once (12-01) with escalate_after 1, reported with the next reminder (12-02):
		// the measure is due 2027-03-31, not overdue.
		{"reminded", 1, []time.Time{at(2026, 12, 1, 9, 0), at(2026, 12, 2, 9, 0)}, "【增收助手·待办上报】"},
		// escalate_after far off: reported on 2027-04-01, the day after its due date 2027-03-31.
		{"overdue", 50, []time.Time{at(2026, 12, 1, 9, 0), at(2027, 4, 1, 9, 0)}, "【增收助手·逾期上报】"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *config.Config) {
				endsQuiet(cfg)
				cfg.Reminders.EscalateAfter = c.escalate
			})
			endsStart(t, h)
			for _, tick := range c.ticks {
				h.tickAt(tick)
			}
			e := qaremindEscalations(h, "leader1")
			if len(e) != 1 {
				t.Fatalf("escalations: %q, want 1", e)
			}
			if !strings.HasPrefix(e[0], c.title) {
				t.Errorf("report titled:\n%s\nwant %s", e[0], c.title)
			}
		})
	}
}
