package bot_test

import (
	"context"
	"strings"
	"testing"
)

// TestLeadNoHouseholdNameInClear: Q3 ledgers of five villages, a week of digests, escalations,
// the weekly and quarterly summaries when every task is long overdue, and the commands: nothing
// but the responsible cadre's own direct digest shows a household's name whole (cadres' names
// are not masked), and nothing an ID or phone number.
func TestLeadNoHouseholdNameInClear(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第3季度台账.xlsx", 20, int64(30+i), 3)
	}
	h.svc.Tick(context.Background())
	for _, d := range []int{1, 2, 3, 4, 7, 8} {
		h.tickAt(at(2026, 12, d, 9, 0))
	}
	h.tickAt(at(2027, 5, 10, 9, 0))
	for _, c := range []string{"进度", "进度 林东镇", "待办", "名册"} {
		leadCommand(t, h, "m"+c, "镇群", "admin1", c)
	}
	names, _ := h.st.PersonNames(context.Background())
	kinds := map[string]int{}
	for _, m := range h.messages("") {
		kinds[m.Kind]++
		if len(m.To) == 1 && m.To[0] == "wangjj" {
			continue // the responsible cadre's own digest
		}
		for _, n := range names {
			if len([]rune(n)) >= 2 && strings.Contains(m.Text, n) && n != "王建军" && n != "刘海燕" && n != "李志强" {
				t.Errorf("%s to %v %s: %s in clear", m.Kind, m.To, m.Chat, n)
			}
		}
		if containsID(m.Text) || strings.Contains(m.Text, "138") && strings.Contains(m.Text, "5678") {
			t.Errorf("%s to %v: ID/phone", m.Kind, m.To)
		}
	}
	if kinds["summary"] == 0 || kinds["reminder"] == 0 || !strings.Contains(strings.Join(texts(h), "\n"), "上报】") {
		t.Errorf("the scenario sent no summaries or escalations: %v", kinds)
	}
}

func texts(h *harness) []string {
	var out []string
	for _, m := range h.messages("") {
		out = append(out, m.Text)
	}
	return out
}
