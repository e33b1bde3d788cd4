package bot

import "testing"

func TestPeriodInName(t *testing.T) {
	for name, want := range map[string]string{
		"2026年第4季度台账.xlsx":  "2026Q4",
		"林东镇2026年四季度.xlsx":  "2026Q4",
		"2025年第1季度收入台账.xlsx": "2025Q1",
		"ledger-2026Q3.xlsx":   "2026Q3",
		"台账2026q2.xlsx":        "2026Q2",
		"2026年台账.xlsx":         "",
		"第5季度2026.xlsx":        "",
	} {
		p, ok := periodInName(name)
		got := ""
		if ok {
			got = p.String()
		}
		if got != want {
			t.Errorf("periodInName(%q) = %q, want %q", name, got, want)
		}
	}
	if _, ok := periodInName("x"); ok {
		t.Error("no period in a plain name")
	}
}
