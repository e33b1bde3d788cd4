package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"zengshou/calc"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
	"zengshou/connectors/wecom"
)

// Validate checks the whole config. errs make the config unusable; warnings are worth
// telling the admin but do not stop the service. Every message names the key, the value and
// what is wrong, in Chinese with the English in brackets; secrets are never shown.
func (c *Config) Validate() (errs, warnings []string) {
	warnings = append(warnings, c.loadWarnings...)
	add := func(key string, val any, zh, en string) {
		errs = append(errs, fmt.Sprintf("%s = %s：%s (%s)", key, showVal(val), zh, en))
	}

	es, ws := validatePolicy(c.Policy)
	errs, warnings = append(errs, es...), append(warnings, ws...)

	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", c.DataDir, "数据目录不能为空", "must not be empty")
	}

	// http
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		add("http.addr", c.HTTP.Addr, "监听地址应为 主机:端口，如 :8080", "must be host:port, e.g. :8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		add("http.addr", c.HTTP.Addr, "端口应为 0–65535", "port must be 0-65535")
	}
	if c.HTTP.MaxUploadMB <= 0 {
		add("http.max_upload_mb", c.HTTP.MaxUploadMB, "必须大于 0", "must be above 0")
	}
	if c.HTTP.MaxParallel < 1 {
		add("http.max_parallel", c.HTTP.MaxParallel, "至少 1 个", "must be at least 1")
	}
	for i, t := range c.HTTP.Tokens {
		if len(t) < 16 {
			warnings = append(warnings, fmt.Sprintf("http.tokens[%d] = ******：令牌太短，建议至少 16 个字符 (token shorter than 16 characters)", i))
		}
	}

	// limits
	for _, l := range []struct {
		key string
		v   int
	}{
		{"limits.max_file_mb", c.Limits.MaxFileMB}, {"limits.max_unzipped_mb", c.Limits.MaxUnzippedMB},
		{"limits.max_zip_entries", c.Limits.MaxZipEntries}, {"limits.max_cells", c.Limits.MaxCells},
		{"limits.max_rows", c.Limits.MaxRows}, {"limits.max_cols", c.Limits.MaxCols},
		{"limits.parse_memory_mb", c.Limits.ParseMemoryMB}, {"limits.large_file_rows", c.Limits.LargeFileRows},
	} {
		if l.v <= 0 {
			add(l.key, l.v, "必须大于 0", "must be above 0")
		}
	}
	if c.Limits.MaxCols > 16384 {
		add("limits.max_cols", c.Limits.MaxCols, "Excel 最多 16384 列", "Excel has at most 16384 columns")
	}
	if c.Limits.MaxUnzippedMB > 0 && c.Limits.MaxUnzippedMB < c.Limits.MaxFileMB {
		add("limits.max_unzipped_mb", c.Limits.MaxUnzippedMB, "不能小于 limits.max_file_mb", "must not be below limits.max_file_mb")
	}
	if c.Limits.ParseTimeout <= 0 {
		add("limits.parse_timeout", c.Limits.ParseTimeout, "必须大于 0，如 120s", "must be a positive duration, e.g. 120s")
	}
	if c.HTTP.MaxUploadMB > 0 && c.Limits.MaxFileMB > 0 && c.HTTP.MaxUploadMB > c.Limits.MaxFileMB {
		warnings = append(warnings, fmt.Sprintf("http.max_upload_mb = %d：大于 limits.max_file_mb = %d，较大的上传会被拒绝 (uploads above limits.max_file_mb are refused)",
			c.HTTP.MaxUploadMB, c.Limits.MaxFileMB))
	}

	// ledger: synonyms and templates name the reader's canonical fields (config/synonyms.yaml);
	// any other name maps a column to nothing.
	fields := SynonymFieldOrder()
	unknownField := func(key, f string) {
		if s := nearest(f, fields); s != "" {
			errs = append(errs, fmt.Sprintf("%s = %s：未知的台账字段，是否应为 %s？ (unknown ledger field; did you mean %s?)", key, showVal(f), s, s))
		} else {
			errs = append(errs, fmt.Sprintf("%s = %s：未知的台账字段，可用的字段见 config/synonyms.yaml (unknown ledger field; see config/synonyms.yaml)", key, showVal(f)))
		}
	}
	for _, field := range sortedKeys(c.Ledger.Synonyms) {
		syns := c.Ledger.Synonyms[field]
		if strings.TrimSpace(field) == "" {
			add("ledger.synonyms", "", "字段名不能为空", "field name must not be empty")
		} else if !slices.Contains(fields, field) {
			unknownField("ledger.synonyms."+field, field)
		}
		for i, s := range syns {
			if strings.TrimSpace(s) == "" {
				add(fmt.Sprintf("ledger.synonyms.%s[%d]", field, i), s, "表头同义词不能为空", "synonym must not be empty")
			}
		}
	}
	tnames := map[string]bool{}
	for i, t := range c.Ledger.Templates {
		p := fmt.Sprintf("ledger.templates[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			add(p+".name", t.Name, "模板名称不能为空", "must not be empty")
		} else if tnames[t.Name] {
			add(p+".name", t.Name, "模板名称重复", "duplicate template name")
		}
		tnames[t.Name] = true
		if strings.TrimSpace(t.Match) == "" {
			add(p+".match", t.Match, "应填写表头哈希或工作表名称", "must be a header hash or a sheet name")
		}
		if len(t.Fields) == 0 {
			add(p+".fields", "{}", "至少要有一个“表头: 字段”", "needs at least one header: field")
		}
		for _, h := range sortedKeys(t.Fields) {
			if f := t.Fields[h]; !slices.Contains(fields, f) {
				unknownField(p+".fields."+h, f)
			}
		}
	}

	// workers
	if c.Workers.Count < 1 {
		add("workers.count", c.Workers.Count, "至少 1 个", "must be at least 1")
	}
	if c.Workers.RetryMax < 0 {
		add("workers.retry_max", c.Workers.RetryMax, "不能为负数", "must not be negative")
	}
	if c.Workers.RetryBase <= 0 {
		add("workers.retry_base", c.Workers.RetryBase, "必须大于 0，如 2s", "must be a positive duration, e.g. 2s")
	}

	// reminders
	r := c.Reminders
	for _, t := range []struct{ key, v string }{
		{"reminders.digest_time", r.DigestTime}, {"reminders.quiet_start", r.QuietStart}, {"reminders.quiet_end", r.QuietEnd},
	} {
		if t.v == "" && t.key != "reminders.digest_time" {
			continue
		}
		if _, _, ok := ClockTime(t.v); !ok {
			add(t.key, t.v, "时间格式应为 HH:MM（24小时制）", "must be HH:MM, 24-hour")
		}
	}
	if dh, dm, ok := ClockTime(r.DigestTime); ok {
		qs, qsm, ok1 := ClockTime(r.QuietStart)
		qe, qem, ok2 := ClockTime(r.QuietEnd)
		d, start, end := dh*60+dm, qs*60+qsm, qe*60+qem
		if ok1 && ok2 && ((start < end && d >= start && d < end) || (start > end && (d >= start || d < end))) {
			warnings = append(warnings, fmt.Sprintf("reminders.digest_time = %q：在免打扰时段 %s–%s 内，每日提醒都会顺延到 %s (inside the quiet hours: digests wait until %s)",
				r.DigestTime, r.QuietStart, r.QuietEnd, r.QuietEnd, r.QuietEnd))
		}
	}
	if (r.QuietStart == "") != (r.QuietEnd == "") {
		add("reminders.quiet_end", r.QuietEnd, "quiet_start 与 quiet_end 要同时填写或同时留空", "set quiet_start and quiet_end together")
	}
	if r.RepeatInterval <= 0 {
		add("reminders.repeat_interval", r.RepeatInterval, "必须大于 0，如 72h", "must be a positive duration, e.g. 72h")
	}
	if r.EscalateAfter < 1 {
		add("reminders.escalate_after", r.EscalateAfter, "至少 1 次", "must be at least 1")
	}
	if r.DigestMaxItems < 1 {
		add("reminders.digest_max_items", r.DigestMaxItems, "至少 1 项", "must be at least 1")
	}
	if r.WarnBefore < 0 {
		add("reminders.warn_before", r.WarnBefore, "不能为负数，如 168h", "must not be negative, e.g. 168h")
	}
	if _, err := time.LoadLocation(r.Timezone); err != nil || r.Timezone == "" {
		add("reminders.timezone", r.Timezone, "不是有效的时区，如 Asia/Shanghai", "not a valid time zone, e.g. Asia/Shanghai")
	}
	for i, d := range r.Workdays {
		if slices.ContainsFunc(r.Holidays, d.Equal) {
			add(fmt.Sprintf("reminders.workdays[%d]", i), calc.DateText(d), "同一天既是节假日又是调休工作日", "a day cannot be both a holiday and a workday")
		}
	}

	// summaries
	if c.Summaries.Weekly != "" {
		if _, _, _, ok := parseWeekly(c.Summaries.Weekly); !ok {
			add("summaries.weekly", c.Summaries.Weekly, "格式应为“星期 HH:MM”，如 Mon 08:30 或 周一 08:30；留空则不发周报",
				"must be \"Mon 08:30\"; empty turns weekly summaries off")
		}
	}

	// retention
	if c.Retention.FilesDays < 0 {
		add("retention.files_days", c.Retention.FilesDays, "不能为负数；0 表示永久保留", "must not be negative; 0 keeps files for ever")
	}

	// roster
	enabled := map[string]bool{"local": c.Local.Enabled, "feishu": c.Feishu.Enabled, "wecom": c.WeCom.Enabled, "dingtalk": c.DingTalk.Enabled}
	checkIDs := func(path string, ids IDs) {
		reachable := false
		for p, id := range ids {
			reachable = reachable || enabled[p] && strings.TrimSpace(id) != ""
		}
		if len(ids) > 0 && !reachable {
			warnings = append(warnings, fmt.Sprintf("%s.ids = {%s}：这些平台都未启用，此人收不到私信（干部的提醒会发到上传台账的群里） (no enabled platform among these ids: no direct message can reach this person)",
				path, strings.Join(sortedKeys(ids), ", ")))
		}
		if len(ids) == 0 {
			errs = append(errs, path+".ids = {}：没有填写任何平台的用户ID（feishu、wecom、dingtalk 或 local），收不到私信，如 ids: {wecom: zhangsan} "+
				"(no platform user id, so no direct message can reach this person; e.g. ids: {wecom: zhangsan})")
		}
		for p, id := range ids {
			if !slices.Contains(Platforms, p) {
				add(path+".ids."+p, id, "未知的平台，只能是 feishu、wecom、dingtalk 或 local", "unknown platform: use feishu, wecom, dingtalk or local")
			} else if strings.TrimSpace(id) == "" {
				add(path+".ids."+p, id, "用户ID不能为空", "user id must not be empty")
			}
		}
	}
	checkUnit := func(path string, u Unit) {
		if u.County != "" && c.Policy != nil && !c.Policy.HasCounty(u.County) {
			add(path+".county", u.County, "未知的旗县区，不在 policy.counties 中", "unknown county, not in policy.counties")
		}
		if u.County == "" && (u.Township != "" || u.Village != "") {
			add(path+".county", "", "填写了乡镇或村，必须同时填写旗县区", "county is required when township or village is set")
		}
	}
	for i, p := range c.Roster.Cadres {
		path := fmt.Sprintf("roster.cadres[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			add(path+".name", p.Name, "姓名不能为空", "must not be empty")
		}
		if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
			warnings = append(warnings, fmt.Sprintf("%s.phone：不像是11位手机号 (not an 11-digit mobile number)", path))
		}
		checkIDs(path, p.IDs)
		for j, u := range p.Units {
			checkUnit(fmt.Sprintf("%s.units[%d]", path, j), u)
		}
	}
	for i, p := range c.Roster.Leaders {
		path := fmt.Sprintf("roster.leaders[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			add(path+".name", p.Name, "姓名不能为空", "must not be empty")
		}
		checkIDs(path, p.IDs)
		checkUnit(path+".unit", p.Unit)
	}
	for i, p := range c.Roster.Admins {
		path := fmt.Sprintf("roster.admins[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			add(path+".name", p.Name, "姓名不能为空", "must not be empty")
		}
		checkIDs(path, p.IDs)
	}

	// log
	switch strings.ToLower(c.Log.Level) {
	case "trace", "debug", "info", "warn", "warning", "error", "fatal", "panic":
	default:
		add("log.level", c.Log.Level, "只能是 trace、debug、info、warn 或 error", "must be trace, debug, info, warn or error")
	}
	switch strings.ToLower(c.Log.Format) {
	case "auto", "json", "text":
	default:
		add("log.format", c.Log.Format, "只能是 auto、json 或 text", "must be auto, json or text")
	}

	// platforms: the connectors' own checks (they do no network I/O)
	if c.Feishu.Enabled {
		if _, err := feishu.New(c.Feishu, feishu.Options{}); err != nil {
			errs = append(errs, connectorMessages("feishu", err)...)
		}
	}
	if c.WeCom.Enabled {
		if _, err := wecom.New(c.WeCom, wecom.Options{}); err != nil {
			errs = append(errs, connectorMessages("wecom", err)...)
		}
	}
	if c.DingTalk.Enabled {
		if _, err := dingtalk.New(c.DingTalk, dingtalk.Options{}); err != nil {
			errs = append(errs, connectorMessages("dingtalk", err)...)
		}
	}
	if !c.Local.Enabled && !c.Feishu.Enabled && !c.WeCom.Enabled && !c.DingTalk.Enabled {
		warnings = append(warnings, "local.enabled, feishu.enabled, wecom.enabled, dingtalk.enabled = false：没有启用任何平台，机器人收不到文件 (no platform is enabled)")
	}
	return errs, warnings
}

var phoneRE = regexp.MustCompile(`^1[3-9]\d{9}$`)

// connectorMessages splits a connector's joined error into one message per line, without the
// wrapping prefix ("validate feishu config: ").
func connectorMessages(platform string, err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		for _, p := range []string{"validate " + platform + " config: ", "create " + platform + " connector: "} {
			line = strings.TrimPrefix(line, p)
		}
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, platform) {
			line = platform + ": " + line
		}
		out = append(out, line)
	}
	return out
}

func showVal(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case time.Duration:
		return x.String()
	}
	return fmt.Sprint(v)
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"周日": time.Sunday, "周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday,
	"周四": time.Thursday, "周五": time.Friday, "周六": time.Saturday, "周天": time.Sunday,
	"星期日": time.Sunday, "星期一": time.Monday, "星期二": time.Tuesday, "星期三": time.Wednesday,
	"星期四": time.Thursday, "星期五": time.Friday, "星期六": time.Saturday, "星期天": time.Sunday,
}

func parseWeekly(s string) (time.Weekday, int, int, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, 0, false
	}
	d, ok := weekdays[strings.ToLower(f[0])]
	if !ok {
		return 0, 0, 0, false
	}
	h, m, ok := ClockTime(f[1])
	return d, h, m, ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
