package calc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Money, rates and areas travel in JSON as people write them: yuan "800.00" (a string, or a
// plain number), rates 0.075, areas in mu 2.5.

// MarshalJSON writes yuan as a string with two decimals: "800.00".
func (f Fen) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// UnmarshalJSON reads yuan as a string ("800", "800.00") or a number (800, 812.5).
func (f *Fen) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := ParseYuan(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// MarshalJSON writes the rate as a plain number: 0.075.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalJSON reads 0.075, "0.075" or "7.5%".
func (r *Rate) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalJSON writes the area in mu: 2.5.
func (a Area) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads mu: 2.5 or "2.5".
func (a *Area) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	v, err := ParseYuan(s) // same fixed point: two decimals
	if err != nil {
		return fmt.Errorf("parse area %q: %w", s, err)
	}
	*a = Area(v)
	return nil
}

// MarshalJSON writes the period as "2026Q3".
func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads "2026Q3".
func (p *Period) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}
