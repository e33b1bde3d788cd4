package bot_test

import (
	"strings"
	"testing"
)

// 汇总 of a unit that matches nothing answered with 进度's sentence, whose examples are 进度's
// (“进度 红旗村”, 发送“进度”查看全部单位): followed, they send text without the workbook the
// sender asked for. The examples are 汇总's, and the whole city is “汇总 全市” (plain 汇总 is a
// leader's own unit). 进度 keeps its own.
func TestFreshSummaryUnknownUnitExamplesAreSummarys(t *testing.T) {
	h := newHarness(t, leadRoster)
	h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
	m := demandAsk(t, h, "fu1", "镇群", "someone", "汇总 红旗材")
	want := "没有找到单位“红旗材”。请发送旗县区、苏木乡镇或嘎查村的全称，如“汇总 红旗村”（同名的村连同乡镇写，如“汇总 林东镇红旗村”）；发送“汇总 全市”查看全部单位。"
	if m.File != "" || m.Text != want {
		t.Errorf("汇总 红旗材: file %q\n%s\nwant\n%s", m.File, m.Text, want)
	}
	p := demandAsk(t, h, "fu2", "镇群", "someone", "进度 红旗材")
	if !strings.Contains(p.Text, "如“进度 红旗村”") || !strings.Contains(p.Text, "发送“进度”查看全部单位") {
		t.Errorf("进度 红旗材: %s", p.Text)
	}
}
