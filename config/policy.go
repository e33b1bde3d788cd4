package config

import (
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"zengshou/calc"
)

// The `policy:` section. Every parameter is addressed by its calc.Param.Key (industry.calf_cap,
// nested or dotted) and written in one of these forms:
//
//	calf_cap: 1000                                  # one value, in force always
//	local_growth:                                   # dated values: [from, until)
//	  - {from: 2024-01-01, until: 2025-01-01, value: 0.075, source: "…"}
//	ratio:                                          # a value plus per-county values
//	  value: 0.8
//	  counties: {宁城县: 1.2, 敖汉旗: [{from: 2026-01-01, value: 1.0}]}
//
// Money is in yuan (a number or a string, read exactly), rates are decimals ("7.5%" also
// works), minimum wages are {tier1, tier2, tier3} (inline in a dated item), quarter shares a
// list of four. Anything not written keeps DefaultPolicy()'s value; a per-county value replaces
// that county's values only.

// ParamValue is a parameter value in force, for `zengshou policy` and audits.
type ParamValue struct {
	Key    string `json:"key"`
	Clause string `json:"clause"`
	Title  string `json:"title"`
	Basis  string `json:"basis"`
	Value  string `json:"value"` // "" when no value is set for the date
	// Unit is how Value reads: "元" (yuan), "比例" (a decimal rate: 0.075 is 7.5%) or "" (a count
	// or a word).
	Unit   string `json:"unit,omitempty"`
	From   string `json:"from,omitempty"`
	Until  string `json:"until,omitempty"`
	Source string `json:"source,omitempty"`
	County string `json:"county,omitempty"`
	// Stale: no value covers the date; the latest earlier value is shown (and used by rules
	// that fall back to it).
	Stale bool `json:"stale,omitempty"`
}

// param is one row of the parameter table: the generic code for one calc.Param[T].
type param interface {
	key() string
	set(v any, path string) []string
	validate(pol *calc.Policy) (errs, warns []string)
	rows(pol *calc.Policy, county string, d time.Time) []ParamValue
	// dropDefaultCounties removes the per-county values the config did not set itself for
	// counties that drop reports true (the shipped tiers when policy.counties is replaced).
	dropDefaultCounties(drop func(county string) bool)
}

// entry binds a calc.Param[T] to how its values are read, shown and checked.
type entry[T any] struct {
	p        *calc.Param[T]
	parse    func(any) (T, error)
	show     func(T) string
	check    func(T) string  // "" when fine, else what is wrong (Chinese (English))
	optional bool            // may have no value (dated data the admin fills in)
	explicit map[string]bool // counties whose values the config set
}

func (e *entry[T]) dropDefaultCounties(drop func(string) bool) {
	for c := range e.p.Counties {
		if !e.explicit[c] && drop(c) {
			e.p.Counties = cloneCounties(e.p.Counties)
			delete(e.p.Counties, c)
		}
	}
}

func (e *entry[T]) key() string { return e.p.Key }

