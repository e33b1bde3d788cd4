package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Error lists every problem of a config. Each message names the key, the value and what is
// wrong, in Chinese and English.
type Error struct {
	File     string   // "" when not from a file
	Problems []string // errors: the config is not used
	Warnings []string // reported, not fatal
}

func (e *Error) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "(defaults and environment)"
	}
	fmt.Fprintf(&b, "check config %s: 配置有 %d 处错误 (%d problems)", name, len(e.Problems), len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// Load reads the config file at path over the defaults, applies the environment and validates
// the result. path "" means the file named by ZENGSHOU_CONFIG, or none: defaults and
// environment only. On invalid config it returns the config as read and an *Error.
func Load(path string) (*Config, error) {
	if path == "" {
		path = os.Getenv(EnvConfig)
	}
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read config %s: %w", path, err)
		}
	}
	return load(data, path)
}

// Parse reads YAML config bytes over the defaults, applies the environment and validates the
// result, like Load. On invalid config it returns the config as read and an *Error.
func Parse(data []byte) (*Config, error) { return load(data, "") }

func load(data []byte, file string) (*Config, error) {
	c, problems := decode(data)
	c.File = file
	if c.Policy == nil { // the YAML was unreadable
		return c, &Error{File: file, Problems: problems}
	}
	errs, warns := c.Validate()
	c.Warnings = warns
	if all := append(problems, errs...); len(all) > 0 {
		return c, &Error{File: file, Problems: all, Warnings: warns}
	}
	return c, nil
}

// decode builds a Config from defaults, the YAML and the environment. It returns the problems
// found while reading (a value of the wrong type, an unknown policy key, an unreadable secret
// file); range checks are Validate's.
func decode(data []byte) (*Config, []string) {
	c := Defaults()
	c.Policy = nil

	raw := map[string]any{}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &raw); err != nil {
			return c, yamlMessages(err, data)
		}
		if raw == nil {
			raw = map[string]any{}
		}
	}

	v := viper.New()
	v.SetConfigType("yaml")
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	setDefaults(v, "", reflect.ValueOf(*c))
	for _, s := range secrets {
		_ = v.BindEnv(s.key, s.env) // only fails without a key
	}
	_ = v.BindEnv("http.tokens", envName("http.tokens"))
	if len(raw) > 0 {
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return c, yamlMessages(err, data)
		}
	}

	settings := v.AllSettings()
	delete(settings, "policy")
	var md mapstructure.Metadata
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
			dateHook,
		),
		WeaklyTypedInput: true,
		Metadata:         &md,
		Result:           c,
	})
	if err != nil {
		panic(err) // a bad DecoderConfig is a programming error
	}
	var problems, warns []string
	if err := dec.Decode(settings); err != nil {
		problems = append(problems, decodeMessages(err, settings)...)
		// mapstructure records the unused keys of a section only when the section decoded
		// without an error: a misspelt key beside a value of the wrong type would be reported
		// only after the value was fixed. Every problem is reported at once.
		md = unusedKeys(settings)
	}
	// A key the service does not read is an error: a misspelt key would otherwise leave its
	// default in force while the admin believes it changed.
	unused := slices.Clone(md.Unused)
	sort.Strings(unused)
	for _, k := range unused {
		problems = append(problems, unknownKey(k, settings))
	}

	// viper lowercases every key; maps whose keys are chat ids or column headers are read
	// again from the YAML as written.
	for _, f := range []struct {
		key string
		ptr any
	}{
		{"wecom.webhook_keys", &c.WeCom.WebhookKeys},
		{"dingtalk.webhooks", &c.DingTalk.Webhooks},
		{"ledger.synonyms", &c.Ledger.Synonyms},
		{"ledger.templates", &c.Ledger.Templates},
	} {
		if x, ok := lookup(raw, f.key); ok && x != nil {
			reflect.ValueOf(f.ptr).Elem().SetZero()
			if err := mapstructure.WeakDecode(x, f.ptr); err != nil {
				problems = append(problems, fmt.Sprintf("%s = %s：无法读取 (cannot decode): %v", f.key, brief(x), err))
			}
		}
	}

	problems = append(problems, leadersWithoutUnit(raw)...)
	problems = append(problems, c.resolveSecrets()...)
	warns = append(warns, secretsInFile(raw)...)

	c.Policy = DefaultPolicy()
	problems = append(problems, applyPolicy(c.Policy, raw["policy"])...)
	c.loadWarnings = warns
	return c, problems
}

// setDefaults registers every leaf of the default config with viper, so that AutomaticEnv can
// override any of them (ZENGSHOU_WORKERS_COUNT=4).
func setDefaults(v *viper.Viper, prefix string, rv reflect.Value) {
	rt := rv.Type()
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := prefix + tag
		fv := rv.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			setDefaults(v, key+".", fv)
			continue
		}
		switch f.Type.Kind() {
		case reflect.Map, reflect.Slice:
			if fv.IsNil() {
				continue
			}
		}
		v.SetDefault(key, fv.Interface())
	}
}

// dateHook reads "2026-01-01" into a time.Time (a date: midnight UTC, as calc.Day).
func dateHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Time]() || from.Kind() != reflect.String {
		return data, nil
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(data.(string)))
	if err != nil {
		return nil, errors.New("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)")
	}
	return t, nil
}

