package ledger

import (
	"path/filepath"
	"testing"

	"zengshou/calc"
)

// The standard 牲畜台账 has one column 出售犊牛羔羊 for the calves or lambs sold, the row's 畜种
// saying which. Its header names both animals, and it was taken for a cattle column: a 羊 row
// of the service's own template got “本行畜种是羊，但‘出售犊牛羔羊’是牛的列，填了6，未计入”, and
// no lamb ever earned its 50元 (clause （三）) from the template.
func TestTemplateLivestockSheepRow(t *testing.T) {
	f, sh, dir := openTemplate(t, KindLivestock)
	// 序号 户编号 户主姓名 畜种 年初存栏 能繁母畜 出生 购入 出售 出售犊牛羔羊 死淘 存栏 已发放
	if err := rowsAt(f, sh, 4, [][]any{
		{1, "HQ001", "包玉山", "牛", 6, 3, 3, 0, 4, 2, 0, 5, 0},
		{2, "HQ002", "王秀英", "羊", 20, 10, 10, 0, 8, 6, 0, 22, 0},
	}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "filled.xlsx")
	led := saveRead(t, f, p, ReadOptions{Period: q3})
	checkErrors(t, led.Errors, nil)
	got := map[string]int{}
	for _, r := range led.Inputs.Livestock {
		got[r.Species] += r.YoungSold
	}
	if got[calc.Cattle] != 2 || got[calc.Sheep] != 6 || len(led.Inputs.Livestock) != 2 {
		t.Errorf("young sold by species %v from %+v, want 2 calves and 6 lambs", got, led.Inputs.Livestock)
	}
}
