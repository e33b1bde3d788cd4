package ledger

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// A value problem as the cadre reads it; the caller prefixes the column and the value.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

func verr(format string, a ...any) error { return &valueError{fmt.Sprintf(format, a...)} }

var errNotNumber = verr("不是数字")

// tooLarge is a number written in full or in E notation that no ledger amount, count or area
// reaches (1E+300, forty 9s): 数值过大, not 不是数字.
func tooLarge(c string) bool {
	c = strings.ReplaceAll(c, ",", "")
	if !numberRe.MatchString(c) {
		return false
	}
	mant, exp, _ := strings.Cut(strings.ToLower(c), "e")
	if e, err := strconv.Atoi(exp); err == nil && e > 30 {
		return strings.Trim(mant, "+-0.") != ""
	}
	whole, _, _ := strings.Cut(strings.TrimLeft(mant, "+-"), ".")
	return len(strings.TrimLeft(whole, "0")) > 30
}

// clipValue shortens a cell's text quoted in a problem: the chat reply shows a problem in 120
// characters, and a long value quoted whole hid what was wrong with it.
func clipValue(s string) string {
	const keep = 20
	if utf8.RuneCountInString(s) <= keep+1 {
		return s
	}
	r := []rune(s)
	return string(r[:keep]) + "…"
}

// emptyMarks are cell texts that mean "nothing here" (after cleanText).
var emptyMarks = map[string]bool{
	"/": true, "-": true, "—": true, "——": true, "--": true, "―": true, "–": true, "\\": true,
	"无": true, "没有": true, "空": true, "暂无": true, "N/A": true, "n/a": true, "NA": true, "null": true, "NULL": true,
}

// isEmptyMark reports whether a cell's text stands for "no value" ("/", "—", "无", blank).
func isEmptyMark(s string) bool {
	c := cleanText(s)
	return c == "" || emptyMarks[c]
}

// unit words that may follow a number in a cell ("1,200元", "3头", "2.5亩"); longest first.
var valueUnits = []string{"个月", "公斤", "平方米", "元", "亩", "头", "只", "羽", "人", "口", "月", "天", "日", "斤", "kg", "个", "户", "次", "年", "岁", "㎡"}

