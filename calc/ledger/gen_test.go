package ledger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestGenerateDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	if err := Generate(&a, 120, 7, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Generate(&b, 120, 7, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Generate(&c, 120, 8, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different bytes")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same bytes")
	}
}

func TestGenerateOpensWithSharedStrings(t *testing.T) {
	var buf bytes.Buffer
	if err := Generate(&buf, 120, 7, GenOptions{Villages: 3}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 3 || got[0] != "脱贫户收入台账" {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := f.GetRows("脱贫户收入台账")
	if err != nil {
		t.Fatal(err)
	}
	// title, meta, 2 header rows, code row, 120 households, 3 小计, 合计, blank, 2 footer lines
	if len(rows) != 5+120+3+1+1+2 {
		t.Errorf("%d rows", len(rows))
	}
	if rows[2][0] != "序号" || rows[3][10] != "工资性收入" || rows[2][10] != "第1季度收入（元）" || rows[4][0] != "1" || rows[5][0] != "1" {
		t.Errorf("header rows = %v / %v / %v", rows[2], rows[3], rows[4])
	}
	subtotals := 0
	for _, r := range rows {
		if len(r) > 0 && r[0] == "小计" {
			subtotals++
		}
	}
	if subtotals != 3 {
		t.Errorf("%d 小计 rows", subtotals)
	}
	if typ, _ := f.GetCellType("脱贫户收入台账", "F6"); typ != excelize.CellTypeSharedString {
		t.Errorf("F6 type %v, want a shared string", typ)
	}
	ms, _ := f.GetMergeCells("脱贫户收入台账", true)
	if len(ms) < 15 {
		t.Errorf("%d merges", len(ms))
	}
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|")
	}
	if !strings.Contains(all, "元") || !strings.Contains(all, "填表人") {
		t.Error("no messy money text or no footer")
	}
	lrows, _ := f.GetRows("牲畜动态监测台账")
	wrows, _ := f.GetRows("务工就业清单")
	if len(lrows) < 20 || len(wrows) < 40 {
		t.Errorf("livestock %d rows, laborers %d rows", len(lrows), len(wrows))
	}
}
