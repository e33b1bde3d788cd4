package config

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"zengshou/calc"
)

// clearEnv unsets every ZENGSHOU_ variable for the test, so a developer's shell does not leak in.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, EnvPrefix+"_") {
			t.Setenv(k, "") // restores the value after the test
			os.Unsetenv(k)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// service is the config without the policy and the load bookkeeping, for comparisons.
func service(c *Config) Config {
	s := *c
	s.Policy, s.File, s.Warnings, s.loadWarnings = nil, "", nil, nil
	return s
}

func TestDefaultsWithNoFile(t *testing.T) {
	clearEnv(t)
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings with defaults: %q", c.Warnings)
	}
	if got, want := mustJSON(t, service(c)), mustJSON(t, service(Defaults())); got != want {
		t.Errorf("defaults differ:\n got %s\nwant %s", got, want)
	}
	if got, want := mustJSON(t, c.Policy), mustJSON(t, DefaultPolicy()); got != want {
		t.Errorf("default policy differs")
	}
	if c.Limits.ParseTimeout != 120*time.Second || c.Workers.RetryBase != 2*time.Second || c.Reminders.RepeatInterval != 72*time.Hour {
		t.Errorf("durations: %v %v %v", c.Limits.ParseTimeout, c.Workers.RetryBase, c.Reminders.RepeatInterval)
	}
	if c.HTTP.MaxParallel != 2 {
		t.Errorf("http.max_parallel = %d, want 2", c.HTTP.MaxParallel)
	}
	if c.Retention.FilesDays != 180 {
		t.Errorf("retention.files_days = %d, want 180", c.Retention.FilesDays)
	}
	if c.Reminders.Location().String() != "Asia/Shanghai" {
		t.Errorf("location = %v", c.Reminders.Location())
	}
}

func TestLoadHonoursZengshouConfig(t *testing.T) {
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "z.yaml")
	if err := os.WriteFile(path, []byte("data_dir: /srv/zs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvConfig, path)
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/zs" || c.File != path {
		t.Errorf("data_dir %q file %q", c.DataDir, c.File)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

// The example documents every key, parses, validates clean and ships exactly the defaults.
func TestExampleFile(t *testing.T) {
	clearEnv(t)
	c, err := Load("zengshou.example.yaml")
	if err != nil {
		t.Fatalf("example: %v", err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("example warnings: %q", c.Warnings)
	}
	if got, want := mustJSON(t, c.Policy), mustJSON(t, DefaultPolicy()); got != want {
		t.Errorf("example policy differs from DefaultPolicy():\n got %s\nwant %s", got, want)
	}
	if got, want := mustJSON(t, service(c)), mustJSON(t, service(Defaults())); got != want {
		t.Errorf("example service sections differ from Defaults():\n got %s\nwant %s", got, want)
	}

	text, err := os.ReadFile("zengshou.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]any{}
	if err := yaml.Unmarshal(text, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range leafKeys("", reflect.TypeFor[Config]()) {
		if _, ok := lookup(raw, key); ok {
			continue
		}
		if env, ok := Secrets()[key]; ok && strings.Contains(string(text), env) {
			continue
		}
		t.Errorf("example does not document %s", key)
	}
	// The fields of list and map entries (roster.cadres[].units[].village, dingtalk.webhooks.*.url)
	// are shown in the example's comments.
	for _, key := range entryKeys("", reflect.TypeFor[Config](), false) {
		last := key[strings.LastIndexAny(key, ".]")+1:]
		if !regexp.MustCompile(`[\s{,]` + regexp.QuoteMeta(last) + `:`).Match(text) {
			t.Errorf("example does not show %s (%s:)", key, last)
		}
	}
	for _, key := range ParamKeys() {
		if _, ok := lookup(raw, "policy."+key); !ok {
			t.Errorf("example does not list policy.%s", key)
		}
	}
	for _, secret := range Secrets() {
		if !strings.Contains(string(text), secret) {
			t.Errorf("example does not name %s", secret)
		}
	}
}

// leafKeys lists the config keys of a struct type (maps and slices are leaves).
func leafKeys(prefix string, t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			out = append(out, leafKeys(prefix+tag+".", f.Type)...)
			continue
		}
		out = append(out, prefix+tag)
	}
	return out
}

// entryKeys lists the keys inside list and map entries of a struct type: roster.cadres[].name.
func entryKeys(prefix string, t reflect.Type, inEntry bool) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		if inEntry {
			out = append(out, prefix+tag)
		}
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]():
			out = append(out, entryKeys(prefix+tag+".", ft, inEntry)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && ft.Elem() != reflect.TypeFor[time.Time]():
			out = append(out, entryKeys(prefix+tag+"[].", ft.Elem(), true)...)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			out = append(out, entryKeys(prefix+tag+".*.", ft.Elem(), true)...)
		}
	}
	return out
}

