package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The keys of the service sections, read from the Config struct's mapstructure tags: what an
// unknown key may have meant, and what type a key wants when its value cannot be read.

// keyType is the Go type the config key path (roster.cadres[0].ids.feishu) decodes into, nil
// when the path names no field.
func keyType(path string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, part := range strings.Split(path, ".") {
		name, idx := splitIndex(part)
		t = field(t, name)
		if t == nil {
			return nil
		}
		for range idx {
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		}
	}
	return t
}

// field is the type of the field tagged name in struct t, or of a map's values.
func field(t reflect.Type, name string) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Map:
		return t.Elem()
	case t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]():
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]; tag == name && f.IsExported() {
			return f.Type
		}
	}
	return nil
}

// fieldNames lists the keys a struct type takes.
func fieldNames(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]; tag != "" && tag != "-" && f.IsExported() {
			out = append(out, tag)
		}
	}
	return out
}

// unknownKey is the message for a key the service does not read, with the nearest known key
// when there is one.
func unknownKey(path string, settings map[string]any) string {
	parent, last := "", path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, last = path[:i], path[i+1:]
	}
	var names []string
	if parent == "" {
		names = append(fieldNames(reflect.TypeFor[Config]()), "policy")
	} else {
		names = fieldNames(keyType(parent))
	}
	val := ""
	if x, ok := lookup(settings, path); ok {
		if isSecretKey(path) || secretish(last) {
			val = " = ******"
		} else {
			val = " = " + brief(x)
		}
	}
	return unknownMessage(path, val, parent, last, names)
}

// secretish reports whether a key's name reads like a secret's (a misspelt xlsx_pasword or
// app_secert): its value is not shown, in the log or in the admins' chat.
func secretish(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"secret", "secert", "passw", "pasw", "pwd", "token", "key", "aes", "密码", "密钥"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func unknownMessage(path, val, parent, last string, names []string) string {
	full := ""
	if s := nearest(last, names); s != "" {
		full = s
		if parent != "" {
			full = parent + "." + s
		}
	} else if !strings.Contains(parent, "[") { // the right name in the wrong section: digest_time for reminders.digest_time
		for _, k := range sectionKeys("", reflect.TypeFor[Config]()) {
			if k[strings.LastIndex(k, ".")+1:] == last && k != path {
				full = k
				break
			}
		}
	}
	if full != "" {
		if val != "" && isSecretKey(full) { // a misspelt secret's value is a secret
			val = " = ******"
		}
		return fmt.Sprintf("%s%s：未知的配置项，是否应为 %s？ (unknown key; did you mean %s?)", path, val, full, full)
	}
	where := "config/zengshou.example.yaml"
	if len(names) > 0 {
		where = strings.Join(names, "、")
	}
	return fmt.Sprintf("%s%s：未知的配置项，此处可用的键：%s (unknown key; see config/zengshou.example.yaml)", path, val, where)
}

// nearest is the name closest to s by edit distance (a letter wrong, missing, added or two
// swapped), "" when none is close.
func nearest(s string, names []string) string {
	best, bestD := "", 1<<30
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	if bestD > max(2, len([]rune(s))/3) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] { // two letters swapped
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// wantText says in Chinese and English what a key of type t takes.
func wantText(t reflect.Type) (zh, en string) {
	if t == nil {
		return "类型不对", "wrong type"
	}
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "应为时长，如 120s、30m、72h（不能写天：3 天写 72h）", "must be a duration such as 120s, 30m or 72h (no days: 3 days is 72h)"
	case t == reflect.TypeFor[time.Time]():
		return "不是有效日期，格式应为 YYYY-MM-DD，如 2026-10-01", "not a date in the form YYYY-MM-DD, e.g. 2026-10-01"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "应为 true 或 false", "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "应为整数（阿拉伯数字，如 50）", "must be a whole number such as 50"
	case reflect.String:
		return "应为文字", "must be a string"
	case reflect.Slice:
		if t.Elem() == reflect.TypeFor[time.Time]() {
			return "应为日期列表，如 [2026-10-01, 2026-10-02]", "must be a list of dates, e.g. [2026-10-01, 2026-10-02]"
		}
		return "应为列表", "must be a list"
	case reflect.Map, reflect.Struct:
		return "应为映射（键: 值）", "must be a mapping (key: value)"
	}
	return "类型不对", "wrong type"
}

// atIndex reads the element i of a YAML or viper list.
func atIndex(v any, i int) (any, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || i < 0 || i >= rv.Len() {
		return nil, false
	}
	return rv.Index(i).Interface(), true
}

// splitIndex splits "holidays[1]" into "holidays" and its indexes.
func splitIndex(part string) (string, []int) {
	name, rest, ok := strings.Cut(part, "[")
	if !ok {
		return part, nil
	}
	var idx []int
	for _, s := range strings.Split(strings.TrimSuffix(rest, "]"), "][") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return part, nil
		}
		idx = append(idx, n)
	}
	return name, idx
}

// sectionKeys lists the keys of the struct sections of t (http.addr, reminders.digest_time), not
// those inside list entries.
func sectionKeys(prefix string, t reflect.Type) []string {
	var out []string
	for _, name := range fieldNames(t) {
		ft := field(t, name)
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			out = append(out, sectionKeys(prefix+name+".", ft)...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}
