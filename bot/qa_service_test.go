package bot_test

import (
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// A digest sent in the same pass as the escalation (Escalate runs first) must not warn that
// the escalated tasks "will be reported": they already were. It says so instead.
func TestDigestAfterEscalationSaysReportedNotWillReport(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 2
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // 1st reminder
	h.tickAt(at(2026, 12, 2, 9, 0)) // 2nd reminder: the fair warning
	third := len(h.messages(""))
	h.tickAt(at(2026, 12, 3, 9, 0)) // reminded twice: escalated, then the day's digest
	var escalated, digest string
	for _, m := range h.messages("")[third:] {
		switch {
		case strings.Contains(m.Text, "逾期上报"):
			escalated = m.Text
		case len(m.To) == 1 && m.To[0] == "wangjj":
			digest = m.Text
		}
	}
	if escalated == "" || !strings.Contains(escalated, "王建军") {
		t.Fatalf("12-03 must escalate 王建军's tasks to the leader: %q", escalated)
	}
	if digest == "" {
		t.Fatal("12-03: no digest for 王建军 (24 h repeat interval passed)")
	}
	if strings.Contains(digest, "将报告") {
		t.Errorf("the digest warns of a report that was already made in the same pass:\n%s", digest)
	}
	if !strings.Contains(digest, "已报告巴林左旗林东镇领导") {
		t.Errorf("the digest must tell the cadre which tasks were reported to the leader:\n%s", digest)
	}
}
