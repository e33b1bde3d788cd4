package bot_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"zengshou/config"
)

// A leader listed for a village by county and village alone (巴林左旗/红旗村, no township): the
// scheduled summary covers 巴林左旗林东镇红旗村 only (covers), not 宁城县天义镇红旗村. 汇总 sent by
// that leader: the workbook is the scheduled one, and the text must not list the other county's
// 红旗村 nor count its tasks either (it named every 红旗村 of the city: 进度 红旗村).
func TestRevDemandSummaryOfALeaderWithoutTownshipIsTheirVillageOnly(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Leaders = []config.Leader{
			{Name: "红旗村书记", Unit: config.Unit{County: "巴林左旗", Village: "红旗村"}, IDs: config.IDs{"local": "lead-hq"}},
		}
	})
	h.leadUpload(leadVillage{"巴林左旗", "林东镇", "红旗村", "100"}, "2026年第4季度台账.xlsx", 20, 30, 4)
	h.leadUpload(leadVillage{"宁城县", "天义镇", "红旗村", "103"}, "2026年第4季度台账.xlsx", 20, 31, 4)
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	var scheduled string
	for _, m := range h.messages("summary") {
		if m.File != "" && m.To[0] == "lead-hq" {
			scheduled = filepath.Join(h.dir, m.File)
		}
	}
	if scheduled == "" {
		t.Fatal("no scheduled workbook for the leader")
	}
	m := demandAsk(t, h, "r1", "", "lead-hq", "汇总")
	if m.File == "" {
		t.Fatalf("汇总: no workbook:\n%s", m.Text)
	}
	if got, want := demandRows(t, filepath.Join(h.dir, m.File)), demandRows(t, scheduled); !reflect.DeepEqual(got, want) {
		t.Errorf("the workbook differs from the scheduled one:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(m.Text, "宁城县") || strings.Contains(m.Text, "天义镇") || !strings.Contains(m.Text, "巴林左旗林东镇红旗村") {
		t.Errorf("汇总's text lists another county's 红旗村 (or not the leader's):\n%s", m.Text)
	}
	// Its figures are those of 进度 for the village's full name.
	own := demandAsk(t, h, "r2", "", "lead-hq", "进度 巴林左旗林东镇红旗村")
	head, _, _ := strings.Cut(m.Text, "\n附件为")
	_, body, _ := strings.Cut(head, "\n")
	_, want, _ := strings.Cut(own.Text, "\n")
	if body != want {
		t.Errorf("汇总's figures:\n%s\nwant 进度 巴林左旗林东镇红旗村's:\n%s", body, want)
	}
}
