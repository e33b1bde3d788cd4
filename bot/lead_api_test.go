package bot_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestLeadAPIEvaluateCountsTheHouseholds: POST /api/v1/evaluate's summary counts the households
// it was sent, as its unit rows do (it said "households": 0 over units of 2).
func TestLeadAPIEvaluateCountsTheHouseholds(t *testing.T) {
	srv, _ := apiServer(t, nil)
	body := `{"period":"2026Q4","inputs":{"households":[
	{"id":"H1","head":"包玉山","category":"脱贫户","members":3,"county":"巴林左旗","township":"林东镇","village":"红旗村","cadre":"王建军","last_year_per_capita":"9000","ytd_per_capita":"8000"},
	{"id":"H2","head":"李桂兰","category":"脱贫户","members":2,"county":"巴林左旗","township":"隆昌镇","village":"光明村","last_year_per_capita":"8000","ytd_per_capita":"9500"}],
	"livestock":[{"household":"H1","species":"cattle","stock_start":5,"born":4,"sold":4,"young_sold":4}]}}`
	r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(body))
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("evaluate: %d %s", r.StatusCode, b)
	}
	var rep struct {
		Summary struct {
			Households int `json:"households"`
			Monitored  int `json:"monitored"`
			Units      []struct {
				Level      string `json:"level"`
				Households int    `json:"households"`
				Monitored  int    `json:"monitored"`
			} `json:"units"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	villages, monitored := 0, 0
	for _, u := range rep.Summary.Units {
		if u.Level == "village" {
			villages += u.Households
			monitored += u.Monitored
		}
	}
	if rep.Summary.Households != 2 || villages != 2 || rep.Summary.Monitored != monitored {
		t.Errorf("summary households %d monitored %d; village rows %d households, %d monitored; want 2",
			rep.Summary.Households, rep.Summary.Monitored, villages, monitored)
	}
}
