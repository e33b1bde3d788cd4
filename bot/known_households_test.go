package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A 孝扶资金台账 sent alone, as cadres keep and send it, is checked against the household ledger
// the village uploaded before (劳动能力, 上年人均纯收入): every row used to get “不在收入台账中，
// 无法判断劳动能力和收入，未核对孝扶资金”.
func TestFilialLedgerSentAloneUsesTheStoredHouseholds(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.drop(dir, "2026年第4季度家庭收入台账.xlsx", sheetFile(t, "家庭收入台账", [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "丧失劳动能力原因", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", "脱贫户", 1, "无劳动能力", "因病", 5000, 5600, "王建军"},
		{"巴林左旗", "林东镇", "红旗村", "HQ002", "王秀英", "脱贫户", 2, "有劳动能力", "", 9000, 20000, "王建军"},
		// Monitored (6000 ÷ 1 < last year's 9000), the measure done: one done item.
		{"巴林左旗", "林东镇", "红旗村", "HQ003", "李秀兰", "脱贫户", 1, "有劳动能力", "", 9000, 6000, "王建军", "务工就业", "已落实"},
	}))
	h.drain()
	before := h.ask("p0", "红旗村群", "进度 红旗村")
	h.drop(dir, "2026年第4季度孝扶资金台账.xlsx", sheetFile(t, "孝扶资金台账", [][]any{
		{"户编号", "户主姓名", "资产收益分红", "临时救助", "社会救助", "孝扶资金"},
		// 1000 + 500 + 2500 = 4000 × 0.8 = 3200 > 3000: short 200 (HQ001 has no labor capacity).
		{"HQ001", "包玉山", 1000, 500, 2500, 3000},
		// HQ002 can work: not checked. HQ009 was never uploaded: named.
		{"HQ002", "王秀英", 1000, 500, 2500, 0},
		{"HQ009", "李德胜", 1000, 500, 2500, 0},
	}))
	h.drain()
	replies := h.messages("reply")
	last := replies[len(replies)-1]
	if !strings.Contains(last.Text, "孝扶资金台账") {
		t.Fatalf("last reply is not the 孝扶 ledger's:\n%s", last.Text)
	}
	out := last.File
	if !filepath.IsAbs(out) {
		out = filepath.Join(h.dir, out)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []string
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			all = append(all, strings.Join(r, "|"))
		}
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "HQ001|包玉山|1000|500|2500|3000|孝扶资金不足") || strings.Contains(text, "HQ002|王秀英|1000|500|2500|0|孝扶资金不足") {
		t.Errorf("HQ001's filial funds were not checked against the stored household ledger:\n%s", text)
	}
	if strings.Count(text, "本次和之前上传的都没有") != 1 || !strings.Contains(text, "HQ009") {
		t.Errorf("want exactly HQ009 named as never uploaded:\n%s", text)
	}
	// The 孝扶 ledger has no households of its own: the village keeps its three in 进度, its
	// monitored household and the measure found done (the completion rate stays).
	after := h.ask("p1", "红旗村群", "进度 红旗村")
	rate := regexp.MustCompile(`完成率[0-9.]+%`)
	if !strings.Contains(after, "红旗村：3户，监测") || rate.FindString(after) == "" || rate.FindString(after) != rate.FindString(before) {
		t.Errorf("进度 before the 孝扶 ledger:\n%s\nafter:\n%s", before, after)
	}
}
