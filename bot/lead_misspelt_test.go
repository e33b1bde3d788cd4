package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// A leader whose village is misspelt in the roster (红旗材) read “暂无已上传的台账数据” every week;
// the summary now says the unit was not found and names the villages uploaded in its county.
func TestLeaderWithAMisspeltUnitIsToldSo(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Leaders = append(c.Roster.Leaders, config.Leader{Name: "村书记", Unit: config.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗材"},
			IDs: config.IDs{"local": "lead-typo"}})
	})
	h.upload("红旗村群", "台账.xlsx", 10, 3, q4())
	h.drain()
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	var text string
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 && m.To[0] == "lead-typo" {
			text = m.Text
		}
	}
	if !strings.Contains(text, "已上传的台账中没有“巴林左旗林东镇红旗材”") || !strings.Contains(text, "roster.leaders") || !strings.Contains(text, "林东镇红旗村") {
		t.Fatalf("summary to the leader of 红旗材:\n%s", text)
	}
}
