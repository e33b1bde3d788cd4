package bot_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// One account that leads both the county and one of its townships is told of each overdue task
// once: the escalation listed every task twice (“以下4项” for 2 tasks). Items name the township.
func TestEscalationToALeaderOfNestedUnitsListsEachTaskOnce(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 1
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Roster.Leaders = []config.Leader{
			{Name: "旗领导", Unit: config.Unit{County: "巴林左旗"}, IDs: config.IDs{"local": "leader1"}},
			{Name: "镇领导", Unit: config.Unit{County: "巴林左旗", Township: "林东镇"}, IDs: config.IDs{"local": "leader1"}},
		}
	})
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // reminded once
	before := len(h.messages(""))
	h.tickAt(at(2026, 12, 2, 9, 0)) // escalated
	var esc []string
	for _, m := range h.messages("")[before:] {
		if strings.Contains(m.Text, "上报】") {
			esc = append(esc, m.Text)
		}
	}
	if len(esc) != 1 {
		t.Fatalf("escalations: %d, want one for the one account", len(esc))
	}
	n := regexp.MustCompile(`以下(\d+)项`).FindStringSubmatch(esc[0])
	items := regexp.MustCompile(`(?m)^\d+\. `).FindAllString(esc[0], -1)
	lines := map[string]bool{}
	for _, l := range strings.Split(esc[0], "\n") {
		if regexp.MustCompile(`^\d+\. `).MatchString(l) {
			body := regexp.MustCompile(`^\d+\. `).ReplaceAllString(l, "")
			if lines[body] {
				t.Errorf("task listed twice: %s", body)
			}
			lines[body] = true
		}
	}
	if n == nil || len(items) == 0 {
		t.Fatalf("escalation:\n%s", esc[0])
	}
	// A county's leader is told the township too: two 红旗村 of different townships look alike.
	if !regexp.MustCompile(`(?m)^1\. [^｜]*（林东镇(红旗村|东风村)）｜`).MatchString(esc[0]) {
		t.Errorf("escalation items do not name the township:\n%s", esc[0])
	}
}