// paramTable lists every parameter of pol, each with its value type and checks.
func paramTable(pol *calc.Policy) []param {
	fen := func(p *calc.Param[calc.Fen]) param {
		return &entry[calc.Fen]{p: p, parse: parseFen, show: showFen, check: nonNegFen}
	}
	share := func(p *calc.Param[calc.Rate]) param {
		return &entry[calc.Rate]{p: p, parse: parseRate, show: calc.Rate.String, check: rateIn("0", "1")}
	}
	count := func(p *calc.Param[int], lo int) param {
		return &entry[int]{p: p, parse: parseInt, show: strconv.Itoa, check: intAtLeast(lo)}
	}
	return []param{
		&entry[calc.Rate]{p: &pol.LocalIncomeGrowth, parse: parseRate, show: calc.Rate.String, check: rateIn("-1", "1"), optional: true},
		&entry[calc.Fen]{p: &pol.MonitoringLine, parse: parseFen, show: showFen, check: nonNegFen, optional: true},
		share(&pol.FlatTolerance),
		&entry[calc.Shares]{p: &pol.QuarterShare, parse: parseShares, show: calc.Shares.String, check: checkShares},
		count(&pol.TrendQuarters, 1),

		share(&pol.ScaleMonitoredShare),
		share(&pol.PriceDrop),
		share(&pol.PriceDependShare),
		share(&pol.ReturnedShare),
		share(&pol.RigidShare),
		fen(&pol.RigidAmount),

		fen(&pol.CalfPerHead),
		fen(&pol.CalfCap),
		fen(&pol.LambPerHead),
		fen(&pol.LambCap),
		fen(&pol.LandContractPerMu),
		fen(&pol.LandContractCap),
		fen(&pol.LandEntrustPerMu),
		fen(&pol.LandEntrustCap),
		&entry[string]{p: &pol.CapBasis, parse: parseString, show: func(s string) string { return s }, check: checkCapBasis},

		&entry[calc.Awards]{p: &pol.CourtyardAwards, parse: parseAwards, show: calc.Awards.String, check: checkAwards},

		share(&pol.ProjectShare),
		fen(&pol.ProjectPerPerson),
		fen(&pol.ProjectPerHousehold),

		&entry[calc.TierWages]{p: &pol.MinWage, parse: parseTierWages, show: calc.TierWages.String, check: checkTierWages},
		&entry[int]{p: &pol.MinWageTier, parse: parseInt, show: strconv.Itoa, check: checkTier, optional: true},

		count(&pol.StableMinMonths, 0),
		share(&pol.StableShare),
		count(&pol.StableWageMonths, 1),
		fen(&pol.StableCap),
		count(&pol.FlexibleMinDays, 0),
		fen(&pol.FlexibleCap),
		fen(&pol.Transport),

		count(&pol.AbsorptionMinHires, 1),
		count(&pol.AbsorptionMinMonths, 0),
		count(&pol.AbsorptionMonths, 0),
		share(&pol.AbsorptionShare),

		share(&pol.ReliefLaborShare),
		share(&pol.ReliefPoorShare),
		count(&pol.ReliefPerCounty, 0),

		&entry[calc.Rate]{p: &pol.FilialRatio, parse: parseRate, show: calc.Rate.String, check: rateIn("0.8", "1.5")},
		&entry[calc.Fen]{p: &pol.FilialIncomeLine, parse: parseFen, show: showFen, check: nonNegFen, optional: true},

		count(&pol.TaskDueQuarters, 0),
		share(&pol.LaggingCompletion),
		count(&pol.LaggingOverdueDays, 0),
	}
}

// ParamKeys lists the config key of every policy parameter, in the seed's order.
func ParamKeys() []string {
	var keys []string
	for _, p := range paramTable(DefaultPolicy()) {
		keys = append(keys, p.key())
	}
	return keys
}

// InForce lists every policy parameter in force on d. With a county, each parameter's value
// for that county (its override, else the general value); without one, the general values
// followed by every per-county value.
func InForce(pol *calc.Policy, county string, d time.Time) []ParamValue {
	var out []ParamValue
	for _, p := range paramTable(pol) {
		out = append(out, p.rows(pol, county, d)...)
	}
	return out
}

func (e *entry[T]) row(county string, d time.Time) ParamValue {
	v, u, ok := e.p.Latest(county, d)
	pv := ParamValue{Key: e.p.Key, Clause: e.p.Clause, Title: e.p.Title, Basis: e.p.BasisOf(u.County), County: u.County, Unit: unitOf[T]()}
	if ok {
		pv.Value, pv.From, pv.Until, pv.Source, pv.Stale = e.show(v), u.From, u.Until, u.Source, u.Stale
	}
	return pv
}

// unitOf is the unit of a parameter's values (ParamValue.Unit).
func unitOf[T any]() string {
	switch any(*new(T)).(type) {
	case calc.Fen, calc.TierWages, calc.Awards:
		return UnitYuan
	case calc.Rate, calc.Shares:
		return UnitRate
	}
	return ""
}

// Units of ParamValue.
const (
	UnitYuan = "元"
	UnitRate = "比例"
)

func (e *entry[T]) rows(pol *calc.Policy, county string, d time.Time) []ParamValue {
	if county != "" {
		return []ParamValue{e.row(county, d)}
	}
	var out []ParamValue
	if len(e.p.Values) > 0 || len(e.p.Counties) == 0 {
		out = append(out, e.row("", d))
	}
	for _, c := range countyOrder(pol, e.p.Counties) {
		out = append(out, e.row(c, d))
	}
	return out
}

// countyOrder is the counties of an override map in policy.counties order, unknown ones last.
func countyOrder[T any](pol *calc.Policy, m map[string][]calc.Dated[T]) []string {
	var known, other []string
	for _, c := range pol.Counties {
		if _, ok := m[c]; ok {
			known = append(known, c)
		}
	}
	for c := range m {
		if !pol.HasCounty(c) {
			other = append(other, c)
		}
	}
	sort.Strings(other)
	return append(known, other...)
}

// ---- reading the YAML forms ----

var paramFormKeys = map[string]bool{"value": true, "values": true, "counties": true, "from": true, "until": true, "source": true}