var numberRe = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$`)

// ParseNumber reads a number as cadres type it: "1,200元", "１２００", "1.2万", "30%", "-3.5",
// "5.2E+3". present is false for a blank cell and for "/", "—", "-", "无" (no value; not 0).
// The result is exact (no float).
func ParseNumber(s string) (v *big.Rat, present bool, err error) {
	c := cleanText(s)
	if c == "" || emptyMarks[c] {
		return nil, false, nil
	}
	if strings.HasPrefix(c, "#") { // #DIV/0!, #VALUE!, #N/A
		return nil, true, verr("是公式错误值")
	}
	if len(c) > 64 {
		if tooLarge(c) {
			return nil, true, verr("数值过大")
		}
		return nil, true, errNotNumber
	}
	c = strings.TrimLeft(c, "¥$")
	c = strings.TrimPrefix(c, "'")
	mult := big.NewRat(1, 1)
	for changed := true; changed; {
		changed = false
		for _, u := range valueUnits {
			if strings.HasSuffix(c, u) && len(c) > len(u) {
				c = strings.TrimSuffix(c, u)
				changed = true
			}
		}
		switch {
		case strings.HasSuffix(c, "万") && len(c) > len("万"):
			c = strings.TrimSuffix(c, "万")
			mult.Mul(mult, big.NewRat(10000, 1))
			changed = true
		case strings.HasSuffix(c, "%") && len(c) > 1:
			c = strings.TrimSuffix(c, "%")
			mult.Mul(mult, big.NewRat(1, 100))
			changed = true
		}
	}
	c = strings.ReplaceAll(c, ",", "")
	if !numberRe.MatchString(c) {
		return nil, true, errNotNumber
	}
	if i := strings.IndexAny(c, "eE"); i >= 0 {
		e, _ := strconv.Atoi(c[i+1:])
		if e > 30 && tooLarge(c) {
			return nil, true, verr("数值过大")
		}
		if e > 30 || e < -30 {
			return nil, true, errNotNumber
		}
	}
	r, ok := new(big.Rat).SetString(c)
	if !ok {
		return nil, true, errNotNumber
	}
	return r.Mul(r, mult), true, nil
}

// roundRat rounds r×scale to the nearest integer, halves away from zero.
func roundRat(r *big.Rat, scale int64) (int64, bool) {
	x := new(big.Rat).Mul(r, big.NewRat(scale, 1))
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	m.Abs(m).Mul(m, big.NewInt(2))
	if m.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, false
	}
	v := q.Int64()
	if v > 1e15 || v < -1e15 {
		return 0, false
	}
	return v, true
}

// parseFen reads money in yuan into fen, exactly (rounded to the fen).
// fastDecimal reads a plain decimal as spreadsheet cells hold numbers ("1200", "-3.5",
// "0.125") exactly: the value is mant / 10^scale. ok is false for anything else, which the
// general parser reads (it gives the same value for what this accepts).
func fastDecimal(s string) (mant int64, scale int, ok bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		neg, i = true, 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 15 {
				return 0, 0, false
			}
			mant = mant*10 + int64(c-'0')
			digits++
			if dot {
				scale++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || dot && scale == 0 {
		return 0, 0, false
	}
	if neg {
		mant = -mant
	}
	return mant, scale, true
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16}

// isPercent reports whether a cell's text is a percentage ("70%", "７０％"): in a column of
// money, areas or counts it is a mistake (a share typed where the amount goes), not 0.7.
func isPercent(s string) bool {
	return strings.HasSuffix(cleanText(s), "%")
}

func parseFen(s string) (calc.Fen, bool, error) {
	if m, sc, ok := fastDecimal(s); ok {
		var v int64
		if sc <= 2 {
			v = m * pow10[2-sc]
		} else {
			d := pow10[sc-2]
			q, r := m/d, m%d
			if r < 0 {
				r = -r
			}
			if 2*r >= d { // half away from zero, as roundRat
				if m < 0 {
					q--
				} else {
					q++
				}
			}
			v = q
		}
		if v <= 1e15 && v >= -1e15 {
			return calc.Fen(v), true, nil
		}
	}
	if isPercent(s) {
		return 0, true, verr("是百分比，这里应填金额（元）")
	}
	r, ok, err := ParseNumber(s)
	if err != nil || !ok {
		return 0, ok, err
	}
	v, fits := roundRat(r, 100)
	if !fits {
		return 0, true, verr("数值过大")
	}
	return calc.Fen(v), true, nil
}

// parseArea reads an area in 亩 into hundredths of a mu.
func parseArea(s string) (calc.Area, bool, error) {
	if isPercent(s) {
		return 0, true, verr("是百分比，这里应填面积（亩）")
	}
	r, ok, err := ParseNumber(s)
	if err != nil || !ok {
		return 0, ok, err
	}
	if r.Sign() < 0 {
		return 0, true, verr("不能是负数")
	}
	v, fits := roundRat(r, 100)
	if !fits {
		return 0, true, verr("数值过大")
	}
	return calc.Area(v), true, nil
}

// parseCount reads a whole, non-negative count (people, head of livestock, months, days).
func parseCount(s string) (int, bool, error) {
	if m, sc, ok := fastDecimal(s); ok && sc == 0 && m >= 0 && m <= 1e9 {
		return int(m), true, nil
	}
	if isPercent(s) {
		return 0, true, verr("是百分比，这里应填数量")
	}
	r, ok, err := ParseNumber(s)
	if err != nil || !ok {
		return 0, ok, err
	}
	if r.Sign() < 0 {
		return 0, true, verr("不能是负数")
	}
	v, fits := roundRat(r, 1)
	if !fits || v > 1e9 {
		return 0, true, verr("数值过大")
	}
	// allow float noise from Excel (3.0000000001) but not 2.5
	diff := new(big.Rat).Sub(r, new(big.Rat).SetInt64(v))
	if diff.Abs(diff).Cmp(big.NewRat(1, 1000)) > 0 {
		return 0, true, verr("不是整数")
	}
	return int(v), true, nil
}

// parseRate reads a percentage or ratio ("30%", "0.3").
func parseRate(s string) (calc.Rate, bool, error) {
	r, ok, err := ParseNumber(s)
	if err != nil || !ok {
		return 0, ok, err
	}
	v, fits := roundRat(r, int64(calc.RateOne))
	if !fits {
		return 0, true, verr("数值过大")
	}
	return calc.Rate(v), true, nil
}

// parseBool reads 是/否, √/×, Y/N, 1/0, 有/无, 已…/未… . present is false for a blank cell.
func parseBool(s string) (v, present bool, err error) {
	c := strings.ToLower(cleanText(s))
	switch c {
	case "":
		return false, false, nil
	case "是", "√", "✓", "✔", "y", "yes", "1", "有", "true", "对", "○", "已", "是的", "需要", "要", "愿意":
		return true, true, nil
	case "否", "×", "✗", "✘", "x", "n", "no", "0", "无", "false", "错", "未", "不", "没有", "/", "-", "—", "不是", "不需要", "不愿意", "暂无":
		return false, true, nil
	}
	r := []rune(c)
	switch r[0] {
	case '已', '有', '是':
		return true, true, nil
	case '未', '无', '没', '否', '不':
		return false, true, nil
	}
	return false, true, verr("不是“是/否”")
}

var (
	dateRe   = regexp.MustCompile(`^(\d{4})[./\-年](\d{1,2})(?:[./\-月](\d{1,2})[日号]?)?月?$`)
	date8Re  = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	serialRe = regexp.MustCompile(`^\d{1,7}(\.\d+)?$`)
)

// parseDate reads 2024-03-05, 2024.3.5, 2024/3/5, 2024年3月5日, 2024年3月 (the 1st),
// 20240305 and Excel serial numbers.
func parseDate(s string, date1904 bool) (time.Time, bool, error) {
	c := cleanText(s)
	if c == "" || emptyMarks[c] {
		return time.Time{}, false, nil
	}
	if i := strings.IndexAny(c, "T"); i > 0 { // 2024-03-05T00:00:00
		c = c[:i]
	}
	if i := strings.Index(c, "00:00"); i > 0 {
		c = c[:i]
	}
	mk := func(y, m, d int) (time.Time, bool, error) {
		if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
			return time.Time{}, true, verr("不是有效日期")
		}
		t := calc.Day(y, time.Month(m), d)
		if t.Day() != d {
			return time.Time{}, true, verr("不是有效日期")
		}
		return t, true, nil
	}
	if m := date8Re.FindStringSubmatch(c); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return mk(y, mo, d)
	}
	if m := dateRe.FindStringSubmatch(c); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d := 1
		if m[3] != "" {
			d, _ = strconv.Atoi(m[3])
		}
		return mk(y, mo, d)
	}
	if serialRe.MatchString(c) {
		f, err := strconv.ParseFloat(c, 64)
		if err == nil && f >= 1 && f < 2958466 {
			t, err := excelize.ExcelDateToTime(f, date1904)
			if err == nil {
				return calc.Day(t.Year(), t.Month(), t.Day()), true, nil
			}
		}
	}
	return time.Time{}, true, verr("不是日期")
}

// ID number problems.
const (
	MsgIDAsNumber = "身份证号被存为数字，后几位已丢失，请把该列设为文本后重新填写"
	MsgIDChecksum = "身份证号校验位不正确"
	MsgIDLength   = "身份证号应为18位"
	MsgIDOld      = "这是15位旧身份证号，请核对后改为18位"
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDChecksum returns the GB 11643 check character of the first 17 digits.
func IDChecksum(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

var (
	id18Re   = regexp.MustCompile(`^\d{17}[\dX]$`)
	id15Re   = regexp.MustCompile(`^\d{15}$`)
	sciRe    = regexp.MustCompile(`^\d(\.\d+)?E\+?\d{1,3}$`)
	digitsRe = regexp.MustCompile(`^\d+(\.0+)?$`)
)

// CheckIDNumber normalizes a resident ID number (full width, lower-case x, spaces) and checks it
// (GB 11643). msg is "" when it is fine; warn is set when the ID is usable but worth a look
// (15-digit old IDs). An ID stored as a number ("5.22327194003151E+17", "522327194003151000")
// has lost its last digits: MsgIDAsNumber.
func CheckIDNumber(s string) (id, msg string, warn bool) {
	c := strings.ToUpper(cleanText(s))
	c = strings.TrimPrefix(c, "'")
	c = strings.ReplaceAll(c, "-", "")
	if c == "" {
		return "", "", false
	}
	if sciRe.MatchString(c) {
		return c, MsgIDAsNumber, false
	}
	if strings.HasSuffix(c, ".0") && digitsRe.MatchString(c) {
		c = c[:strings.IndexByte(c, '.')]
	}
	switch {
	case id18Re.MatchString(c):
		if IDChecksum(c[:17]) != c[17] {
			if strings.HasSuffix(c, "000") || strings.HasSuffix(c, "00") && c[17] == '0' {
				return c, MsgIDAsNumber, false
			}
			return c, MsgIDChecksum, false
		}
		return c, "", false
	case id15Re.MatchString(c):
		return c, MsgIDOld, true
	}
	return c, MsgIDLength, false
}

// categoryOf maps 户类型 / 监测对象类型 texts to calc.Category*; "" when unknown.
func categoryOf(s string) string {
	c := stripParens(cleanText(s))
	switch {
	case c == "":
		return ""
	case strings.Contains(c, "不稳定"):
		return calc.CategoryUnstable
	case strings.Contains(c, "边缘"):
		return calc.CategoryEdge
	case strings.Contains(c, "突发") || strings.Contains(c, "严重困难"):
		return calc.CategorySudden
	case strings.Contains(c, "监测"):
		return calc.CategoryMonitored
	case strings.Contains(c, "脱贫") || c == "贫困户" || c == "建档立卡户" || c == "已脱贫户":
		return calc.CategoryLifted
	case strings.Contains(c, "一般") || strings.Contains(c, "非贫困") || c == "普通农户" || c == "农户":
		return calc.CategoryOrdinary
	}
	return ""
}

// laborOf maps 劳动能力 texts to calc.Labor*; "" when unknown.
func laborOf(s string) string {
	c := cleanText(s)
	switch {
	case c == "":
		return ""
	case strings.Contains(c, "丧失") || strings.Contains(c, "无劳动") || c == "无" || strings.Contains(c, "无劳力") || strings.Contains(c, "不具备"):
		return calc.LaborNone
	case strings.Contains(c, "弱"):
		return calc.LaborWeak
	case strings.Contains(c, "半"):
		return calc.LaborHalf
	case strings.Contains(c, "劳动") || strings.Contains(c, "劳力") || c == "有" || c == "是" || c == "健康":
		return calc.LaborFull
	}
	return ""
}

// laborRank orders capacities for "the household's best".
func laborRank(l string) int {
	switch l {
	case calc.LaborFull:
		return 4
	case calc.LaborHalf:
		return 3
	case calc.LaborWeak:
		return 2
	case calc.LaborNone:
		return 1
	}
	return 0
}

// jobOf maps 就业类型 texts to calc.Job*; "" when unknown.
func jobOf(s string) string {
	c := cleanText(s)
	switch {
	case c == "":
		return ""
	case strings.Contains(c, "公益"):
		return calc.JobPost
	case strings.Contains(c, "未就业") || strings.Contains(c, "失业") || strings.Contains(c, "待业") || c == "无" || c == "否":
		return calc.JobNone
	case strings.Contains(c, "灵活") || strings.Contains(c, "零工") || strings.Contains(c, "临时"):
		return calc.JobFlexible
	case strings.Contains(c, "稳定") || strings.Contains(c, "务工") || strings.Contains(c, "就业") || strings.Contains(c, "长期") || strings.Contains(c, "外出") || strings.Contains(c, "自主创业") || strings.Contains(c, "车间"):
		return calc.JobStable
	}
	return ""
}

// speciesOf finds 牛/羊 in a text; "" when neither or both.
func speciesOf(s string) string {
	cattle, sheep := strings.Contains(s, "牛"), strings.Contains(s, "羊")
	switch {
	case cattle && sheep:
		// both (the template's 出售犊牛羔羊, a sheet 牛羊养殖台账): the row's 畜种 says which
		return ""
	case cattle:
		return calc.Cattle
	case sheep:
		return calc.Sheep
	}
	return ""
}

// looksNumeric, looksID and looksDate classify a cell's text for header scoring.
func looksNumeric(c string) bool {
	if c == "" {
		return false
	}
	_, ok, err := ParseNumber(c)
	return ok && err == nil
}

func looksID(c string) bool {
	c = strings.ToUpper(c)
	return id18Re.MatchString(c) || id15Re.MatchString(c) || sciRe.MatchString(c)
}

func looksDate(c string) bool {
	return dateRe.MatchString(c) || date8Re.MatchString(c)
}
