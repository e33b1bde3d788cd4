package ledger

import (
	"sync"

	"zengshou/calc"
)

// defaultDict maps the column names the rules give ("家庭人口数", "上年人均纯收入") to fields.
var defaultDict = sync.OnceValue(func() *dict { return newDict(nil, nil) })

// Problems is every data problem of an evaluated ledger, the reader's then the rules', as
// 问题清单, the JSON report and the chat reply list them: one message per cell. A formula cell
// without a cached value is reported by the reader (what to do: recalculate and save); the
// rules, seeing a blank, would also say "‘X’为空" for the same cell, and that is left out.
func Problems(led *Ledger, res *calc.Result) []calc.DataError {
	out := make([]calc.DataError, 0, len(led.Errors)+len(res.Errors))
	out = append(out, led.Errors...)
	noValue := map[string]*SheetInfo{}
	for i := range led.Sheets {
		if len(led.Sheets[i].NoValue) > 0 {
			noValue[led.Sheets[i].Name] = &led.Sheets[i]
		}
	}
	for _, e := range res.Errors {
		if si := noValue[e.Sheet]; si == nil || e.Row <= 0 || e.Column == "" || !si.noValueAt(e.Row, e.Column) {
			out = append(out, e)
		}
	}
	return out
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