// set applies one YAML value of this parameter.
func (e *entry[T]) set(v any, path string) []string {
	m, isMap := asMap(v)
	if isMap && hasOnly(m, paramFormKeys) && (hasKey(m, "counties") || hasKey(m, "values")) {
		var errs []string
		rest := map[string]any{}
		for k, x := range m {
			if k != "counties" && k != "values" {
				rest[k] = x
			}
		}
		if m["values"] != nil && len(rest) > 0 {
			errs = append(errs, fmt.Sprintf("%s：values 与 value/from/until 不能同时写 (use either values or value/from/until)", path))
		}
		switch {
		case m["values"] != nil:
			vs, es := e.values(m["values"], path+".values")
			errs = append(errs, es...)
			if len(es) == 0 {
				e.configured("", e.p.Values, vs)
				e.p.Values = vs
			}
		case len(rest) > 0:
			vs, es := e.values(rest, path)
			errs = append(errs, es...)
			if len(es) == 0 {
				e.configured("", e.p.Values, vs)
				e.p.Values = vs
			}
		}
		if c, ok := m["counties"]; ok && c != nil {
			cm, ok := asMap(c)
			if !ok {
				return append(errs, fmt.Sprintf("%s.counties = %s：应为“旗县区: 取值”的映射 (must be a mapping county: value)", path, brief(c)))
			}
			names := make([]string, 0, len(cm))
			for name := range cm {
				names = append(names, name)
			}
			sort.Strings(names)
			e.p.Counties = cloneCounties(e.p.Counties)
			for _, name := range names {
				vs, es := e.values(cm[name], path+".counties."+name)
				errs = append(errs, es...)
				if len(es) == 0 {
					e.configured(name, e.p.Counties[name], vs)
					e.p.Counties[name] = vs
				}
				if e.explicit == nil {
					e.explicit = map[string]bool{}
				}
				e.explicit[name] = true
			}
		}
		return errs
	}
	vs, errs := e.values(v, path)
	if len(errs) == 0 {
		e.configured("", e.p.Values, vs)
		e.p.Values = vs
	}
	return errs
}

// configured records that the configuration changed the values for county ("" for the general
// values) from was to now: calc.Param.BasisOf says so. Values written as they were (the example
// file spells out every default) keep their basis: the seed's figure is still the seed's.
func (e *entry[T]) configured(county string, was, now []calc.Dated[T]) {
	if reflect.DeepEqual(was, now) || (len(was) == 0 && len(now) == 0) {
		return
	}
	m := make(map[string]bool, len(e.p.Configured)+1)
	for k, v := range e.p.Configured {
		m[k] = v
	}
	m[county] = true
	e.p.Configured = m
}

