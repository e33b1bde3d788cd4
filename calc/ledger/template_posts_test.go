package ledger

import (
	"path/filepath"
	"testing"
)

// 公益岗位 wages are checked against the minimum wage of the post's county (clause （九）), and
// the standard 公益岗位台账 had no 旗县区 column: sent alone, as cadres send each ledger, every
// post got “未填旗县区，无法确定当地最低工资标准” naming a column the template did not have.
func TestTemplatePostsHaveACounty(t *testing.T) {
	f, sh, dir := openTemplate(t, KindPosts)
	head, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	// the example row (row 4) made a cadre's own: another person, another 户编号
	row := make([]any, len(head[2]))
	for i, h := range head[2] {
		row[i] = head[3][i]
		switch h {
		case "户编号":
			row[i] = "HQ001"
		case "姓名":
			row[i] = "包玉山"
		case "身份证号":
			row[i] = idA
		}
	}
	if err := rowsAt(f, sh, 4, [][]any{row}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "filled.xlsx")
	led := saveRead(t, f, p, ReadOptions{Period: q3})
	checkErrors(t, led.Errors, nil)
	if len(led.Inputs.Posts) != 1 || led.Inputs.Posts[0].Unit.County == "" {
		t.Errorf("posts %+v, want one with its county", led.Inputs.Posts)
	}
}