// Every calc.Param field of calc.Policy is in the parameter table, under a unique key.
func TestParamTableCoversPolicy(t *testing.T) {
	n := 0
	for f := range reflect.TypeFor[calc.Policy]().Fields() {
		if strings.HasPrefix(f.Type.Name(), "Param[") {
			n++
		}
	}
	keys := ParamKeys()
	if len(keys) != n {
		t.Errorf("table has %d parameters, calc.Policy has %d", len(keys), n)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k == "" || seen[k] {
			t.Errorf("empty or duplicate key %q", k)
		}
		seen[k] = true
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	clearEnv(t)
	t.Setenv("ZENGSHOU_WORKERS_COUNT", "4")
	t.Setenv("ZENGSHOU_HTTP_ADDR", ":9090")
	t.Setenv("ZENGSHOU_REMINDERS_REPEAT_INTERVAL", "24h")
	t.Setenv("ZENGSHOU_FEISHU_APP_SECRET", "env-secret-value")
	t.Setenv("ZENGSHOU_HTTP_TOKENS", "token-aaaaaaaaaaaaaaaa, token-bbbbbbbbbbbbbbbb")
	t.Setenv("ZENGSHOU_LEDGER_PASSWORD", "pw")
	t.Setenv("ZENGSHOU_POLICY_INDUSTRY_CALF_CAP", "800")
	t.Setenv("ZENGSHOU_POLICY_FILIAL_RATIO", "1.2")
	c, err := Parse([]byte("workers: {count: 3}\nhttp: {addr: \":7070\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers.Count != 4 || c.HTTP.Addr != ":9090" || c.Reminders.RepeatInterval != 24*time.Hour {
		t.Errorf("env did not override: count %d addr %q repeat %v", c.Workers.Count, c.HTTP.Addr, c.Reminders.RepeatInterval)
	}
	if c.Feishu.AppSecret != "env-secret-value" || c.Ledger.XLSXPassword != "pw" {
		t.Errorf("secrets from env not read")
	}
	if !slices.Equal(c.HTTP.Tokens, []string{"token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"}) {
		t.Errorf("tokens = %d", len(c.HTTP.Tokens))
	}
	if v, _ := c.Policy.CalfCap.Value("", calc.Day(2026, 1, 1)); v != calc.Yuan(800) {
		t.Errorf("calf_cap = %v", v)
	}
	if v, _ := c.Policy.FilialRatio.Value("", calc.Day(2026, 1, 1)); v.String() != "1.2" {
		t.Errorf("filial ratio = %v", v)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "env-secret-value") {
			t.Error("secret in a warning")
		}
	}
	if strings.Contains(c.Summary(), "env-secret-value") || strings.Contains(c.Summary(), "token-aaaa") {
		t.Error("secret in the summary")
	}
	if b, _ := json.Marshal(c); strings.Contains(string(b), "env-secret-value") || strings.Contains(string(b), "token-aaaa") {
		t.Error("secret in the JSON form")
	}
}

func TestSecretFileReference(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	appSecret := write("app_secret", "from-file-secret\n")
	aesKey := write("aes", "from-env-file\n")
	tokens := write("tokens", "tok-1111111111111111\ntok-2222222222222222\n")
	t.Setenv("ZENGSHOU_WECOM_ENCODING_AES_KEY_FILE", aesKey)
	c, err := Parse([]byte("feishu: {app_secret: \"file:" + appSecret + "\"}\nhttp: {tokens: [\"file:" + tokens + "\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Feishu.AppSecret != "from-file-secret" {
		t.Errorf("app_secret from file not read")
	}
	if c.WeCom.EncodingAESKey != "from-env-file" {
		t.Errorf("encoding_aes_key from _FILE not read")
	}
	if len(c.HTTP.Tokens) != 2 || c.HTTP.Tokens[1] != "tok-2222222222222222" {
		t.Errorf("tokens from file: %d", len(c.HTTP.Tokens))
	}
	if len(c.Warnings) != 0 {
		t.Errorf("a file reference is not a secret in the file: %q", c.Warnings)
	}

	_, err = Parse([]byte("dingtalk: {app_secret: \"file:" + filepath.Join(dir, "nope") + "\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "dingtalk.app_secret") {
		t.Errorf("missing secret file: %v", err)
	}
}

func TestSecretInFileWarns(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte("feishu:\n  encrypt_key: \"1212121212\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Feishu.EncryptKey != "1212121212" {
		t.Errorf("secret in YAML not used")
	}
	found := false
	for _, w := range c.Warnings {
		if strings.Contains(w, "1212121212") {
			t.Errorf("warning shows the secret: %s", w)
		}
		if strings.Contains(w, "feishu.encrypt_key") && strings.Contains(w, "ZENGSHOU_FEISHU_ENCRYPT_KEY") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming feishu.encrypt_key: %q", c.Warnings)
	}
}

func TestCaseSensitiveMaps(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte(`
wecom:
  webhook_keys: {wrKxABCdef: key-1}
ledger:
  templates:
    - {name: T, match: 牲畜台账, fields: {"ID号": id_number}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.WeCom.WebhookKeys["wrKxABCdef"]; !ok {
		t.Errorf("chat id case lost: %v", c.WeCom.WebhookKeys)
	}
	if c.Ledger.Templates[0].Fields["ID号"] != "id_number" {
		t.Errorf("header case lost: %v", c.Ledger.Templates[0].Fields)
	}
}

func TestDatedValuesAndCounties(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte(`
policy:
  income:
    local_growth:
      - {from: 2024-01-01, until: 2025-01-01, value: 0.075, source: a}
      - {from: 2025-01-01, until: 2026-01-01, value: "6.8%", source: b}
  industry.cap_basis:
    counties: {宁城县: person}
  filial:
    ratio: {value: 0.9, counties: {敖汉旗: [{until: 2026-01-01, value: 1.0}, {from: 2026-01-01, value: 1.5}]}}
  wage:
    tier: {counties: {红山区: 3}}
    min_wage:
      - {from: 2024-12-01, tier1: 2270, tier2: 2200, tier3: "2140.50"}
  prices:
    牛: [{date: 2025-10-01, price: 12000}, {date: 2026-10-01, price: "10500.5"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Policy
	g, u, ok := p.LocalIncomeGrowth.At("宁城县", calc.Day(2025, 6, 30))
	if !ok || g.String() != "0.068" || u.Source != "b" || u.From != "2025-01-01" {
		t.Errorf("local growth 2025: %v %+v %v", g, u, ok)
	}
	if _, u, ok := p.LocalIncomeGrowth.Latest("", calc.Day(2026, 3, 31)); !ok || !u.Stale || u.Value != "0.068" {
		t.Errorf("local growth 2026 falls back: %+v", u)
	}
	if v, _ := p.CapBasis.Value("宁城县", calc.Day(2026, 1, 1)); v != calc.CapPerPerson {
		t.Errorf("宁城县 cap basis = %q", v)
	}
	if v, _ := p.CapBasis.Value("敖汉旗", calc.Day(2026, 1, 1)); v != calc.CapPerHousehold {
		t.Errorf("敖汉旗 cap basis = %q", v)
	}
	for _, tc := range []struct {
		county string
		d      time.Time
		want   string
	}{{"敖汉旗", calc.Day(2025, 12, 31), "1"}, {"敖汉旗", calc.Day(2026, 1, 1), "1.5"}, {"宁城县", calc.Day(2026, 1, 1), "0.9"}} {
		if v, _ := p.FilialRatio.Value(tc.county, tc.d); v.String() != tc.want {
			t.Errorf("filial ratio %s %s = %v, want %s", tc.county, calc.DateText(tc.d), v, tc.want)
		}
	}
	if v, _, _ := p.MinWageTier.At("红山区", calc.Day(2026, 1, 1)); v != 3 {
		t.Errorf("红山区 tier = %d (override)", v)
	}
	if v, _, _ := p.MinWageTier.At("松山区", calc.Day(2026, 1, 1)); v != 2 {
		t.Errorf("松山区 tier = %d (default kept)", v)
	}
	if w, _, ok := p.MinWage.At("", calc.Day(2026, 1, 1)); !ok || w.Tier(3) != calc.Fen(214050) {
		t.Errorf("min wage = %v", w)
	}
	if _, _, ok := p.MinWage.At("", calc.Day(2024, 1, 1)); ok {
		t.Errorf("min wage list replaced: 2024 should have none")
	}
	if pts := p.Prices["牛"]; len(pts) != 2 || pts[1].Price != calc.Fen(1050050) {
		t.Errorf("prices = %v", pts)
	}
}

func TestExactMoney(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte("policy: {industry: {calf_per_head: 0.29, lamb_per_head: \"1,000.10\"}, scale: {rigid_amount: 1e4}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Policy.CalfPerHead.Value("", time.Time{}); v != 29 {
		t.Errorf("0.29 yuan = %d fen", v)
	}
	if v, _ := c.Policy.LambPerHead.Value("", time.Time{}); v != 100010 {
		t.Errorf("1,000.10 yuan = %d fen", v)
	}
	if v, _ := c.Policy.RigidAmount.Value("", time.Time{}); v != calc.Yuan(10000) {
		t.Errorf("1e4 yuan = %d fen", v)
	}
}

func TestValidationMessages(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct {
		name, yaml string
		want       []string // substrings of one message each
	}{
		{"negative cap", "policy: {industry: {calf_cap: -5}}",
			[]string{"policy.industry.calf_cap = -5：金额不能为负数 (must not be negative)"}},
		{"unknown county", "policy: {filial: {ratio: {counties: {不存在县: 1.2}}}}",
			[]string{"policy.filial.ratio.counties.不存在县 = 1.2：未知的旗县区"}},
		{"quarter share above 1", "policy: {income: {quarter_share: [0.2, 0.45, 1.2, 1]}}",
			[]string{"policy.income.quarter_share = 0.2/0.45/1.2/1：第3季度累计占比 1.2 应在 0 到 1 之间"}},
		{"Q4 not 1", "policy: {income: {quarter_share: [0.2, 0.45, 0.7, 0.9]}}",
			[]string{"policy.income.quarter_share", "Q4 share must be 1"}},
		{"shares decrease", "policy: {income: {quarter_share: [0.5, 0.45, 0.7, 1]}}",
			[]string{"policy.income.quarter_share", "must not decrease"}},
		{"quarter share not four", "policy: {income: {quarter_share: [0.5, 1]}}",
			[]string{"policy.income.quarter_share = [0.5 1]：应为四个季度"}},
		{"filial ratio out of range", "policy: {filial: {ratio: 1.6}}",
			[]string{"policy.filial.ratio = 1.6：应在 0.8 到 1.5 之间"}},
		{"cap basis", "policy: {industry: {cap_basis: family}}",
			[]string{"policy.industry.cap_basis = family：只能是 household"}},
		{"tier", "policy: {wage: {tier: {counties: {宁城县: 4}}}}",
			[]string{"policy.wage.tier.counties.宁城县 = 4：最低工资地区类别只能是 1、2 或 3"}},
		{"rate above 1", "policy: {scale: {price_drop: 1.5}}",
			[]string{"policy.scale.price_drop = 1.5：应在 0 到 1 之间"}},
		{"overlap", "policy: {income: {local_growth: [{from: 2024-01-01, until: 2025-06-01, value: 0.07}, {from: 2025-01-01, value: 0.06}]}}",
			[]string{"policy.income.local_growth：第1项与第2项的生效期重叠"}},
		{"from after until", "policy: {income: {monitoring_line: [{from: 2025-01-01, until: 2024-01-01, value: 7000}]}}",
			[]string{"policy.income.monitoring_line[0]：生效日期 from 2025-01-01 应早于失效日期 until 2024-01-01"}},
		{"bad date", "policy: {income: {monitoring_line: [{from: 2025-13-01, value: 7000}]}}",
			[]string{"policy.income.monitoring_line[0].from = \"2025-13-01\"：日期格式应为 YYYY-MM-DD"}},
		{"three decimals", "policy: {job: {transport: 300.555}}",
			[]string{"policy.job.transport = 300.555：不是有效金额"}},
		{"not a number", "policy: {job: {transport: lots}}",
			[]string{"policy.job.transport = \"lots\"：不是有效金额"}},
		{"unknown policy key", "policy: {industry: {calf_caps: 1000}}",
			[]string{"policy.industry.calf_caps = 1000：未知的政策参数，是否应为 policy.industry.calf_cap？"}},
		{"unknown key county list", "policy: {key_counties: [某县]}",
			[]string{"policy.key_counties[0] = 某县：未知的旗县区"}},
		{"duration", "workers: {retry_base: soon}",
			[]string{"workers.retry_base = \"soon\"：应为时长，如 120s、30m、72h"}},
		{"duration in days", "reminders: {repeat_interval: 3d}",
			[]string{"reminders.repeat_interval = \"3d\"：应为时长", "3 天写 72h"}},

		// The mistakes an admin makes (issue: every one a clear line naming key, value, reason).
		{"unknown key", "reminders: {digest_tme: \"09:00\"}",
			[]string{"reminders.digest_tme = \"09:00\"：未知的配置项，是否应为 reminders.digest_time？"}},
		{"unknown section", "remindres: {digest_time: \"09:00\"}",
			[]string{"remindres = {digest_time: \"09:00\"}：未知的配置项，是否应为 reminders？"}},
		{"key in the wrong section", "digest_time: \"09:00\"",
			[]string{"digest_time = \"09:00\"：未知的配置项，是否应为 reminders.digest_time？"}},
		{"policy key in the wrong section", "policy: {calf_cap: 800}",
			[]string{"policy.calf_cap = 800：未知的政策参数，是否应为 policy.industry.calf_cap？"}},
		// A misspelt secret's value is a secret: the message goes to the log and the admins' chat.
		{"misspelt secret", "ledger: {xlsx_pasword: mima2026}",
			[]string{"ledger.xlsx_pasword = ******：未知的配置项，是否应为 ledger.xlsx_password？"}},
		{"misspelt secret, far", "feishu: {apsecret: abcd1234}",
			[]string{"feishu.apsecret = ******：未知的配置项"}},
		{"unknown key far from any", "http: {frobnicate: 1}",
			[]string{"http.frobnicate = 1：未知的配置项，此处可用的键：addr、tokens、max_upload_mb、max_parallel"}},
		{"unknown roster key", "roster: {cadres: [{name: 王建军, id: {wecom: wjj}, ids: {wecom: wjj}}]}",
			[]string{"roster.cadres[0].id = {wecom: \"wjj\"}：未知的配置项，是否应为 roster.cadres[0].ids？"}},
		{"amount in words", "policy: {industry: {calf_cap: 三千}}",
			[]string{"policy.industry.calf_cap = \"三千\"：不是有效金额（元"}},
		{"service number in words", "http: {max_upload_mb: 五十}",
			[]string{"http.max_upload_mb = \"五十\"：应为整数"}},
		{"bool in words", "reminders: {enabled: 是}",
			[]string{"reminders.enabled = \"是\"：应为 true 或 false"}},
		{"rate as a percentage number", "policy: {income: {local_growth: [{from: 2026-01-01, until: 2027-01-01, value: 7.5}]}}",
			[]string{"policy.income.local_growth[0] = 7.5：应在 -1 到 1 之间；比例写小数，7.5% 应写 0.075 或 \"7.5%\""}},
		{"share as a percentage number", "policy: {job: {stable_share: 30}}",
			[]string{"policy.job.stable_share = 30：应在 0 到 1 之间；比例写小数，30% 应写 0.3"}},
		{"date with slashes", "policy: {income: {local_growth: [{from: 2026/01/01, value: 0.07}]}}",
			[]string{"policy.income.local_growth[0].from = \"2026/01/01\"：日期格式应为 YYYY-MM-DD"}},
		{"misspelt until", "policy: {income: {local_growth: [{from: 2026-01-01, untill: 2027-01-01, value: 0.07}]}}",
			[]string{"policy.income.local_growth[0].untill = 2027-01-01：未知的键，是否应为 until？"}},
		{"misspelt value", "policy: {income: {local_growth: [{from: 2026-01-01, vaule: 0.07}]}}",
			[]string{"policy.income.local_growth[0].vaule = 0.07：未知的键，是否应为 value？"}},
		{"misspelt counties", "policy: {filial: {ratio: {value: 0.8, countys: {宁城县: 1.2}}}}",
			[]string{"policy.filial.ratio.countys = {宁城县: 1.2}：未知的键，是否应为 counties？"}},
		{"overlapping dated values", "policy: {income: {local_growth: [{from: 2025-01-01, until: 2026-06-01, value: 0.07}, {from: 2026-01-01, until: 2027-01-01, value: 0.06}]}}",
			[]string{"policy.income.local_growth：第1项与第2项的生效期重叠"}},
		{"cadre without ids", "roster: {cadres: [{name: 王建军}]}",
			[]string{"roster.cadres[0].ids = {}：没有填写任何平台的用户ID"}},
		{"leader without ids", "roster: {leaders: [{name: 李四, unit: {county: 宁城县}}]}",
			[]string{"roster.leaders[0].ids = {}：没有填写任何平台的用户ID"}},
		{"leader without unit", "roster: {leaders: [{name: 李四, ids: {feishu: ou_y}}]}",
			[]string{"roster.leaders[0].unit：没有填写领导负责的单位"}},
		{"holiday in Chinese", "reminders: {holidays: [2026-10-01, 2026年10月2日]}",
			[]string{"reminders.holidays[1] = \"2026年10月2日\"：不是有效日期，格式应为 YYYY-MM-DD"}},
		{"holiday that does not exist", "reminders: {holidays: [2026-13-01]}",
			[]string{"reminders.holidays[0] = \"2026-13-01\"：不是有效日期"}},
		{"unknown synonym field", "ledger: {synonyms: {household_sise: [在家人口数]}}",
			[]string{"ledger.synonyms.household_sise = \"household_sise\"：未知的台账字段，是否应为 household_size？"}},
		{"unknown template field", "ledger: {templates: [{name: t, match: 牲畜台账, fields: {\"本年出售犊牛(头)\": calves_sold}}]}",
			[]string{"ledger.templates[0].fields.本年出售犊牛(头) = \"calves_sold\"：未知的台账字段"}},
		{"quiet hours 25:00", "reminders: {quiet_start: \"25:00\"}",
			[]string{"reminders.quiet_start = \"25:00\"：时间格式应为 HH:MM（24小时制）"}},
		{"zero duration", "reminders: {repeat_interval: 0s}",
			[]string{"reminders.repeat_interval = 0s：必须大于 0"}},
		{"clock time", "reminders: {quiet_start: \"25:00\"}",
			[]string{"reminders.quiet_start = \"25:00\"：时间格式应为 HH:MM"}},
		{"timezone", "reminders: {timezone: Mars/Olympus}",
			[]string{"reminders.timezone = \"Mars/Olympus\"：不是有效的时区"}},
		{"weekly", "summaries: {weekly: \"Someday 08:30\"}",
			[]string{"summaries.weekly = \"Someday 08:30\"："}},
		{"holiday date", "reminders: {holidays: [2026-02-30]}",
			[]string{"reminders.holidays[0] = \"2026-02-30\"：不是有效日期"}},
		{"max parallel", "http: {max_parallel: 0}",
			[]string{"http.max_parallel = 0：至少 1 个"}},
		{"retention negative", "retention: {files_days: -1}",
			[]string{"retention.files_days = -1：不能为负数"}},
		{"workers", "workers: {count: 0}",
			[]string{"workers.count = 0：至少 1 个"}},
		{"http addr", "http: {addr: localhost}",
			[]string{"http.addr = \"localhost\"：监听地址应为 主机:端口"}},
		{"log level", "log: {level: loud}",
			[]string{"log.level = \"loud\""}},
		{"roster platform", "roster: {admins: [{name: 王五, ids: {qq: \"1\"}}]}",
			[]string{"roster.admins[0].ids.qq = \"1\"：未知的平台"}},
		{"leader county", "roster: {leaders: [{name: 李四, unit: {county: 某县}}]}",
			[]string{"roster.leaders[0].unit.county = \"某县\"：未知的旗县区"}},
		{"feishu secret", "feishu: {enabled: true, app_id: cli_x, mode: websocket}",
			[]string{"feishu.app_secret", "ZENGSHOU_FEISHU_APP_SECRET"}},
		{"dingtalk secret", "dingtalk: {enabled: true, app_key: k}",
			[]string{"dingtalk.app_secret", "ZENGSHOU_DINGTALK_APP_SECRET"}},
		{"wecom secret", "wecom: {enabled: true, corp_id: ww1, agent_id: 1000002, token: t, encoding_aes_key: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG}",
			[]string{"wecom.secret", "ZENGSHOU_WECOM_SECRET"}},
		{"bad yaml", "policy: [", []string{"配置文件第 1 行：", "not valid YAML"}},
		{"tab indentation", "reminders:\n\tdigest_time: \"09:00\"\n", []string{"配置文件第 2 行：用了 Tab 缩进，YAML 只能用空格缩进"}},
		// Every problem at once: a misspelt key beside a value of the wrong type in the same
		// section was not reported until the value was fixed (mapstructure records unused keys
		// only for a section it decoded without an error).
		{"misspelt key beside a bad value", "reminders: {digest_tme: \"09:00\", escalate_after: 三}",
			[]string{"reminders.escalate_after = \"三\"：应为整数", "reminders.digest_tme = \"09:00\"：未知的配置项，是否应为 reminders.digest_time？"}},
		{"misspelt roster key beside a bad value", "roster: {cadres: [{name: 王建军, idz: {wecom: wjj}, ids: {wecom: wjj}, units: 5}]}",
			[]string{"roster.cadres[0].idz = {wecom: \"wjj\"}：未知的配置项，是否应为 roster.cadres[0].ids？"}},
		{"misspelt key beside a bad value elsewhere", "reminders: {digest_tme: \"09:00\"}\nhttp: {max_upload_mb: 五十}",
			[]string{"http.max_upload_mb = \"五十\"：应为整数", "reminders.digest_tme = \"09:00\"：未知的配置项"}},
		{"duplicate section", "policy:\n  industry:\n    calf_cap: 800\n  industry:\n    lamb_cap: 5\n",
			[]string{"配置文件第 4 行：键 industry 重复，第 2 行已经写过，请合并成一处"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T, want *Error", err)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(e.Problems, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no message containing %q in:\n%s", w, err)
				}
			}
		})
	}
}

func TestDigestInQuietHoursWarns(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct {
		yaml string
		warn bool
	}{
		{"reminders: {digest_time: \"22:00\"}", true},
		{"reminders: {digest_time: \"07:30\"}", true},
		{"reminders: {digest_time: \"08:00\"}", false},
		{"reminders: {digest_time: \"13:00\", quiet_start: \"12:00\", quiet_end: \"14:00\"}", true},
		{"reminders: {digest_time: \"22:00\", quiet_start: \"\", quiet_end: \"\"}", false},
	} {
		c, err := Parse([]byte(tc.yaml))
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		got := slices.ContainsFunc(c.Warnings, func(w string) bool {
			return strings.Contains(w, "reminders.digest_time") && strings.Contains(w, "免打扰")
		})
		if got != tc.warn {
			t.Errorf("%s: warning %v, want %v (%q)", tc.yaml, got, tc.warn, c.Warnings)
		}
	}
}

func TestIDsOnDisabledPlatformsWarn(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte("roster: {cadres: [{name: 王建军, ids: {feishu: ou_x}}, {name: 李志强, ids: {feishu: ou_y, local: lzq}}]}"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range c.Warnings {
		if strings.Contains(w, "这些平台都未启用") {
			n++
			if !strings.HasPrefix(w, "roster.cadres[0].ids = {feishu}：") {
				t.Errorf("warning %q", w)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d warnings, want 1: %q", n, c.Warnings)
	}
}

func TestEnvironmentNamedInMessages(t *testing.T) {
	clearEnv(t)
	t.Setenv("ZENGSHOU_WORKERS_COUNT", "abc")
	_, err := Parse(nil)
	if err == nil || !strings.Contains(err.Error(), "workers.count（环境变量 ZENGSHOU_WORKERS_COUNT） = \"abc\"：应为整数") {
		t.Errorf("err = %v", err)
	}
}

func TestSecretNeverInMessages(t *testing.T) {
	clearEnv(t)
	_, err := Parse([]byte("wecom: {enabled: true, secret: {nested: topsecret-value}}\n"))
	if err == nil {
		t.Fatal("accepted a mapping as a secret")
	}
	if strings.Contains(err.Error(), "topsecret-value") {
		t.Errorf("secret shown: %v", err)
	}
}

func TestInForce(t *testing.T) {
	pol := DefaultPolicy()
	rows := InForce(pol, "宁城县", calc.Day(2024, 6, 1))
	if len(rows) != len(ParamKeys()) {
		t.Fatalf("%d rows for one county, want %d", len(rows), len(ParamKeys()))
	}
	find := func(rows []ParamValue, key, county string) ParamValue {
		for _, r := range rows {
			if r.Key == key && r.County == county {
				return r
			}
		}
		t.Fatalf("no row %s %s", key, county)
		return ParamValue{}
	}
	if r := find(rows, "wage.tier", "宁城县"); r.Value != "3" || r.Source == "" {
		t.Errorf("tier row %+v", r)
	}
	if r := find(rows, "wage.min_wage", ""); r.From != "2021-12-01" || r.Until != "2024-12-01" {
		t.Errorf("min wage row %+v", r)
	}
	if r := find(rows, "industry.calf_cap", ""); r.Value != "1000" || r.Clause != "（三）" || r.Basis != calc.BasisSeed {
		t.Errorf("calf cap row %+v", r)
	}
	all := InForce(pol, "", calc.Day(2026, 11, 29))
	if r := find(all, "income.local_growth", ""); !r.Stale || r.Value != "0.075" {
		t.Errorf("local growth 2026 row %+v", r)
	}
	if r := find(all, "filial.income_line", ""); r.Value != "" {
		t.Errorf("unset row %+v", r)
	}
	n := 0
	for _, r := range all {
		if r.Key == "wage.tier" {
			n++
		}
	}
	if n != 12 {
		t.Errorf("%d tier rows, want one per county", n)
	}
}

func TestWatchKeepsLastGood(t *testing.T) {
	clearEnv(t)
	old := WatchPoll
	WatchPoll = 50 * time.Millisecond
	defer func() { WatchPoll = old }()

	path := filepath.Join(t.TempDir(), "zengshou.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("policy: {industry: {calf_cap: 1000}}\n")
	cur, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	changes := make(chan *Config, 10)
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Watch(ctx, path, func(c *Config) {
		mu.Lock()
		cur = c
		mu.Unlock()
		changes <- c
	}, func(err error) { errs <- err }); err != nil {
		t.Fatal(err)
	}

	write("policy: {industry: {calf_cap: -5}}\n")
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "policy.industry.calf_cap") {
			t.Errorf("onError without the key: %v", err)
		}
	case c := <-changes:
		t.Fatalf("invalid config delivered: %+v", c.Policy.CalfCap)
	case <-time.After(5 * time.Second):
		t.Fatal("no onError for an invalid file")
	}
	mu.Lock()
	if v, _ := cur.Policy.CalfCap.Value("", time.Time{}); v != calc.Yuan(1000) {
		t.Errorf("last good config not kept: %v", v)
	}
	mu.Unlock()

	write("policy: {industry: {calf_cap: 800}}\n")
	select {
	case c := <-changes:
		if v, _ := c.Policy.CalfCap.Value("", time.Time{}); v != calc.Yuan(800) {
			t.Errorf("new config calf_cap = %v", v)
		}
	case err := <-errs:
		t.Fatalf("valid file rejected: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no onChange for a valid file")
	}

	cancel()
	time.Sleep(100 * time.Millisecond)
	write("policy: {industry: {calf_cap: 700}}\n")
	select {
	case <-changes:
		t.Error("change delivered after cancel")
	case <-time.After(300 * time.Millisecond):
	}

	if err := Watch(context.Background(), filepath.Join(t.TempDir(), "none.yaml"), nil, nil); err == nil {
		t.Error("watching a missing file: no error")
	}
}

// Another region: the shipped per-county values of Chifeng's counties go with the list.
func TestOtherRegionCounties(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte(`
policy:
  region: 通辽市
  counties: [科尔沁区, 开鲁县]
  wage: {tier: {counties: {科尔沁区: 2, 开鲁县: 3}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Policy.MinWageTier.Counties) != 2 || len(c.Policy.KeyCounties) != 0 {
		t.Errorf("tiers %v key counties %v", c.Policy.MinWageTier.Counties, c.Policy.KeyCounties)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q", c.Warnings)
	}
	// A per-county value the config itself sets for an unknown county is still an error.
	_, err = Parse([]byte("policy: {counties: [科尔沁区], wage: {tier: {counties: {宁城县: 3}}}}\n"))
	if err == nil || !strings.Contains(err.Error(), "policy.wage.tier.counties.宁城县") {
		t.Errorf("err = %v", err)
	}
}

// TestNeedsRestart: a reload that changes only what applies at once (policy, reminders, a
// platform's settings, whose connector the service rebuilds) needs no restart; one that changes
// the address or the worker count names them.
func TestNeedsRestart(t *testing.T) {
	clearEnv(t)
	parse := func(s string) *Config {
		t.Helper()
		c, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := parse("http: {addr: ':8080'}\nworkers: {count: 2}\n")
	same := parse("http: {addr: ':8080', max_parallel: 4}\nworkers: {count: 2}\npolicy: {industry: {calf_cap: 900}}\nreminders: {repeat_interval: 48h}\nretention: {files_days: 30}\n")
	if len(same.Warnings) != 0 || same.Reminders.RepeatInterval != 48*time.Hour || same.Retention.FilesDays != 30 || same.HTTP.MaxParallel != 4 {
		t.Fatalf("the reload case did not parse as meant: %v", same.Warnings)
	}
	if k := NeedsRestart(base, same); len(k) != 0 {
		t.Errorf("policy and reminders only: %v, want none", k)
	}
	got := NeedsRestart(base, parse("http: {addr: ':9090'}\nworkers: {count: 4}\nfeishu: {app_id: cli_x}\n"))
	if strings.Join(got, ",") != "http.addr,workers.count" {
		t.Errorf("NeedsRestart = %v, want [http.addr workers.count]", got)
	}
	// Every platform section reloads: turned on or off, another mode, another app.
	platforms := parse("local: {enabled: false}\nfeishu: {app_id: cli_x, mode: websocket}\nwecom: {corp_id: wwx}\ndingtalk: {app_key: dingx, mode: http}\n")
	if k := NeedsRestart(base, platforms); len(k) != 0 {
		t.Errorf("platform sections: %v, want none", k)
	}
	// The parsing child's timeout and memory cap are set when serve starts its sandbox: a reload
	// that raises them (for a county ledger that timed out) must say a restart is needed.
	got = NeedsRestart(base, parse("http: {addr: ':8080'}\nworkers: {count: 2}\nlimits: {parse_timeout: 5m, parse_memory_mb: 2048}\n"))
	if strings.Join(got, ",") != "limits.parse_timeout,limits.parse_memory_mb" {
		t.Errorf("NeedsRestart = %v, want [limits.parse_timeout limits.parse_memory_mb]", got)
	}
}

// A config file that becomes empty while the service runs (truncated by a mistaken `>`, or
// caught half-written) is not “all defaults”: that reload dropped the whole roster, admins
// and leaders included. It is reported and the last good config stays; the next real content
// is taken as usual.
func TestWatchIgnoresAnEmptiedFile(t *testing.T) {
	clearEnv(t)
	old := WatchPoll
	WatchPoll = 50 * time.Millisecond
	defer func() { WatchPoll = old }()
	path := filepath.Join(t.TempDir(), "zengshou.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("roster: {admins: [{name: 管理员, ids: {local: a1}}]}\n")
	changes := make(chan *Config, 10)
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Watch(ctx, path, func(c *Config) { changes <- c }, func(err error) { errs <- err }); err != nil {
		t.Fatal(err)
	}
	write("  \n")
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "空") {
			t.Errorf("the error must say the file is empty: %v", err)
		}
	case c := <-changes:
		t.Fatalf("an emptied file was applied as all defaults: %d admins", len(c.Roster.Admins))
	case <-time.After(5 * time.Second):
		t.Fatal("no report for an emptied config file")
	}
	write("roster: {admins: [{name: 管理员, ids: {local: a2}}]}\n")
	select {
	case c := <-changes:
		if len(c.Roster.Admins) != 1 || c.Roster.Admins[0].IDs["local"] != "a2" {
			t.Errorf("the restored file: %+v", c.Roster.Admins)
		}
	case err := <-errs:
		t.Fatalf("valid file rejected: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no onChange after the file was written again")
	}
}

// The mistakes an admin makes each give exactly one message, on one line, naming the key.
func TestAdminMistakesOneLineEach(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct{ yaml, key string }{
		{"reminders: {digest_tme: \"09:00\"}", "reminders.digest_tme"},
		{"policy: {industry: {calf_cpa: 800}}", "policy.industry.calf_cpa"},
		{"policy: {industry: {calf_cap: 三千}}", "policy.industry.calf_cap"},
		{"policy: {industry: {calf_cap: -100}}", "policy.industry.calf_cap"},
		{"policy: {income: {local_growth: [{from: 2026-01-01, until: 2027-01-01, value: 7.5}]}}", "policy.income.local_growth[0]"},
		{"policy: {income: {monitoring_line: [{from: 2026.01.01, value: 7500}]}}", "policy.income.monitoring_line[0].from"},
		{"policy: {income: {local_growth: [{from: 2025-01-01, value: 0.07}, {from: 2026-01-01, value: 0.06}]}}", "policy.income.local_growth"},
		{"roster: {cadres: [{name: 王建军}]}", "roster.cadres[0].ids"},
		{"roster: {leaders: [{name: 李四, ids: {feishu: ou_y}}]}", "roster.leaders[0].unit"},
		{"feishu: {enabled: true, app_id: cli_x, mode: websocket}", "feishu.app_secret"},
		{"dingtalk: {enabled: true, app_key: k}", "dingtalk.app_secret"},
		{"reminders: {quiet_start: \"25:00\"}", "reminders.quiet_start"},
		{"reminders: {holidays: [2026-10-01, 2026/10/02]}", "reminders.holidays[1]"},
	} {
		_, err := Parse([]byte(tc.yaml))
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: accepted (err %v)", tc.yaml, err)
			continue
		}
		if len(e.Problems) != 1 || strings.Contains(e.Problems[0], "\n") || !strings.HasPrefix(e.Problems[0], tc.key) {
			t.Errorf("%s: want one line starting with %s, got %q", tc.yaml, tc.key, e.Problems)
		}
	}
}

// The examples commented out in the example file (roster entries, synonyms, templates, webhook
// robots) are themselves valid: an admin copies them.
func TestExampleFileCommentedExamples(t *testing.T) {
	clearEnv(t)
	text, err := os.ReadFile("zengshou.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	empty := regexp.MustCompile(`^(\s*)([a-z_]+): (\{\}|\[\])\s*(#.*)?$`)
	var out []string
	lines := strings.Split(string(text), "\n")
	uncommented := 0
	for i := 0; i < len(lines); i++ {
		m := empty.FindStringSubmatch(lines[i])
		if m == nil {
			out = append(out, lines[i])
			continue
		}
		var body []string
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], m[1]+"#   "); j++ {
			body = append(body, m[1]+"  "+strings.TrimPrefix(lines[j], m[1]+"#   "))
		}
		if len(body) == 0 {
			out = append(out, lines[i])
			continue
		}
		out = append(out, m[1]+m[2]+":")
		out = append(out, body...)
		i += len(body)
		uncommented++
	}
	if uncommented < 5 {
		t.Fatalf("found %d commented examples, want the roster's three, synonyms, templates, webhooks", uncommented)
	}
	yaml := strings.Join(out, "\n")
	t.Setenv("ZENGSHOU_DINGTALK_APP_SECRET", "x") // the webhooks are checked only with dingtalk enabled
	yaml = strings.Replace(yaml, "dingtalk:\n  enabled: false\n  app_key: \"\"", "dingtalk:\n  enabled: true\n  app_key: dingx", 1)
	c, err := Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("the example's commented examples do not load:\n%v\n%s", err, yaml)
	}
	if len(c.Roster.Cadres) != 1 || len(c.Roster.Leaders) != 1 || len(c.Roster.Admins) != 1 || len(c.Ledger.Templates) != 1 ||
		len(c.Ledger.Synonyms) != 1 || len(c.DingTalk.Webhooks) != 1 {
		t.Errorf("commented examples not all read: %+v %+v %d", c.Roster, c.Ledger, len(c.DingTalk.Webhooks))
	}
}

// What an admin may legitimately write is accepted: a region-wide leader (unit: {}), amounts
// with 元 or thousands separators, a quoted percentage, unquoted clock times, one holiday.
func TestAdminFormsAccepted(t *testing.T) {
	clearEnv(t)
	c, err := Parse([]byte(`
roster:
  leaders: [{name: 市领导, unit: {}, ids: {local: boss}}]
reminders: {digest_time: 09:30, quiet_start: 21:00, quiet_end: 08:00, holidays: 2026-10-01}
policy:
  industry: {calf_cap: 1000元, lamb_cap: "1,000"}
  income: {local_growth: [{from: 2026-01-01, until: 2027-01-01, value: 7.5%}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Roster.Leaders[0].Unit != (Unit{}) || c.Reminders.DigestTime != "09:30" || len(c.Reminders.Holidays) != 1 ||
		c.Policy.CalfCap.Values[0].Value != calc.Yuan(1000) || c.Policy.LambCap.Values[0].Value != calc.Yuan(1000) ||
		c.Policy.LocalIncomeGrowth.Values[0].Value.String() != "0.075" {
		t.Errorf("read %+v %+v", c.Roster.Leaders, c.Reminders)
	}
}

// A value the admin changes, in the file or the environment, is attributed to the configuration
// (basis config), in the policy listing and in the Used of a finding: it read “原文 seed” for a
// calf cap of 800元 the seed never wrote. A value written as the default (the example file
// spells out every one), and the values the admin left alone, keep their basis; a county's
// override is the configuration's for that county only.
func TestConfiguredValuesAreAttributedToTheConfig(t *testing.T) {
	clearEnv(t)
	t.Setenv("ZENGSHOU_POLICY_INDUSTRY_CALF_CAP", "800")
	c, err := Parse([]byte("policy:\n  industry:\n    calf_per_head: 200\n    lamb_per_head: {value: 60, counties: {巴林左旗: 70}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := calc.Day(2026, 9, 30)
	basis := func(key, county string) string {
		t.Helper()
		for _, pv := range InForce(c.Policy, county, d) {
			if pv.Key == key && (county == "" || pv.County == county || pv.County == "") {
				return pv.Basis
			}
		}
		t.Fatalf("no %s", key)
		return ""
	}
	for _, x := range []struct{ key, county, want string }{
		{"industry.calf_cap", "", calc.BasisConfig},      // 800元 from the environment
		{"industry.calf_per_head", "", calc.BasisSeed},   // 200元, as the seed says
		{"industry.lamb_per_head", "", calc.BasisConfig}, // 60元
		{"industry.lamb_cap", "", calc.BasisSeed},        // not set
	} {
		if got := basis(x.key, x.county); got != x.want {
			t.Errorf("%s: basis %q, want %q", x.key, got, x.want)
		}
	}
	if _, u, _ := c.Policy.LambPerHead.At("巴林左旗", d); u.Basis != calc.BasisConfig || u.Value != "70.00" {
		t.Errorf("巴林左旗's lamb award: %+v", u)
	}
	if _, u, _ := c.Policy.CalfCap.At("", d); u.Basis != calc.BasisConfig {
		t.Errorf("the calf cap a finding uses: %+v", u)
	}
	if _, u, _ := c.Policy.CalfPerHead.At("", d); u.Basis != calc.BasisSeed {
		t.Errorf("the calf award a finding uses: %+v", u)
	}
}
