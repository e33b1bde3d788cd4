package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheckExample(t *testing.T) {
	clearEnv(t)
	var out, errOut bytes.Buffer
	if err := runConfig(&out, &errOut, []string{"check", "../../config/zengshou.example.yaml"}); err != nil {
		t.Fatalf("example rejected: %v\n%s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "配置有效 / config is valid") {
		t.Errorf("output:\n%s", out.String())
	}
	if strings.Contains(out.String(), "警告") {
		t.Errorf("example has warnings:\n%s", out.String())
	}
}

func TestConfigCheckRejects(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	for _, tc := range []struct{ name, yaml, key string }{
		{"negative cap", "policy:\n  industry:\n    calf_cap: -5\n", "policy.industry.calf_cap = -5"},
		{"unknown county", "policy:\n  filial:\n    ratio:\n      counties: {不存在县: 1.2}\n", "policy.filial.ratio.counties.不存在县"},
		{"quarter share above 1", "policy:\n  income:\n    quarter_share: [0.2, 0.45, 1.2, 1]\n", "policy.income.quarter_share"},
		// An admin's usual mistakes: one line each naming the key, the value and the reason.
		{"misspelt key", "reminders:\n  digest_tme: \"09:00\"\n", "reminders.digest_tme = \"09:00\"：未知的配置项，是否应为 reminders.digest_time？"},
		{"amount in words", "policy:\n  industry:\n    calf_cap: 三千\n", "policy.industry.calf_cap = \"三千\"：不是有效金额"},
		{"negative amount", "policy:\n  job:\n    transport: -300\n", "policy.job.transport = -300：金额不能为负数"},
		{"rate as percent", "policy:\n  income:\n    local_growth:\n      - {from: 2026-01-01, until: 2027-01-01, value: 7.5}\n",
			"policy.income.local_growth[0] = 7.5：应在 -1 到 1 之间；比例写小数，7.5% 应写 0.075"},
		{"date format", "policy:\n  income:\n    monitoring_line:\n      - {from: 2026/01/01, value: 7500}\n",
			"policy.income.monitoring_line[0].from = \"2026/01/01\"：日期格式应为 YYYY-MM-DD"},
		{"overlap", "policy:\n  income:\n    local_growth:\n      - {from: 2025-01-01, until: 2026-06-01, value: 0.07}\n      - {from: 2026-01-01, value: 0.06}\n",
			"policy.income.local_growth：第1项与第2项的生效期重叠"},
		{"cadre without ids", "roster:\n  cadres:\n    - name: 王建军\n", "roster.cadres[0].ids = {}：没有填写任何平台的用户ID"},
		{"leader without unit", "roster:\n  leaders:\n    - name: 李四\n      ids: {feishu: ou_y}\n", "roster.leaders[0].unit：没有填写领导负责的单位"},
		{"platform without secret", "wecom:\n  enabled: true\n  corp_id: ww1\n  agent_id: 1000002\n", "wecom.secret 未设置：自建应用的 Secret；请在配置文件中写 file: 引用，或设置环境变量 ZENGSHOU_WECOM_SECRET"},
		{"quiet hours 25:00", "reminders:\n  quiet_start: \"25:00\"\n", "reminders.quiet_start = \"25:00\"：时间格式应为 HH:MM"},
		{"holiday", "reminders:\n  holidays: [2026-10-01, 2026-10-32]\n", "reminders.holidays[1] = \"2026-10-32\"：不是有效日期"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			err := runConfig(&out, &errOut, []string{"check", path})
			if e, ok := err.(*exitError); !ok || e.code != 1 {
				t.Fatalf("err = %v, want exit 1", err)
			}
			if !strings.Contains(errOut.String(), tc.key) || !strings.Contains(errOut.String(), "配置无效") {
				t.Errorf("message does not name %s:\n%s", tc.key, errOut.String())
			}
			if n := strings.Count(errOut.String(), "错误 error:"); n != 1 {
				t.Errorf("%d error lines, want 1:\n%s", n, errOut.String())
			}
		})
	}
}

func TestConfigCheckSecretsRedacted(t *testing.T) {
	clearEnv(t)
	t.Setenv("ZENGSHOU_FEISHU_APP_SECRET", "very-secret-app-secret")
	path := filepath.Join(t.TempDir(), "z.yaml")
	yaml := "feishu:\n  enabled: true\n  app_id: cli_x\n  mode: websocket\n  encrypt_key: \"1212121212\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := runConfig(&out, &errOut, []string{"check", path}); err != nil {
		t.Fatalf("rejected: %v\n%s", err, errOut.String())
	}
	s := out.String()
	if strings.Contains(s, "very-secret-app-secret") || strings.Contains(s, "1212121212") {
		t.Errorf("secret printed:\n%s", s)
	}
	if !strings.Contains(s, "feishu.encrypt_key") || !strings.Contains(s, "ZENGSHOU_FEISHU_ENCRYPT_KEY") {
		t.Errorf("no warning about the secret in the file:\n%s", s)
	}
}

func TestConfigUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if e, ok := runConfig(&out, &errOut, nil).(*exitError); !ok || e.code != 2 {
		t.Errorf("no subcommand: %v", e)
	}
	for _, args := range [][]string{{"--help"}, {"check", "--help"}, {"-h"}} {
		out.Reset()
		if err := runConfig(&out, &errOut, args); err != nil || !strings.Contains(out.String(), "退出码") {
			t.Errorf("%v: %v\n%s", args, err, out.String())
		}
	}
}