func cloneCounties[T any](m map[string][]calc.Dated[T]) map[string][]calc.Dated[T] {
	out := make(map[string][]calc.Dated[T], len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func hasOnly(m map[string]any, allowed map[string]bool) bool {
	for k := range m {
		if !allowed[k] {
			return false
		}
	}
	return true
}

// values reads a scalar (one undated value), a dated item ({from, until, value, source}, or
// with the value's own keys inline) or a list of dated items.
func (e *entry[T]) values(v any, path string) ([]calc.Dated[T], []string) {
	if v == nil {
		return nil, []string{fmt.Sprintf("%s：没有填写取值 (no value given)", path)}
	}
	if list, ok := v.([]any); ok && len(list) == 0 {
		return nil, nil // an empty list unsets the parameter
	}
	if list, ok := v.([]any); ok && isDatedList(list) {
		var out []calc.Dated[T]
		var errs []string
		for i, it := range list {
			d, es := e.item(it, fmt.Sprintf("%s[%d]", path, i))
			errs = append(errs, es...)
			out = append(out, d)
		}
		return out, errs
	}
	if m, ok := asMap(v); ok && (m["value"] != nil || m["from"] != nil || m["until"] != nil) {
		d, errs := e.item(m, path)
		return []calc.Dated[T]{d}, errs
	}
	x, err := e.parse(v)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s = %s：%v", path, brief(v), err)}
	}
	return []calc.Dated[T]{{Value: x}}, nil
}

func isDatedList(list []any) bool {
	if len(list) == 0 {
		return false
	}
	for _, it := range list {
		m, ok := asMap(it)
		if !ok {
			return false
		}
		if m["value"] == nil && m["from"] == nil && m["until"] == nil && m["source"] == nil {
			return false
		}
	}
	return true
}

func (e *entry[T]) item(it any, path string) (calc.Dated[T], []string) {
	var d calc.Dated[T]
	m, ok := asMap(it)
	if !ok {
		return d, []string{fmt.Sprintf("%s = %s：应为 {from, until, value, source} (must be a dated value)", path, brief(it))}
	}
	var errs []string
	var err error
	if d.From, err = parseDate(m["from"]); err != nil {
		errs = append(errs, fmt.Sprintf("%s.from = %s：%v", path, brief(m["from"]), err))
	}
	if d.Until, err = parseDate(m["until"]); err != nil {
		errs = append(errs, fmt.Sprintf("%s.until = %s：%v", path, brief(m["until"]), err))
	}
	if s, ok := m["source"]; ok && s != nil {
		d.Source = strings.TrimSpace(fmt.Sprint(s))
	}
	val, ok := m["value"]
	if ok {
		if es := checkFormKeys(m, path, []string{"from", "until", "value", "source"}); len(es) > 0 {
			return d, append(errs, es...)
		}
	}
	if _, tiers := any(d.Value).(calc.TierWages); !ok && !tiers { // {from, vaule}: a misspelt value
		if es := checkFormKeys(m, path, []string{"from", "until", "value", "source"}); len(es) > 0 {
			return d, append(errs, es...)
		}
	}
	if !ok { // the value's own keys inline: {from, until, tier1, tier2, tier3}
		inline := map[string]any{}
		for k, x := range m {
			if k != "from" && k != "until" && k != "source" {
				inline[k] = x
			}
		}
		if len(inline) == 0 {
			return d, append(errs, fmt.Sprintf("%s：没有填写 value (value is missing)", path))
		}
		val = inline
	}
	if val == nil {
		return d, append(errs, fmt.Sprintf("%s.value：没有填写取值 (no value given)", path))
	}
	x, err := e.parse(val)
	if err != nil {
		return d, append(errs, fmt.Sprintf("%s.value = %s：%v", path, brief(val), err))
	}
	d.Value = x
	return d, errs
}

// ---- checking ----

func (e *entry[T]) validate(pol *calc.Policy) (errs, warns []string) {
	path := "policy." + e.p.Key
	if len(e.p.Values) == 0 && len(e.p.Counties) == 0 && !e.optional {
		errs = append(errs, fmt.Sprintf("%s：没有取值 (no value set)", path))
	}
	es, ws := e.checkDated(path, e.p.Values, !e.optional && e.p.Basis != calc.BasisData)
	errs, warns = append(errs, es...), append(warns, ws...)
	names := make([]string, 0, len(e.p.Counties))
	for c := range e.p.Counties {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		cp := path + ".counties." + c
		if !pol.HasCounty(c) {
			errs = append(errs, fmt.Sprintf("%s = %s：未知的旗县区，不在 policy.counties 中 (unknown county, not in policy.counties)",
				cp, e.showList(e.p.Counties[c])))
		}
		es, ws := e.checkDated(cp, e.p.Counties[c], false)
		errs, warns = append(errs, es...), append(warns, ws...)
	}
	return errs, warns
}

func (e *entry[T]) showList(vs []calc.Dated[T]) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = e.show(v.Value)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkDated checks each value and that the dates are ordered and do not overlap; with
// coverage, gaps in time are warned about.
func (e *entry[T]) checkDated(path string, vs []calc.Dated[T], coverage bool) (errs, warns []string) {
	at := func(i int) string {
		if len(vs) == 1 && vs[0].From.IsZero() && vs[0].Until.IsZero() {
			return path
		}
		return fmt.Sprintf("%s[%d]", path, i)
	}
	for i, v := range vs {
		if problem := e.check(v.Value); problem != "" {
			errs = append(errs, fmt.Sprintf("%s = %s：%s", at(i), e.show(v.Value), problem))
		}
		if !v.From.IsZero() && !v.Until.IsZero() && !v.From.Before(v.Until) {
			errs = append(errs, fmt.Sprintf("%s：生效日期 from %s 应早于失效日期 until %s (from must be before until)",
				at(i), calc.DateText(v.From), calc.DateText(v.Until)))
		}
	}
	idx := make([]int, len(vs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return vs[idx[a]].From.Before(vs[idx[b]].From) })
	for k := 1; k < len(idx); k++ {
		a, b := vs[idx[k-1]], vs[idx[k]]
		if a.Until.IsZero() || a.Until.After(b.From) || b.From.IsZero() {
			errs = append(errs, fmt.Sprintf("%s：第%d项与第%d项的生效期重叠 (dated values %d and %d overlap: %s–%s and %s–%s)",
				path, idx[k-1]+1, idx[k]+1, idx[k-1], idx[k], dateOr(a.From, "…"), dateOr(a.Until, "…"), dateOr(b.From, "…"), dateOr(b.Until, "…")))
		} else if coverage && a.Until.Before(b.From) {
			warns = append(warns, fmt.Sprintf("%s：%s 至 %s 之间没有取值 (no value between %s and %s)",
				path, calc.DateText(a.Until), calc.DateText(b.From), calc.DateText(a.Until), calc.DateText(b.From)))
		}
	}
	if coverage && len(idx) > 0 {
		if first := vs[idx[0]]; !first.From.IsZero() {
			warns = append(warns, fmt.Sprintf("%s：%s 之前没有取值 (no value before %s)", path, calc.DateText(first.From), calc.DateText(first.From)))
		}
		if last := vs[idx[len(idx)-1]]; !last.Until.IsZero() {
			warns = append(warns, fmt.Sprintf("%s：%s 起没有取值 (no value from %s on)", path, calc.DateText(last.Until), calc.DateText(last.Until)))
		}
	}
	return errs, warns
}

func dateOr(t time.Time, s string) string {
	if t.IsZero() {
		return s
	}
	return calc.DateText(t)
}

func nonNegFen(v calc.Fen) string {
	if v < 0 {
		return "金额不能为负数 (must not be negative)"
	}
	return ""
}

func rateIn(lo, hi string) func(calc.Rate) string {
	l, h := mustRate(lo), mustRate(hi)
	return func(r calc.Rate) string {
		if r < l || r > h {
			msg := fmt.Sprintf("应在 %s 到 %s 之间 (must be between %s and %s)", lo, hi, lo, hi)
			if r > calc.RateOne && r/100 >= l && r/100 <= h { // 7.5 meant as 7.5%
				p := calc.Rate(r / 100)
				msg = fmt.Sprintf("应在 %s 到 %s 之间；比例写小数，%s%% 应写 %s 或 \"%s%%\" (must be between %s and %s: a rate is a decimal, %s%% is %s or \"%s%%\")",
					lo, hi, r, p, r, lo, hi, r, p, r)
			}
			return msg
		}
		return ""
	}
}

func mustRate(s string) calc.Rate {
	r, err := calc.ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

func intAtLeast(lo int) func(int) string {
	return func(v int) string {
		if v < lo {
			return fmt.Sprintf("不能小于 %d (must be at least %d)", lo, lo)
		}
		return ""
	}
}

func checkShares(s calc.Shares) string {
	for i, r := range s {
		if r < 0 || r > calc.RateOne {
			return fmt.Sprintf("第%d季度累计占比 %s 应在 0 到 1 之间 (Q%d share must be between 0 and 1)", i+1, r, i+1)
		}
		if i > 0 && r < s[i-1] {
			return fmt.Sprintf("第%d季度累计占比 %s 小于上一季度 %s，累计占比不能下降 (cumulative shares must not decrease)", i+1, r, s[i-1])
		}
	}
	if s[3] != calc.RateOne {
		return "第4季度累计占比必须为 1 (the Q4 share must be 1)"
	}
	if s[0] == 0 {
		return "第1季度累计占比不能为 0，否则无法倒推算全年 (the Q1 share must be above 0)"
	}
	return ""
}

func checkCapBasis(s string) string {
	if s != calc.CapPerHousehold && s != calc.CapPerPerson {
		return "只能是 household（按户）或 person（按人） (must be household or person)"
	}
	return ""
}

func checkTier(t int) string {
	if t < 1 || t > 3 {
		return "最低工资地区类别只能是 1、2 或 3 (tier must be 1, 2 or 3)"
	}
	return ""
}

func checkTierWages(w calc.TierWages) string {
	for i, v := range w {
		if v <= 0 {
			return fmt.Sprintf("%d类最低工资应大于 0 (tier%d must be above 0)", i+1, i+1)
		}
	}
	return ""
}

func checkAwards(a calc.Awards) string {
	for k, v := range a {
		if strings.TrimSpace(k) == "" {
			return "项目类型不能为空 (project type must not be empty)"
		}
		if v < 0 {
			return fmt.Sprintf("%s 的奖补金额不能为负数 (award must not be negative)", k)
		}
	}
	return ""
}

// ---- parsing values ----

// numText is the exact text of a YAML number or string (never float arithmetic).
func numText(v any) (string, bool) {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case string:
		return strings.TrimSpace(x), true
	}
	return "", false
}

func parseFen(v any) (calc.Fen, error) {
	s, ok := numText(v)
	if !ok {
		return 0, fmt.Errorf("应为金额（元） (must be an amount in yuan)")
	}
	s = strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "元")
	f, err := calc.ParseYuan(s)
	if err != nil {
		return 0, fmt.Errorf("不是有效金额（元，最多两位小数） (not an amount in yuan with at most two decimals)")
	}
	return f, nil
}

