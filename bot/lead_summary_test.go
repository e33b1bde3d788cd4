package bot_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// TestLeadSummaryWorkbookNamesItsQuarter: the leader's text says which quarter each unit's
// figures are of (（数据：2026年第4季度）, or the mix of the villages' latest quarters); the
// attached workbook, forwarded on its own, says the same on every row.
func TestLeadSummaryWorkbookNamesItsQuarter(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第3季度台账.xlsx", 20, int64(30+i), 3)
	}
	for i, v := range leadVillages[:4] { // 团结村 stays at its 第3季度 ledger
		h.leadUpload(v, "2026年第4季度台账.xlsx", 20, int64(30+i), 4)
	}
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{ // leader → unit → 数据季度
		"lead-ning": {
			"宁城县":       "各村最新一期，分属2026年第3季度、2026年第4季度",
			"宁城县天义镇":    "各村最新一期，分属2026年第3季度、2026年第4季度",
			"宁城县天义镇新民村": "2026年第4季度",
			"宁城县天义镇团结村": "2026年第3季度",
		},
		"lead-town": {
			"巴林左旗林东镇":    "2026年第4季度",
			"巴林左旗林东镇红旗村": "2026年第4季度",
			"巴林左旗林东镇东风村": "2026年第4季度",
		},
	}
	noteRe := regexp.MustCompile(`· (\S+?)：.*（数据：(?:各村最新一期，)?([^）]*?)(?:，不是同一季度)?）`)
	for _, m := range h.messages("summary") {
		units := want[m.To[0]]
		if units == nil {
			continue
		}
		f, err := excelize.OpenFile(filepath.Join(h.dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("汇总")
		f.Close()
		col := -1
		for j, c := range rows[0] {
			if c == "数据季度" {
				col = j
			}
		}
		if col < 0 {
			t.Fatalf("%s: the summary workbook has no 数据季度 column: %q", m.To[0], rows[0])
		}
		got := map[string]string{}
		for _, r := range rows[1:] {
			name := strings.Join(r[1:4], "")
			if len(r) > col {
				got[name] = r[col]
			}
		}
		for u, p := range units {
			if got[u] != p {
				t.Errorf("%s: %s 数据季度 %q, want %q", m.To[0], u, got[u], p)
			}
		}
		// The text's note says the same quarters as the workbook for every unit it lists.
		for _, n := range noteRe.FindAllStringSubmatch(m.Text, -1) {
			if cell := got[n[1]]; !strings.HasSuffix(cell, n[2]) {
				t.Errorf("%s: %s text %q, workbook %q", m.To[0], n[1], n[2], cell)
			}
		}
	}
}

// TestLeadSummaryVillageLeaderWithoutTownship: a leader's unit may name the county and the
// village without the township (config check accepts it): the summary lists that village's
// figures, as it does for a leader whose unit names all three.
func TestLeadSummaryVillageLeaderWithoutTownship(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		leadRoster(c)
		c.Roster.Leaders = append(c.Roster.Leaders, config.Leader{Name: "东风村书记",
			Unit: config.Unit{County: "巴林左旗", Village: "东风村"}, IDs: config.IDs{"local": "lead-dongfeng"}})
	})
	if errs, _ := h.cfg.Validate(); len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	h.leadUpload(leadVillages[1], "2026年第4季度台账.xlsx", 20, 31, 4)
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	var full, short string
	for _, m := range h.messages("summary") {
		switch m.To[0] {
		case "lead-dongfeng":
			short = m.Text
		case "lead-town":
			full = m.Text
		}
	}
	line := regexp.MustCompile(`· 巴林左旗林东镇东风村：[^\n]*`).FindString(full)
	if line == "" {
		t.Fatalf("township leader's summary lacks 东风村:\n%s", full)
	}
	if !strings.Contains(short, line) {
		t.Errorf("village leader (unit without township) gets no line for the village, want %q:\n%s", line, short)
	}
}

