package bot_test

import (
	"strings"
	"testing"

	"zengshou/config"
)

// A large ledger's results are in a 计算结果 sheet keyed by 原表行号, and its workbook opens on
// the cadre's own sheet: the reply said “打开即为‘汇总’，每户右侧新增【增收计算】列” for it too,
// and the cadre looked beside the rows for columns that are not there.
func TestReplyNamesWhereTheResultsAre(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Limits.LargeFileRows = 10 })
	h.upload("红旗村", "大台账.xlsx", 20, 1, q4())
	h.upload("东风村", "小台账.xlsx", 4, 2, q4())
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 2 {
		t.Fatalf("%d replies, want 2", len(replies))
	}
	for _, m := range replies {
		large := m.Chat == "红旗村"
		columns := strings.Contains(m.Text, "每户右侧新增【增收计算】列")
		sheet := strings.Contains(m.Text, "“计算结果”工作表") && strings.Contains(m.Text, "原表行号")
		if large && (columns || !sheet || strings.Contains(m.Text, "打开即为")) {
			t.Errorf("large ledger (a 计算结果 sheet): the reply says\n%s", m.Text)
		}
		if !large && (!columns || sheet) {
			t.Errorf("small ledger (result columns): the reply says\n%s", m.Text)
		}
	}
}