func showFen(f calc.Fen) string { return strings.TrimSuffix(f.String(), ".00") }

func parseRate(v any) (calc.Rate, error) {
	s, ok := numText(v)
	if !ok {
		return 0, fmt.Errorf("应为小数或百分数，如 0.075 或 7.5%% (must be a decimal or a percentage)")
	}
	r, err := calc.ParseRate(s)
	if err != nil {
		return 0, fmt.Errorf("不是有效比例（最多六位小数） (not a rate with at most six decimals)")
	}
	return r, nil
}

func parseInt(v any) (int, error) {
	s, ok := numText(v)
	if !ok {
		return 0, fmt.Errorf("应为整数 (must be a whole number)")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("应为整数 (must be a whole number)")
	}
	return n, nil
}

func parseString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("应为文字 (must be a string)")
	}
	return strings.TrimSpace(s), nil
}

// splitList reads a YAML list or a comma-separated string (the environment form).
func splitList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case string:
		var out []any
		for _, p := range strings.Split(x, ",") {
			out = append(out, strings.TrimSpace(p))
		}
		return out, true
	}
	return nil, false
}

func parseShares(v any) (calc.Shares, error) {
	var s calc.Shares
	list, ok := splitList(v)
	if !ok || len(list) != 4 {
		return s, fmt.Errorf("应为四个季度的累计占比，如 [0.20, 0.45, 0.70, 1] (must be a list of four cumulative shares)")
	}
	for i, x := range list {
		r, err := parseRate(x)
		if err != nil {
			return s, fmt.Errorf("第%d季度：%w", i+1, err)
		}
		s[i] = r
	}
	return s, nil
}

