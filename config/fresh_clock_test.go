package config

import "testing"

// A county admin writes the digest time as they say it, 9:30: the file was refused
// (“时间格式应为 HH:MM”) though the time is plain. An hour of one digit is read as 09:30; what is
// not a time still is refused.
func TestFreshClockTimeTakesAOneDigitHour(t *testing.T) {
	for _, c := range []struct {
		in     string
		h, m   int
		wantOK bool
	}{
		{"9:30", 9, 30, true}, {"09:30", 9, 30, true}, {"0:05", 0, 5, true}, {"21:00", 21, 0, true},
		{"930", 0, 0, false}, {"9:3", 0, 0, false}, {" 9:30", 0, 0, false}, {"24:00", 0, 0, false}, {"9:60", 0, 0, false}, {"", 0, 0, false},
	} {
		h, m, ok := ClockTime(c.in)
		if ok != c.wantOK || h != c.h || m != c.m {
			t.Errorf("ClockTime(%q) = %d, %d, %v", c.in, h, m, ok)
		}
	}
	c, err := Parse([]byte("reminders: {digest_time: 9:30, quiet_end: \"8:00\"}\nsummaries: {weekly: 周一 8:30}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h, m, ok := ClockTime(c.Reminders.DigestTime); !ok || h != 9 || m != 30 {
		t.Errorf("digest_time %q", c.Reminders.DigestTime)
	}
	if d, h, m, ok := parseWeekly(c.Summaries.Weekly); !ok || d != 1 || h != 8 || m != 30 {
		t.Errorf("weekly %q", c.Summaries.Weekly)
	}
}
