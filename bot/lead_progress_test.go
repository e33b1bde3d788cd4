package bot_test

import (
	"strings"
	"testing"
)

// TestLeadProgressByTheNameItPrints: 进度 names a unit as 巴林左旗林东镇红旗村; the name copied
// back from that line (or written township + village, to tell apart two villages of the same
// name) finds that unit, and only that one.
func TestLeadProgressByTheNameItPrints(t *testing.T) {
	h := newHarness(t, leadRoster)
	h.leadUpload(leadVillage{"巴林左旗", "林东镇", "红旗村", "100"}, "2026年第4季度台账.xlsx", 20, 30, 4)
	h.leadUpload(leadVillage{"巴林左旗", "隆昌镇", "红旗村", "101"}, "2026年第4季度台账.xlsx", 20, 31, 4)
	both := leadCommand(t, h, "p0", "镇群", "u", "进度 红旗村")
	if !strings.Contains(both, "· 巴林左旗林东镇红旗村：") || !strings.Contains(both, "· 巴林左旗隆昌镇红旗村：") {
		t.Fatalf("进度 红旗村 lists both villages of that name:\n%s", both)
	}
	for i, name := range []string{"巴林左旗林东镇红旗村", "林东镇红旗村", "巴林左旗林东镇", "巴林左旗/林东镇/红旗村"} {
		got := leadCommand(t, h, "p"+string(rune('a'+i)), "镇群", "u", "进度 "+name)
		if !strings.Contains(got, "· 巴林左旗林东镇红旗村：") || strings.Contains(got, "隆昌镇") || strings.Contains(got, "没有找到") {
			t.Errorf("进度 %s:\n%s", name, got)
		}
	}
}
