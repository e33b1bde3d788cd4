package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, config.EnvPrefix+"_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestPolicyListsEveryRule(t *testing.T) {
	clearEnv(t)
	var out, errOut bytes.Buffer
	if err := runPolicy(&out, &errOut, []string{"--date", "2024-06-30"}); err != nil {
		t.Fatalf("policy: %v\n%s", err, errOut.String())
	}
	text := out.String()
	for _, r := range calc.Rules {
		if !strings.Contains(text, r.Clause+"  "+r.ID+"  ") {
			t.Errorf("rule %s %s missing", r.Clause, r.ID)
		}
	}
	for _, k := range config.ParamKeys() {
		if !strings.Contains(text, "  "+k+"  ") {
			t.Errorf("parameter %s missing", k)
		}
	}
	for _, want := range []string{"出售犊牛奖补上限", "= 1000 元  [原文 seed]", "= 0.075（7.5%）  [数据 data]", "一类1980元/二类1910元/三类1850元", "2021-12-01 至 2024-12-01", "〔宁城县〕", "来源 source: 赤峰市2025年政府工作报告"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestPolicyJSON(t *testing.T) {
	clearEnv(t)
	var out, errOut bytes.Buffer
	if err := runPolicy(&out, &errOut, []string{"--json", "--county", "宁城县", "--date", "2025-01-15"}); err != nil {
		t.Fatalf("policy --json: %v\n%s", err, errOut.String())
	}
	var rep struct {
		Date       string `json:"date"`
		County     string `json:"county"`
		Rules      []struct{ ID, Clause, Kind, Title string }
		Parameters []struct {
			Key, Clause, Title, Basis, Value, From, Until, Source, County string
			Stale                                                         bool
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(rep.Rules) != len(calc.Rules) || rep.Date != "2025-01-15" || rep.County != "宁城县" {
		t.Fatalf("rules %d date %s county %s", len(rep.Rules), rep.Date, rep.County)
	}
	for i, r := range calc.Rules {
		if rep.Rules[i].ID != r.ID || rep.Rules[i].Clause != r.Clause || rep.Rules[i].Kind != string(r.Kind) || rep.Rules[i].Title != r.Title {
			t.Errorf("rule %d = %+v", i, rep.Rules[i])
		}
	}
	if len(rep.Parameters) != len(config.ParamKeys()) {
		t.Errorf("%d parameters for one county, want %d", len(rep.Parameters), len(config.ParamKeys()))
	}
	for _, p := range rep.Parameters {
		switch p.Key {
		case "wage.tier":
			if p.Value != "3" || p.County != "宁城县" {
				t.Errorf("tier %+v", p)
			}
		case "income.local_growth":
			if p.Value != "0.075" || !p.Stale || p.Basis != "data" || p.Source == "" {
				t.Errorf("local growth %+v", p)
			}
		case "wage.min_wage":
			if p.From != "2024-12-01" || !strings.Contains(p.Value, "2140") {
				t.Errorf("min wage %+v", p)
			}
		}
	}
}

func TestPolicyBadArguments(t *testing.T) {
	clearEnv(t)
	for _, args := range [][]string{{"--county", "某县"}, {"--date", "2025/01/01"}, {"extra"}} {
		var out, errOut bytes.Buffer
		err := runPolicy(&out, &errOut, args)
		if e, ok := err.(*exitError); !ok || e.code != 2 {
			t.Errorf("%v: err %v", args, err)
		}
	}
}
