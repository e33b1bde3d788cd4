package ledger

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// units the reader recognizes in a trailing parenthesis of a header: （元） (元/人) (亩) …
var knownUnits = map[string]bool{
	"元": true, "万元": true, "元/人": true, "元/月": true, "元/年": true, "元/亩": true, "元/人/年": true,
	"元/人·年": true, "亩": true, "头": true, "只": true, "羽": true, "人": true, "月": true, "个月": true,
	"公斤": true, "斤": true, "天": true, "日": true, "个": true, "%": true, "户": true, "年": true,
	"头/只": true, "头、只": true, "只/头": true, "平方米": true, "㎡": true, "m2": true, "次": true, "口": true,
}

// cleanText removes what never matters in a cell's text: NFKC (full-width → half-width),
// all whitespace (incl. \n, \u3000) and zero-width characters.
func cleanText(s string) string {
	if s == "" {
		return ""
	}
	ascii, spaces := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c == ' ' || c >= '\t' && c <= '\r' {
			spaces = true
		}
	}
	if ascii {
		// NFKC leaves ASCII alone; only its white space goes
		if !spaces {
			return s
		}
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			if c := s[i]; c != ' ' && (c < '\t' || c > '\r') {
				b = append(b, c)
			}
		}
		return string(b)
	}
	s = norm.NFKC.String(s)
	drop := false
	for _, r := range s {
		if unicode.IsSpace(r) || isZeroWidth(r) || r == utf8.RuneError {
			drop = true
			break
		}
	}
	if !drop {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || isZeroWidth(r) || r == utf8.RuneError {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isZeroWidth(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// NormalizeHeader turns a header cell into the text matched against the dictionary and the
// unit it names: "家庭年\n纯收入（元）*" → ("家庭年纯收入", "元"); "其中：务工收入" → ("务工收入", "").
func NormalizeHeader(s string) (name, unit string) {
	s = cleanText(s)
	for {
		before := s
		s = strings.Trim(s, "*")
		s = strings.TrimRight(s, ":;,.、")
		s = strings.TrimPrefix(s, "其中:")
		s = strings.TrimPrefix(s, "其中")
		s = strings.TrimLeft(s, ":、")
		// a trailing unit in parentheses; several may follow each other: "收入(万元)(注)"
		if u, rest, ok := trailingParen(s); ok {
			if isUnit(u) {
				if unit == "" {
					unit = canonicalUnit(u)
				}
				s = rest
			}
		}
		// "单位:元" inside a header cell
		if i := strings.Index(s, "单位:"); i > 0 {
			u := s[i+len("单位:"):]
			if isUnit(u) {
				unit = canonicalUnit(u)
				s = strings.TrimRight(s[:i], "(,")
			}
		}
		if s == before {
			break
		}
	}
	return s, unit
}

// trailingParen splits "收入(元)" into ("元", "收入").
func trailingParen(s string) (inner, rest string, ok bool) {
	if !strings.HasSuffix(s, ")") {
		return "", s, false
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return s[i+1 : len(s)-1], s[:i], true
			}
		}
	}
	return "", s, false
}

func isUnit(u string) bool {
	u = strings.TrimPrefix(u, "单位:")
	if knownUnits[u] {
		return true
	}
	// 头、只 / 头,只 / 元、人
	parts := strings.FieldsFunc(u, func(r rune) bool { return r == '、' || r == ',' || r == '/' })
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !knownUnits[p] {
			return false
		}
	}
	return true
}

func canonicalUnit(u string) string {
	u = strings.TrimPrefix(u, "单位:")
	switch u {
	case "个月":
		return "月"
	case "㎡", "m2":
		return "平方米"
	}
	return u
}

// stripParens removes every parenthesized part: "县(市、区、旗)" → "县",
// "工资性收入(务工收入、公益性岗位报酬)" → "工资性收入".
func stripParens(s string) string {
	if !strings.ContainsAny(s, "([") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[':
			depth++
			continue
		case ')', ']':
			if depth > 0 {
				depth--
				continue
			}
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// compact is the text of a row-classifying cell: "合 计" → "合计".
func compact(s string) string { return cleanText(s) }
