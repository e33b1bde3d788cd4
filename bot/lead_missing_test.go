package bot_test

import (
	"context"
	"strings"
	"testing"
)

// TestLeadVillageThatNeverUploaded: 胜利村 is in the roster (its own leader) but has never sent a
// ledger. The township's and the county's leaders are told so in their summaries (their figures
// count only the villages that did), the city's too; 进度 胜利村 says it has not uploaded rather
// than that there is no such unit.
func TestLeadVillageThatNeverUploaded(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第4季度台账.xlsx", 20, int64(30+i), 4)
	}
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	for _, m := range h.messages("summary") {
		has := strings.Contains(m.Text, "尚未上传台账：巴林左旗林东镇胜利村")
		want := map[string]bool{"lead-county": true, "lead-town": true, "lead-city": true, "admin1": true}[m.To[0]]
		if has != want {
			t.Errorf("%s: names 胜利村 as not uploaded %v, want %v:\n%s", m.To[0], has, want, m.Text)
		}
	}
	got := leadCommand(t, h, "p1", "镇群", "u", "进度 胜利村")
	if !strings.Contains(got, "胜利村") || !strings.Contains(got, "尚未上传台账") || strings.Contains(got, "没有找到") {
		t.Errorf("进度 胜利村:\n%s", got)
	}
	got = leadCommand(t, h, "p2", "镇群", "u", "进度 林东镇")
	if !strings.Contains(got, "尚未上传台账：巴林左旗林东镇胜利村") {
		t.Errorf("进度 林东镇 does not name 胜利村:\n%s", got)
	}
}