// decodeMessages turns mapstructure's errors into one message per key.
func decodeMessages(err error, settings map[string]any) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		de, ok := e.(*mapstructure.DecodeError)
		if !ok {
			if u := errors.Unwrap(e); u != nil {
				walk(u)
			} else {
				out = append(out, fmt.Sprintf("配置无法读取 (cannot decode): %v", e))
			}
			return
		}
		var inner *mapstructure.DecodeError
		if _, isJoin := de.Unwrap().(interface{ Unwrap() []error }); isJoin || errors.As(de.Unwrap(), &inner) {
			walk(de.Unwrap())
			return
		}
		key := de.Name()
		val := "?"
		if x, ok := lookup(settings, key); ok {
			if isSecretKey(key) {
				val = "******"
			} else {
				val = brief(x)
			}
		}
		zh, en := wantText(keyType(key))
		if env := envName(key); os.Getenv(env) != "" && !strings.Contains(key, "[") {
			key += "（环境变量 " + env + "）"
		}
		out = append(out, fmt.Sprintf("%s = %s：%s (%s)", key, val, zh, en))
	}
	walk(err)
	sort.Strings(out)
	return out
}

func isSecretKey(key string) bool {
	_, ok := Secrets()[key]
	return ok
}

// leadersWithoutUnit reports the leaders written without a unit: an empty unit is the whole
// region, so a forgotten one would send a township leader every county's summary and
// escalations. A leader of the whole region writes unit: {}.
func leadersWithoutUnit(raw map[string]any) []string {
	list, ok := lookup(raw, "roster.leaders")
	if !ok {
		return nil
	}
	var out []string
	for i := 0; ; i++ {
		it, ok := atIndex(list, i)
		if !ok {
			return out
		}
		if m, ok := asMap(it); ok && !hasKey(m, "unit") {
			out = append(out, fmt.Sprintf("roster.leaders[%d].unit：没有填写领导负责的单位，如 unit: {county: 宁城县, township: 大城子镇}；全市的领导写 unit: {} "+
				"(the leader has no unit; e.g. unit: {county: 宁城县}; a leader of the whole region writes unit: {})", i))
		}
	}
}

var (
	yamlLineRE = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlDupRE  = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
)

// yamlMessages turns a YAML syntax error into one message per problem, each saying in Chinese
// which line is wrong and what to do, with the parser's words in brackets.
func yamlMessages(err error, data []byte) []string {
	text := strings.TrimPrefix(err.Error(), "yaml: ")
	text = strings.TrimPrefix(text, "unmarshal errors:\n")
	lines := strings.Split(string(data), "\n")
	var out []string
	for _, e := range strings.Split(text, "\n") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		where, msg := "配置文件", e
		n := 0
		if m := yamlLineRE.FindStringSubmatch(e); m != nil {
			n, _ = strconv.Atoi(m[1])
			where, msg = fmt.Sprintf("配置文件第 %d 行", n), m[2]
		}
		src := ""
		if n >= 1 && n <= len(lines) {
			src = lines[n-1]
		}
		var zh string
		switch {
		case strings.Contains(msg, "cannot start any token") && strings.Contains(src, "\t"):
			zh = "用了 Tab 缩进，YAML 只能用空格缩进"
		case strings.Contains(msg, "cannot start any token"):
			zh = "值以 YAML 不允许的字符开头（如 @、`、%），请给值加引号"
		case yamlDupRE.MatchString(msg):
			m := yamlDupRE.FindStringSubmatch(msg)
			zh = fmt.Sprintf("键 %s 重复，第 %s 行已经写过，请合并成一处", m[1], m[2])
		case strings.Contains(msg, "mapping values are not allowed"):
			zh = "这里不能写“键: 值”：检查缩进是否与上一行对齐，值里有冒号时加引号（如 \"09:00\"）"
		case strings.Contains(msg, "did not find expected"):
			zh = "缩进或括号不对：同一层的键要对齐，列表项以“- ”开头，[ ] 与 { } 要成对"
		case strings.Contains(msg, "unexpected end of stream"):
			zh = "引号或括号没有闭合"
		case strings.Contains(msg, "cannot unmarshal"):
			zh = "配置文件的最外层应为“键: 值”（如 reminders: …），不能是列表或单个值"
		default:
			zh = "不是有效的 YAML"
		}
		out = append(out, fmt.Sprintf("%s：%s (not valid YAML: %s)", where, zh, e))
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("配置文件不是有效的 YAML (not valid YAML): %v", err))
	}
	return out
}

// unusedKeys lists the keys of settings the Config does not take, found by decoding into a
// throwaway Config with every value that is not a section, a list or a mapping replaced by its
// type's zero value: nothing fails to decode, so every section records its unused keys.
func unusedKeys(settings map[string]any) mapstructure.Metadata {
	var md mapstructure.Metadata
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook: func(from, to reflect.Value) (any, error) {
			if !from.IsValid() {
				return nil, nil
			}
			fk := from.Kind()
			switch to.Kind() {
			case reflect.Struct:
				if to.Type() != reflect.TypeFor[time.Time]() && fk == reflect.Map {
					return from.Interface(), nil
				}
			case reflect.Map:
				if fk == reflect.Map {
					return from.Interface(), nil
				}
			case reflect.Slice, reflect.Array:
				if fk == reflect.Slice || fk == reflect.Array {
					return from.Interface(), nil
				}
			case reflect.Interface, reflect.Pointer:
				return from.Interface(), nil
			}
			return reflect.Zero(to.Type()).Interface(), nil
		},
		Metadata: &md,
		Result:   Defaults(),
	})
	if err != nil {
		panic(err) // a bad DecoderConfig is a programming error
	}
	_ = dec.Decode(settings) // only the metadata is wanted
	return md
}
