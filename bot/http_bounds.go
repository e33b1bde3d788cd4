package bot

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"zengshou/calc"
)

// Bounds of the numbers POST /api/v1/evaluate takes, those the workbook reader applies to a
// cell (数值过大): an amount or area up to 10万亿 (1e15 fen or hundredths of a mu), a count up to
// 1e9. Larger is a typo, and calc sums amounts of many records in int64 without overflow checks:
// an amount of 16 digits gave “人均纯收入 -0.08元，收入同比减少” instead of an error.
const (
	maxAPIAmount = 1e15
	maxAPICount  = 1e9
)

var (
	fenType  = reflect.TypeOf(calc.Fen(0))
	areaType = reflect.TypeOf(calc.Area(0))
	rateType = reflect.TypeOf(calc.Rate(0))
)

// tooLarge names the first number of in beyond the bounds (its JSON path and value, as
// “inputs.households[3].quarters[0].wage = 90000000000000000元”), or "" when none is. A count
// (people, head of livestock, months, days) below 0 is named too, with “（不能是负数）”: the
// workbook reader refuses it the same way.
func tooLarge(in *calc.Inputs) string {
	return walkBounds(reflect.ValueOf(in).Elem(), "inputs")
}

func walkBounds(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return walkBounds(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if bad := walkBounds(v.Field(i), path+"."+name); bad != "" {
				return bad
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if bad := walkBounds(v.Index(i), path+"["+strconv.Itoa(i)+"]"); bad != "" {
				return bad
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if bad := walkBounds(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key())); bad != "" {
				return bad
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		switch v.Type() {
		case fenType:
			if n > maxAPIAmount || n < -maxAPIAmount {
				return path + " = " + calc.Fen(n).Text()
			}
		case areaType:
			if n > maxAPIAmount || n < -maxAPIAmount {
				return path + " = " + calc.Area(n).String() + "亩"
			}
		case rateType:
			// A rate is multiplied with math/big on overflow (Fen.MulRate): any value is safe.
		default:
			if n > maxAPICount {
				return path + " = " + strconv.FormatInt(n, 10)
			}
			if n < 0 {
				return path + " = " + strconv.FormatInt(n, 10) + "（不能是负数）"
			}
		}
	}
	return ""
}