// TestLeadSummaryAdminWhoIsAlsoALeader: the admin is often the 乡村振兴局's own leader, in the
// roster twice with the same account. Their summary still lists the cadres missing from the
// roster (the admin's part), once.
func TestLeadSummaryAdminWhoIsAlsoALeader(t *testing.T) {
	for _, unit := range []config.Unit{{}, {County: "巴林左旗"}} {
		h := newHarness(t, func(c *config.Config) {
			c.Roster.Leaders = []config.Leader{{Name: "局长", Unit: unit, IDs: config.IDs{"local": "admin1"}}}
		})
		h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
		if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range h.messages("summary") {
			texts = append(texts, m.Text)
		}
		gaps := 0
		for _, s := range texts {
			if strings.Contains(s, "不在名册里") {
				gaps++
			}
		}
		if gaps != 1 {
			t.Errorf("leader unit %+v: %d summaries, %d with the roster gaps, want 1:\n%s", unit, len(texts), gaps, strings.Join(texts, "\n---\n"))
		}
	}
}

// TestLeadSummaryLeaderOfTwoUnits: a leader in charge of two townships is in the roster once
// for each, with the same account: a summary for each, not the first one only.
func TestLeadSummaryLeaderOfTwoUnits(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Leaders = []config.Leader{
			{Name: "副旗长", Unit: config.Unit{County: "巴林左旗", Township: "林东镇"}, IDs: config.IDs{"local": "fu"}},
			{Name: "副旗长", Unit: config.Unit{County: "巴林左旗", Township: "隆昌镇"}, IDs: config.IDs{"local": "fu"}},
		}
	})
	h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
	h.leadUpload(leadVillages[2], "2026年第4季度台账.xlsx", 20, 32, 4)
	for range 2 { // and nothing twice
		if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range h.messages("summary") {
		if m.To[0] == "fu" {
			got = append(got, m.Text)
		}
	}
	all := strings.Join(got, "\n---\n")
	if len(got) != 2 || !strings.Contains(all, "· 巴林左旗林东镇红旗村：") || !strings.Contains(all, "· 巴林左旗隆昌镇光明村：") {
		t.Errorf("%d summaries, want one for each township:\n%s", len(got), all)
	}
}

// TestLeadSummarySaysWhenTheLocalGrowthIsLastYears: 两高于 compares with the local growth of the
// data's year; when the admin has not set it yet, calc uses the latest earlier value, and the
// leader's line says so instead of passing 2024's figure off as 2026's.
func TestLeadSummarySaysWhenTheLocalGrowthIsLastYears(t *testing.T) {
	for _, set := range []bool{false, true} {
		h := newHarness(t, func(c *config.Config) {
			leadRoster(c)
			if set {
				lg := &c.Policy.LocalIncomeGrowth
				lg.Values = append(lg.Values, calc.Dated[calc.Rate]{From: calc.Day(2026, 1, 1), Until: calc.Day(2027, 1, 1), Value: lg.Values[len(lg.Values)-1].Value})
			}
		})
		h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
		if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
			t.Fatal(err)
		}
		var text string
		for _, m := range h.messages("summary") {
			if m.To[0] == "lead-town" {
				text = m.Text
			}
		}
		line := regexp.MustCompile(`· 巴林左旗林东镇红旗村：[^\n]*两高于[^\n]*`).FindString(text)
		if line == "" {
			t.Fatalf("no 两高于 for 红旗村:\n%s", text)
		}
		if note := strings.Contains(line, "当地农牧民7.5%（2026年未设置，暂用2024年数值）"); note == set {
			t.Errorf("2026 value set %v: %q", set, line)
		}
		var file string
		for _, m := range h.messages("summary") {
			if m.To[0] == "lead-town" {
				file = m.File
			}
		}
		f, err := excelize.OpenFile(filepath.Join(h.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("汇总")
		f.Close()
		for _, r := range rows[1:] {
			if r[3] == "红旗村" && (r[13] == "7.5%（2026年未设置，暂用2024年数值）") == set {
				t.Errorf("2026 value set %v: workbook 当地农牧民收入增速 %q", set, r[13])
			}
		}
	}
}
