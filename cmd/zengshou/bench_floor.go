package main

import (
	"context"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

// bench-floor is the excelize floor of `zengshou bench` (issue 9), run as a child so that its
// peak RSS is its own: a bare streaming read of every sheet (Rows, raw cell values, as the
// reader opens files) and a streamed write of the same rows with 10 extra numeric columns into a
// new workbook. No header detection, no parsing, no rules: what any excelize program reading and
// rewriting this ledger must pay at least.

func init() {
	register(command{
		name:  "bench-floor",
		usage: "IN.xlsx OUT.xlsx  内部使用：excelize 读写下限 / internal: the excelize floor of `bench`",
		run: func(ctx context.Context, args []string) error {
			if len(args) != 2 {
				return &exitError{code: 2, msg: "用法 / usage: zengshou bench-floor IN.xlsx OUT.xlsx"}
			}
			rows, err := benchFloor(args[0], args[1])
			if err != nil {
				return &exitError{code: 1, msg: "bench-floor: " + err.Error()}
			}
			fmt.Fprintf(os.Stdout, "%d\n", rows)
			return nil
		},
	})
}

// benchFloor copies every sheet of in to a new workbook out, each row followed by 10 numbers,
// and returns the number of rows copied.
func benchFloor(in, out string) (int, error) {
	src, err := excelize.OpenFile(in, excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst := excelize.NewFile()
	defer dst.Close()
	total := 0
	for i, name := range src.GetSheetList() {
		if i == 0 {
			if err := dst.SetSheetName("Sheet1", name); err != nil {
				return 0, err
			}
		} else if _, err := dst.NewSheet(name); err != nil {
			return 0, err
		}
		sw, err := dst.NewStreamWriter(name)
		if err != nil {
			return 0, err
		}
		rows, err := src.Rows(name)
		if err != nil {
			return 0, err
		}
		r := 0
		var vals []any
		for rows.Next() {
			r++
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return 0, err
			}
			vals = vals[:0]
			for _, c := range cols {
				vals = append(vals, c)
			}
			for k := 0; k < 10; k++ {
				vals = append(vals, float64(r*10+k)/4)
			}
			cell, _ := excelize.CoordinatesToCellName(1, r)
			if err := sw.SetRow(cell, vals); err != nil {
				rows.Close()
				return 0, err
			}
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		if err := sw.Flush(); err != nil {
			return 0, err
		}
		total += r
	}
	return total, dst.SaveAs(out)
}