func parseTierWages(v any) (calc.TierWages, error) {
	var w calc.TierWages
	bad := fmt.Errorf("应为 {tier1, tier2, tier3}（一类、二类、三类月最低工资，元） (must be {tier1, tier2, tier3} in yuan)")
	if m, ok := asMap(v); ok {
		if len(m) != 3 {
			return w, bad
		}
		for i := range 3 {
			x, ok := m[fmt.Sprintf("tier%d", i+1)]
			if !ok {
				return w, bad
			}
			f, err := parseFen(x)
			if err != nil {
				return w, fmt.Errorf("tier%d：%w", i+1, err)
			}
			w[i] = f
		}
		return w, nil
	}
	list, ok := splitList(v)
	if !ok || len(list) != 3 {
		return w, bad
	}
	for i, x := range list {
		f, err := parseFen(x)
		if err != nil {
			return w, fmt.Errorf("tier%d：%w", i+1, err)
		}
		w[i] = f
	}
	return w, nil
}

func parseAwards(v any) (calc.Awards, error) {
	a := calc.Awards{}
	if s, ok := v.(string); ok { // environment form: 小养殖:500,光伏:300
		m := map[string]any{}
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			k, val, ok := strings.Cut(p, ":")
			if !ok {
				return nil, fmt.Errorf("应为“项目类型:金额”，以逗号分隔 (must be type:amount pairs)")
			}
			m[strings.TrimSpace(k)] = val
		}
		v = m
	}
	m, ok := asMap(v)
	if !ok {
		return nil, fmt.Errorf("应为“项目类型: 金额（元）”的映射 (must be a mapping project type: yuan)")
	}
	for k, x := range m {
		f, err := parseFen(x)
		if err != nil {
			return nil, fmt.Errorf("%s：%w", k, err)
		}
		a[k] = f
	}
	return a, nil
}

// parseDate reads a date (2025-01-01); nil is the zero date.
func parseDate(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return calc.Day(x.Year(), x.Month(), x.Day()), nil
	case string:
		if strings.TrimSpace(x) == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse("2006-01-02", strings.TrimSpace(x))
		if err != nil {
			return time.Time{}, fmt.Errorf("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)")
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)")
}

// brief shows a YAML value in a message.
func brief(v any) string {
	if s, ok := numText(v); ok {
		if _, isStr := v.(string); isStr {
			return strconv.Quote(s)
		}
		return s
	}
	var s string
	if t, ok := v.(time.Time); ok { // YAML reads an unquoted date as a time
		s = calc.DateText(calc.Day(t.Year(), t.Month(), t.Day()))
	} else if m, ok := asMap(v); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			keys[i] = k + ": " + brief(m[k])
		}
		s = "{" + strings.Join(keys, ", ") + "}"
	} else {
		s = fmt.Sprint(v)
	}
	if len([]rune(s)) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return s
}

// ---- the whole section ----

