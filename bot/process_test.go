package bot

import (
	"strings"
	"testing"

	"zengshou/calc"
)

func TestPeriodInName(t *testing.T) {
	for name, want := range map[string]string{
		"2026年第4季度台账.xlsx":   "2026Q4",
		"林东镇2026年四季度.xlsx":   "2026Q4",
		"2025年第1季度收入台账.xlsx": "2025Q1",
		"ledger-2026Q3.xlsx": "2026Q3",
		"台账2026q2.xlsx":      "2026Q2",
		"2026年台账.xlsx":       "",
		"第5季度2026.xlsx":      "",
		// as cadres also write it: evaluated for the upload's quarter instead, without a word
		"2026年度第3季度台账.xlsx":  "2026Q3",
		"2026-Q3台账.xlsx":     "2026Q3",
		"台账_2026_Q3.xlsx":    "2026Q3",
		"２０２６年第３季度台账.xlsx":   "2026Q3",
		"2026年7-9月收入台账.xlsx": "2026Q3",
		"2026年7月-9月台账.xlsx":  "2026Q3",
		"2026年10至12月.xlsx":   "2026Q4",
		"2026年1-6月台账.xlsx":   "",
		"2026年1-12月台账.xlsx":  "",
		"2026年4-9月台账.xlsx":   "",
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

func TestNameMaskerMasksPeopleInGroupText(t *testing.T) {
	in := &calc.Inputs{Households: []calc.Household{{Head: "包玉山"}}, Laborers: []calc.Laborer{{Name: "吕德"}}}
	got := nameMasker(in).Replace("在家庭台账中找不到这一户（红旗村户主包玉山），吕德重复")
	if want := "在家庭台账中找不到这一户（红旗村户主包*山），吕*重复"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProblemTextIsShortForChat(t *testing.T) {
	long := calc.DataError{Sheet: "台账", Row: 7, Column: "工资性收入", Message: "‘工资性收入’的值“" + strings.Repeat("9", 40000) + "”不是数字"}
	got := problemText(long)
	if n := len([]rune(got)); n > 150 || !strings.HasPrefix(got, "“台账”第7行“工资性收入”列：") {
		t.Errorf("problem text for chat: %d runes: %.80s…", n, got)
	}
}
