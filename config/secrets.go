package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"zengshou/config/redact"
)

// FilePrefix marks a secret held in a file: `app_secret: file:/run/secrets/feishu_app_secret`.
// The environment may also name a file: ZENGSHOU_FEISHU_APP_SECRET_FILE=/run/secrets/…
const FilePrefix = "file:"

// secret is one secret key of the config with its environment variable.
type secret struct {
	key string // feishu.app_secret
	env string // ZENGSHOU_FEISHU_APP_SECRET
	ptr func(c *Config) *string
}

// Secrets lists every secret key with the environment variable that sets it.
func Secrets() map[string]string {
	m := make(map[string]string, len(secrets)+1)
	for _, s := range secrets {
		m[s.key] = s.env
	}
	m["http.tokens"] = envName("http.tokens")
	return m
}

var secrets = []secret{
	{"feishu.app_secret", "", func(c *Config) *string { return &c.Feishu.AppSecret }},
	{"feishu.encrypt_key", "", func(c *Config) *string { return &c.Feishu.EncryptKey }},
	{"feishu.verification_token", "", func(c *Config) *string { return &c.Feishu.VerificationToken }},
	{"wecom.secret", "", func(c *Config) *string { return &c.WeCom.Secret }},
	{"wecom.token", "", func(c *Config) *string { return &c.WeCom.Token }},
	{"wecom.encoding_aes_key", "", func(c *Config) *string { return &c.WeCom.EncodingAESKey }},
	{"wecom.bot_secret", "", func(c *Config) *string { return &c.WeCom.BotSecret }},
	{"wecom.bot_token", "", func(c *Config) *string { return &c.WeCom.BotToken }},
	{"wecom.bot_encoding_aes_key", "", func(c *Config) *string { return &c.WeCom.BotEncodingAESKey }},
	{"dingtalk.app_secret", "", func(c *Config) *string { return &c.DingTalk.AppSecret }},
	{"dingtalk.callback_token", "", func(c *Config) *string { return &c.DingTalk.CallbackToken }},
	{"dingtalk.callback_aes_key", "", func(c *Config) *string { return &c.DingTalk.CallbackAESKey }},
	{"ledger.xlsx_password", "", func(c *Config) *string { return &c.Ledger.XLSXPassword }},
}

func init() {
	for i := range secrets {
		secrets[i].env = envName(secrets[i].key)
	}
}

// envName is the environment variable of a key: http.tokens → ZENGSHOU_HTTP_TOKENS; with one
// exception, ledger.xlsx_password → ZENGSHOU_LEDGER_PASSWORD.
func envName(key string) string {
	if key == "ledger.xlsx_password" {
		return EnvPrefix + "_LEDGER_PASSWORD"
	}
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// readSecretFile reads a secret from a file: surrounding white space (a trailing newline) is
// dropped. The error names the key and the file, never the content.
func readSecretFile(key, path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", fmt.Errorf("%s：file: 引用没有给出文件路径 (file reference without a path)", key)
	}
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return "", fmt.Errorf("%s：无法读取密钥文件 %s (cannot read secret file): %w", key, path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// resolveSecrets replaces file references (a "file:" value or a VAR_FILE environment
// variable) with the file's content. It returns one message per problem.
func (c *Config) resolveSecrets() []string {
	var errs []string
	resolve := func(key, env, v string) (string, bool) {
		if p, ok := os.LookupEnv(env + "_FILE"); ok && os.Getenv(env) == "" {
			v = FilePrefix + p
		}
		if !strings.HasPrefix(v, FilePrefix) {
			return v, true
		}
		s, err := readSecretFile(key, strings.TrimPrefix(v, FilePrefix))
		if err != nil {
			errs = append(errs, err.Error())
			return "", false
		}
		return s, true
	}
	for _, s := range secrets {
		p := s.ptr(c)
		if v, ok := resolve(s.key, s.env, *p); ok {
			*p = v
		} else {
			*p = ""
		}
	}
	// http.tokens: each token may be a file reference; a file may hold several tokens, one a
	// line or comma separated.
	env := envName("http.tokens")
	toks := c.HTTP.Tokens
	if p, ok := os.LookupEnv(env + "_FILE"); ok && os.Getenv(env) == "" {
		toks = []string{FilePrefix + p}
	}
	var out []string
	for _, t := range toks {
		t = strings.TrimSpace(t)
		if !strings.HasPrefix(t, FilePrefix) {
			if t != "" {
				out = append(out, t)
			}
			continue
		}
		s, err := readSecretFile("http.tokens", strings.TrimPrefix(t, FilePrefix))
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	c.HTTP.Tokens = out
	return errs
}

// secretsInFile warns about secrets written in clear in the YAML file (a "file:" reference is
// fine). raw is the file's top-level mapping.
func secretsInFile(raw map[string]any) []string {
	var warns []string
	for _, s := range append(secrets, secret{key: "http.tokens", env: envName("http.tokens")}) {
		v, ok := lookup(raw, s.key)
		if !ok || v == nil {
			continue
		}
		clear := false
		switch x := v.(type) {
		case string:
			clear = x != "" && !strings.HasPrefix(strings.TrimSpace(x), FilePrefix)
		case []any:
			for _, e := range x {
				if t, ok := e.(string); !ok || !strings.HasPrefix(strings.TrimSpace(t), FilePrefix) {
					clear = true
				}
			}
		default:
			clear = true
		}
		if clear {
			warns = append(warns, fmt.Sprintf("%s = %s：密钥写在了配置文件里，建议改用环境变量 %s 或 file: 引用 (secret in the config file; use env %s or a file: reference)",
				s.key, redact.Secret("x"), s.env, s.env))
		}
	}
	return warns
}

// lookup finds a dotted key in a nested YAML mapping; a part may index a list (holidays[1]).
func lookup(m map[string]any, key string) (any, bool) {
	parts := strings.Split(key, ".")
	var cur any = m
	for _, p := range parts {
		name, idx := splitIndex(p)
		mm, ok := asMap(cur)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[name]; !ok {
			return nil, false
		}
		for _, i := range idx { // holidays[1]
			if cur, ok = atIndex(cur, i); !ok {
				return nil, false
			}
		}
	}
	return cur, true
}

// asMap returns a YAML mapping as map[string]any (yaml may give map[any]any).
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out, true
	}
	return nil, false
}