// applyPolicy applies the `policy:` mapping (case preserved, straight from the YAML) and the
// ZENGSHOU_POLICY_* environment overrides onto pol.
func applyPolicy(pol *calc.Policy, raw any) []string {
	var errs []string
	table := paramTable(pol)
	byKey := make(map[string]param, len(table))
	for _, p := range table {
		byKey[p.key()] = p
	}
	if raw != nil {
		m, ok := asMap(raw)
		if !ok {
			return []string{fmt.Sprintf("policy = %s：应为映射 (must be a mapping)", brief(raw))}
		}
		errs = append(errs, walkPolicy(pol, byKey, m, "")...)
	}
	for _, p := range table {
		env := envName("policy." + p.key())
		if s := os.Getenv(env); s != "" {
			errs = append(errs, p.set(s, env)...)
		}
	}
	if s := os.Getenv(envName("policy.region")); s != "" {
		pol.Region = strings.TrimSpace(s)
	}
	for _, k := range []struct {
		key string
		ptr *[]string
	}{{"policy.counties", &pol.Counties}, {"policy.key_counties", &pol.KeyCounties}} {
		if s := os.Getenv(envName(k.key)); s != "" {
			l, _ := stringList(s, k.key)
			*k.ptr = l
		}
	}
	// Another region's county list: the shipped per-county values of counties no longer in
	// the list go (the config's own per-county values stay, and are checked).
	for _, p := range table {
		p.dropDefaultCounties(func(c string) bool { return !pol.HasCounty(c) })
	}
	if _, set := lookupAny(raw, "key_counties"); !set && os.Getenv(envName("policy.key_counties")) == "" {
		pol.KeyCounties = slices.DeleteFunc(slices.Clone(pol.KeyCounties), func(c string) bool { return !pol.HasCounty(c) })
	}
	return errs
}

func lookupAny(raw any, key string) (any, bool) {
	m, ok := asMap(raw)
	if !ok {
		return nil, false
	}
	return lookup(m, key)
}

func walkPolicy(pol *calc.Policy, byKey map[string]param, m map[string]any, prefix string) []string {
	var errs []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		full := prefix + k
		path := "policy." + full
		if p, ok := byKey[full]; ok {
			errs = append(errs, p.set(v, path)...)
			continue
		}
		if prefix == "" {
			switch k {
			case "region":
				s, ok := v.(string)
				if !ok {
					errs = append(errs, fmt.Sprintf("%s = %s：应为地区名称 (must be a region name)", path, brief(v)))
				}
				pol.Region = strings.TrimSpace(s)
				continue
			case "counties":
				l, err := stringList(v, path)
				if err != "" {
					errs = append(errs, err)
				} else {
					pol.Counties = l
				}
				continue
			case "key_counties":
				l, err := stringList(v, path)
				if err != "" {
					errs = append(errs, err)
				} else {
					pol.KeyCounties = l
				}
				continue
			case "prices":
				errs = append(errs, applyPrices(pol, v)...)
				continue
			}
		}
		if sub, ok := asMap(v); ok && hasPrefix(byKey, full+".") {
			errs = append(errs, walkPolicy(pol, byKey, sub, full+".")...)
			continue
		}
		errs = append(errs, unknownPolicyKey(byKey, prefix, k, v))
	}
	return errs
}

// unknownPolicyKey is the message for a policy key no parameter has, with the nearest key of
// the same section when there is one.
func unknownPolicyKey(byKey map[string]param, prefix, k string, v any) string {
	var names []string
	if prefix == "" {
		names = []string{"region", "counties", "key_counties", "prices"}
	}
	for key := range byKey {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			name, _, _ := strings.Cut(rest, ".")
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	path := "policy." + prefix + k
	val := ""
	if _, isMap := asMap(v); !isMap {
		val = " = " + brief(v)
	}
	full := ""
	if s := nearest(k, names); s != "" {
		full = "policy." + prefix + s
	} else { // the right name in the wrong section: policy.calf_cap for policy.industry.calf_cap
		for key := range byKey {
			if key[strings.LastIndex(key, ".")+1:] == k && (full == "" || "policy."+key < full) {
				full = "policy." + key
			}
		}
	}
	if full != "" {
		return fmt.Sprintf("%s%s：未知的政策参数，是否应为 %s？ (unknown policy parameter; did you mean %s?)", path, val, full, full)
	}
	return fmt.Sprintf("%s%s：未知的政策参数，此处可用的键：%s (unknown policy parameter; see config/zengshou.example.yaml)",
		path, val, strings.Join(names, "、"))
}

// checkFormKeys reports the keys of a dated value or a {value, counties} form that are none
// of allowed (a misspelt until would otherwise make the value in force for ever). counties is
// suggested too: it belongs beside value, outside a dated list.
func checkFormKeys(m map[string]any, path string, allowed []string) []string {
	like := append(slices.Clone(allowed), "counties")
	var errs []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if slices.Contains(allowed, k) {
			continue
		}
		if s := nearest(k, like); s != "" && s != k {
			errs = append(errs, fmt.Sprintf("%s.%s = %s：未知的键，是否应为 %s？ (unknown key; did you mean %s?)", path, k, brief(m[k]), s, s))
		} else {
			errs = append(errs, fmt.Sprintf("%s.%s = %s：未知的键，只能写 %s (unknown key; use %s)",
				path, k, brief(m[k]), strings.Join(allowed, "、"), strings.Join(allowed, ", ")))
		}
	}
	return errs
}

