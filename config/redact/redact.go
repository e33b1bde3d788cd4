// Package redact masks personal data and secrets before they reach a log line, an error or a
// group chat: ID numbers (1504**********1234), phone numbers (138****5678), household names
// (包*山) and secrets (never shown).
package redact

import (
	"regexp"
	"strings"
)

// ID masks a resident ID number: the first 4 and last 4 characters stay.
func ID(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// Phone masks a phone number: the first 3 and last 4 digits stay.
func Phone(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// Name masks a person's name for group chats and logs: 包山 → 包*, 包玉山 → 包*山,
// 欧阳玉山 → 欧**山.
func Name(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[:1]) + "*"
	default:
		return string(r[:1]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1:])
	}
}

// Secret never shows a secret; it tells only whether one is set.
func Secret(s string) string {
	if s == "" {
		return "(未设置)"
	}
	return "******"
}

var (
	// digitRun is a maximal run of ASCII digits (with an ID number's check letter). Numbers are
	// judged whole, whatever stands next to them: \b would miss "户主_150422…", "ID150422…"
	// and "+8613812345678", since '_', letters and digits are word characters.
	digitRun   = regexp.MustCompile(`\d+[Xx]?`)
	idShape    = regexp.MustCompile(`^(?:[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|[1-9]\d{14})$`)
	phoneShape = regexp.MustCompile(`^(?:0{0,2}86)?1[3-9]\d{9}$`)
)

// Text masks every ID number and mobile phone number found in free text (a log line, an
// error message, a chat reply).
func Text(s string) string {
	return digitRun.ReplaceAllStringFunc(s, func(m string) string {
		if idShape.MatchString(m) {
			return ID(m)
		}
		d, x := m, ""
		if last := m[len(m)-1]; last == 'X' || last == 'x' {
			d, x = m[:len(m)-1], m[len(m)-1:]
		}
		if phoneShape.MatchString(d) { // 138…, 86138…, 0086138…: the country code stays
			return d[:len(d)-11] + Phone(d[len(d)-11:]) + x
		}
		return m
	})
}
