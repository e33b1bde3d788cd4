package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// A sheep row with its lambs typed in the 出售犊牛 column: the number is reported as in the
// wrong column, not read as a second herd of calves with no stock (which showed as
// "‘出售犊牛’8多于年初存栏0+出生0+购入0=0"); a 0 there (出售羔羊 on the cattle row) says nothing.
func TestReadLivestockWrongSpeciesColumn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "livestock.xlsx")
	f := excelize.NewFile()
	s := "牲畜台账"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, s, 1, [][]any{
		{"户编号", "户主姓名", "畜种", "年初存栏（头）", "出生", "购入", "出售", "出售犊牛", "出售羔羊", "死淘", "存栏"},
		{"HQ001", "包玉山", "牛", "6头", "３", "0", "4头", "2头", "0", "0", "5头"},
		{"HQ002", "王秀英", "肉羊", "20只", "10只", "/", "12只", "8只", nil, "—", "18只"},
	}); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, p, ReadOptions{Period: q3})
	checkErrors(t, led.Errors, []wantErr{{s, 3, "出售犊牛", "本行畜种是羊，但‘出售犊牛’是牛的列，填了8，未计入；羊的数请填在羊的列中"}})
	if n := len(led.Inputs.Livestock); n != 2 {
		t.Fatalf("%d livestock records, want 2: %+v", n, led.Inputs.Livestock)
	}
	a, b := led.Inputs.Livestock[0], led.Inputs.Livestock[1]
	// 6 + 3 + 0 − 4 − 0 = 5; 20 + 10 − 12 = 18
	if a.Species != calc.Cattle || a.StockStart != 6 || a.Born != 3 || a.Sold != 4 || a.YoungSold != 2 || a.StockEnd == nil || *a.StockEnd != 5 {
		t.Errorf("cattle row %+v", a)
	}
	if b.Species != calc.Sheep || b.StockStart != 20 || b.Born != 10 || b.Sold != 12 || b.YoungSold != 0 || b.StockEnd == nil || *b.StockEnd != 18 {
		t.Errorf("sheep row %+v", b)
	}
}
