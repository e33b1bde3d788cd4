package calc

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Period is a quarter of a calendar year. Policy caps "每年" reset on 1 January.
type Period struct {
	Year    int `json:"year"`
	Quarter int `json:"quarter"` // 1..4
}

var periodRe = regexp.MustCompile(`^(\d{4})\s*(?:Q|q|年第?)\s*([1-4])(?:季度)?$`)

// ParsePeriod reads "2026Q3" (also "2026q3", "2026年第3季度").
func ParsePeriod(s string) (Period, error) {
	m := periodRe.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("parse period %q: want YYYYQn, e.g. 2026Q3", s)
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return Period{Year: y, Quarter: q}, nil
}

// PeriodOf returns the quarter a date falls in.
func PeriodOf(t time.Time) Period { return Period{Year: t.Year(), Quarter: (int(t.Month())-1)/3 + 1} }

func (p Period) String() string { return fmt.Sprintf("%dQ%d", p.Year, p.Quarter) }

// Chinese is "2026年第3季度".
func (p Period) Chinese() string { return fmt.Sprintf("%d年第%d季度", p.Year, p.Quarter) }

// Valid reports whether the quarter is 1..4 and the year plausible.
func (p Period) Valid() bool {
	return p.Quarter >= 1 && p.Quarter <= 4 && p.Year >= 2000 && p.Year <= 2100
}

// Start is the first day of the quarter.
func (p Period) Start() time.Time { return Day(p.Year, time.Month(3*(p.Quarter-1)+1), 1) }

// End is the last day of the quarter.
func (p Period) End() time.Time { return p.Next().Start().AddDate(0, 0, -1) }

// Next is the following quarter.
func (p Period) Next() Period {
	if p.Quarter == 4 {
		return Period{p.Year + 1, 1}
	}
	return Period{p.Year, p.Quarter + 1}
}

// Prev is the preceding quarter.
func (p Period) Prev() Period {
	if p.Quarter == 1 {
		return Period{p.Year - 1, 4}
	}
	return Period{p.Year, p.Quarter - 1}
}

// Before reports whether p is earlier than q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || (p.Year == q.Year && p.Quarter < q.Quarter)
}

// Day is a calendar date (midnight UTC stands for the date; calc has no clock or zone).
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DateText formats a date as 2026-09-30 (zero: "").
func DateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}
