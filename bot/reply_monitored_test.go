package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// One household can be flagged twice (收入同比减少 and 低于监测标准): the reply's breakdown of
// 纳入增收监测 then added up to more than its total (18178户 above 11728+1650+142+4758 = 18278),
// and a cadre checking the sum found the figures wrong. It says the flags overlap.
func TestMonitoredBreakdownSaysFlagsOverlap(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Policy.MonitoringLine.Values = []calc.Dated[calc.Fen]{{Value: calc.Yuan(7500)}}
	})
	dir := filepath.Join(h.dir, "inbox", "红旗村")
	os.MkdirAll(dir, 0o755)
	h.drop(dir, "2026年第4季度台账.xlsx", sheetFile(t, "家庭收入台账", [][]any{
		{"行政村", "户编号", "户主姓名", "家庭人口", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"红旗村", "HQ001", "包玉山", 4, 8000, 24000, "王建军", "务工就业", "已落实"}, // 6000 a head: decrease and below the line
		{"红旗村", "HQ002", "王秀英", 2, 9000, 18500, "王建军", "务工就业", "已落实"}, // 9250: below local growth only
	}))
	h.drain()
	text := h.messages("reply")[0].Text
	line := lineOf(text, "纳入增收监测：")
	m := regexp.MustCompile(`^纳入增收监测：(\d+)户（(.*)）`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("reply:\n%s", text)
	}
	total, _ := strconv.Atoi(m[1])
	sum := 0
	for _, n := range regexp.MustCompile(`\D(\d+)`).FindAllStringSubmatch("、"+m[2], -1) {
		k, _ := strconv.Atoi(n[1])
		sum += k
	}
	if sum > total && !strings.Contains(line, "一户可同时有多项") {
		t.Errorf("the parts add up to %d above %d户 without a word: %s", sum, total, line)
	}
	if total != 2 || sum != 3 {
		t.Errorf("want 2户 and 3 flags (the test's premise): %s", line)
	}
}
