package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// 包玉山's 2026Q4 workbook (红旗村, 王建军) leaves a calf subsidy unpaid. A wrong 家庭收入台账 sent
// after places the household in 哈拉哈达镇东风村 with 李四: the calf subsidy, which it cannot judge,
// moves there and passes to 李四. 撤销 of that file puts the task back in 红旗村 with 王建军 and says
// so; the household's point is #1's again.
func TestMovesUndoPutsTheTaskBack(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	first := uploadNo(t, h.lastReply())
	wrong := lifeHH("已落实", "李四")
	wrong[1][1], wrong[1][2] = "哈拉哈达镇", "东风村"
	h.clock.Set(time.Date(2026, 12, 22, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", wrong))
	h.drain()
	second := uploadNo(t, h.lastReply())
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].Unit.Village != "东风村" || got[0].Cadre != "李四" {
		t.Fatalf("the wrong file moved the calf subsidy to 东风村 and 李四: %+v", got)
	}
	h.clock.Set(time.Date(2026, 12, 22, 11, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", second))
	// 1 point (#1's) and the calf subsidy's place and cadre put back.
	want := fmt.Sprintf("已恢复为上传编号 #%d 的数据：1户，1项待办的嘎查村或帮扶责任人。", first)
	if !strings.Contains(reply, want) || strings.Contains(reply, "包玉山") {
		t.Errorf("reply:\n%s\nwant %s", reply, want)
	}
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].Unit.Township != "林东镇" || got[0].Unit.Village != "红旗村" || got[0].Cadre != "王建军" || got[0].HandedOver != 0 {
		t.Errorf("after 撤销 %d the calf subsidy must be 红旗村's and 王建军's again: %+v", second, got)
	}
}
