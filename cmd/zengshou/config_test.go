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
}
