package bot_test

// 汇总 reuses 进度's text: for the whole city it is headed as its workbook is named (全市), and
// its hint names 汇总; 进度's own text keeps its heading and hint.

import (
	"strings"
	"testing"
)

func TestPolishSummaryTextNamesItsOwnCommand(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第4季度台账.xlsx", 20, int64(30+i), 4)
	}
	cases := []struct {
		id, text   string
		head, hint string // the text's first line and its hint
		file       bool
	}{
		{"p1", "汇总", "全市进度：", "发送“汇总 乡镇名”查看各村。", true}, // not a leader: the whole city
		{"p2", "汇总 全市", "全市进度：", "发送“汇总 乡镇名”查看各村。", true},
		{"p3", "汇总 巴林左旗", "“巴林左旗”进度：", "发送“汇总 乡镇名”查看各村。", true},
		{"p4", "进度", "全部单位进度：", "发送“进度 乡镇名”查看各村。", false},
		{"p5", "进度 巴林左旗", "“巴林左旗”进度：", "发送“进度 乡镇名”查看各村。", false},
	}
	for _, c := range cases {
		m := demandAsk(t, h, c.id, "镇群", "someone", c.text)
		first, _, _ := strings.Cut(m.Text, "\n")
		if first != c.head {
			t.Errorf("%s: first line %q, want %q:\n%s", c.text, first, c.head, m.Text)
		}
		if !strings.Contains(m.Text, c.hint) {
			t.Errorf("%s: no hint %q:\n%s", c.text, c.hint, m.Text)
		}
		other := "发送“进度 乡镇名”"
		if !c.file {
			other = "发送“汇总 乡镇名”"
		}
		if strings.Contains(m.Text, other) {
			t.Errorf("%s: names the other command %q:\n%s", c.text, other, m.Text)
		}
		if (m.File != "") != c.file {
			t.Errorf("%s: file %q", c.text, m.File)
		}
	}
}