func hasPrefix(byKey map[string]param, prefix string) bool {
	for k := range byKey {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func stringList(v any, path string) ([]string, string) {
	list, ok := splitList(v)
	if !ok {
		return nil, fmt.Sprintf("%s = %s：应为名称列表 (must be a list of names)", path, brief(v))
	}
	out := []string{}
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Sprintf("%s = %s：应为名称列表 (must be a list of names)", path, brief(v))
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, ""
}

// applyPrices reads policy.prices: commodity → [{date, price}] (price in yuan).
func applyPrices(pol *calc.Policy, v any) []string {
	m, ok := asMap(v)
	if !ok {
		return []string{fmt.Sprintf("policy.prices = %s：应为“品种: [{date, price}]”的映射 (must be a mapping commodity: list of {date, price})", brief(v))}
	}
	var errs []string
	prices := map[string][]calc.PricePoint{}
	for name, series := range pol.Prices {
		prices[name] = series
	}
	for name, s := range m {
		path := "policy.prices." + name
		list, ok := s.([]any)
		if !ok {
			errs = append(errs, fmt.Sprintf("%s = %s：应为 [{date, price}] 列表 (must be a list of {date, price})", path, brief(s)))
			continue
		}
		var pts []calc.PricePoint
		for i, it := range list {
			ip := fmt.Sprintf("%s[%d]", path, i)
			im, ok := asMap(it)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s = %s：应为 {date, price} (must be {date, price})", ip, brief(it)))
				continue
			}
			d, err := parseDate(im["date"])
			if err != nil || d.IsZero() {
				errs = append(errs, fmt.Sprintf("%s.date = %s：日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)", ip, brief(im["date"])))
				continue
			}
			p, err := parseFen(im["price"])
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s.price = %s：%v", ip, brief(im["price"]), err))
				continue
			}
			pts = append(pts, calc.PricePoint{Date: d, Price: p})
		}
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].Date.Before(pts[b].Date) })
		prices[name] = pts
	}
	pol.Prices = prices
	return errs
}

// validatePolicy checks the whole policy.
func validatePolicy(pol *calc.Policy) (errs, warns []string) {
	if pol == nil {
		return []string{"policy：缺少政策参数 (policy is missing)"}, nil
	}
	if strings.TrimSpace(pol.Region) == "" {
		errs = append(errs, "policy.region = \"\"：地区不能为空 (region must not be empty)")
	}
	if len(pol.Counties) == 0 {
		errs = append(errs, "policy.counties = []：至少要有一个旗县区 (at least one county)")
	}
	seen := map[string]bool{}
	for i, c := range pol.Counties {
		if strings.TrimSpace(c) == "" {
			errs = append(errs, fmt.Sprintf("policy.counties[%d] = \"\"：旗县区名称不能为空 (county name must not be empty)", i))
		}
		if seen[c] {
			errs = append(errs, fmt.Sprintf("policy.counties[%d] = %s：旗县区重复 (duplicate county)", i, c))
		}
		seen[c] = true
	}
	for i, c := range pol.KeyCounties {
		if !pol.HasCounty(c) {
			errs = append(errs, fmt.Sprintf("policy.key_counties[%d] = %s：未知的旗县区，不在 policy.counties 中 (unknown county, not in policy.counties)", i, c))
		}
	}
	names := make([]string, 0, len(pol.Prices))
	for n := range pol.Prices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			errs = append(errs, "policy.prices：品种名称不能为空 (commodity name must not be empty)")
		}
		var dates []time.Time
		for i, p := range pol.Prices[n] {
			path := fmt.Sprintf("policy.prices.%s[%d]", n, i)
			if p.Price < 0 {
				errs = append(errs, fmt.Sprintf("%s.price = %s：价格不能为负数 (must not be negative)", path, showFen(p.Price)))
			}
			if p.Date.IsZero() {
				errs = append(errs, fmt.Sprintf("%s.date：没有日期 (date is missing)", path))
			} else if slices.ContainsFunc(dates, p.Date.Equal) {
				errs = append(errs, fmt.Sprintf("%s.date = %s：同一日期有两个价格 (two prices for one date)", path, calc.DateText(p.Date)))
			}
			dates = append(dates, p.Date)
		}
	}
	for _, p := range paramTable(pol) {
		es, ws := p.validate(pol)
		errs, warns = append(errs, es...), append(warns, ws...)
	}
	for _, c := range pol.Counties {
		if len(pol.MinWageTier.Counties[c]) == 0 && len(pol.MinWageTier.Values) == 0 {
			warns = append(warns, fmt.Sprintf("policy.wage.tier.counties.%s：未设置最低工资地区类别，（九）（十一）无法计算 (no minimum-wage tier for this county)", c))
		}
	}
	return errs, warns
}
