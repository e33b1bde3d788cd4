package ledger

import (
	"sync"

	"zengshou/calc"
)

// defaultDict maps the column names the rules give ("家庭人口数", "上年人均纯收入") to fields.
var defaultDict = sync.OnceValue(func() *dict { return newDict(nil, nil) })

// Problems is every data problem of an evaluated ledger, the reader's then the rules', as
// 问题清单, the JSON report and the chat reply list them: one message per cell. When the reader
// found a cell wrong (blank where it is needed, not a number, a formula without a cached value:
// what to do about it), the rules' "‘X’为空" for the same cell is its echo and is left out. A
// rule names a column by its standard name; it is given the sheet's own header.
func Problems(led *Ledger, res *calc.Result) []calc.DataError {
	out := make([]calc.DataError, 0, len(led.Errors)+len(res.Errors))
	out = append(out, led.Errors...)
	noValue := map[string]*SheetInfo{}
	for i := range led.Sheets {
		if len(led.Sheets[i].NoValue) > 0 {
			noValue[led.Sheets[i].Name] = &led.Sheets[i]
		}
	}
	sheets := map[string]*SheetInfo{}
	for i := range led.Sheets {
		sheets[led.Sheets[i].Name] = &led.Sheets[i]
	}
	type cell struct {
		sheet  string
		row    int
		column string
	}
	unreadable := map[cell]bool{} // cells the reader found wrong (not merely worth a look)
	for _, e := range led.Errors {
		if !e.Warning && e.Row > 0 && e.Column != "" {
			unreadable[cell{e.Sheet, e.Row, e.Column}] = true
		}
	}
	// A rule names the same few columns over and over (家庭人口数 on every row that lacks it): each
	// sheet's header of a name is worked out once (the dictionary's match is most of the cost).
	type named struct{ sheet, column string }
	header := map[named]string{}
	for _, e := range res.Errors {
		if si := sheets[e.Sheet]; si != nil && e.Column != "" {
			k := named{e.Sheet, e.Column}
			h, ok := header[k]
			if !ok {
				h = si.headerOf(e.Column)
				header[k] = h
			}
			e.Column = h
		}
		if unreadable[cell{e.Sheet, e.Row, e.Column}] {
			continue // the reader said what is wrong with the cell; "为空" would be its echo
		}
		if si := noValue[e.Sheet]; si == nil || e.Row <= 0 || e.Column == "" || !si.noValueAt(e.Row, e.Column) {
			out = append(out, e)
		}
	}
	return out
}

// headerOf is the cadre's header of the column a rule names by its standard name ("家庭人口数"
// in a sheet headed "家庭人口（人）"), so that 问题清单 points at a column the sheet has; the
// name itself when the sheet has no single such column.
func (si *SheetInfo) headerOf(column string) string {
	name, _ := NormalizeHeader(column)
	field, score := defaultDict().match(name)
	if score < 3 {
		return column
	}
	found := ""
	for _, c := range si.Columns {
		if c.Field != field || c.Quarter != 0 || c.Species != "" {
			continue
		}
		if found != "" && found != c.Header {
			return column // more than one: the name says more than a guess
		}
		found = c.Header
	}
	if found == "" {
		return column
	}
	return found
}

// noValueAt reports whether the cell of row in the column a rule calls column (its canonical
// name, or the cadre's header) is a formula without a cached value.
func (si *SheetInfo) noValueAt(row int, column string) bool {
	name, _ := NormalizeHeader(column)
	field, score := defaultDict().match(name)
	if score < 3 {
		field = ""
	}
	for _, run := range si.NoValue {
		if row < run.From || row > run.To {
			continue
		}
		for _, c := range si.Columns {
			if c.Index != run.Col {
				continue
			}
			if field != "" && c.Field == field || column == c.Header || column == leafOf(c.Header) {
				return true
			}
		}
	}
	return false
}
