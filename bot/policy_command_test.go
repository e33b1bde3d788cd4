package bot_test

import (
	"regexp"
	"strings"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// 政策 三 is asked by a cadre in the group: it listed the rules with their English ids
// (“出售犊牛奖补（calf_sale）”) and none of the amounts; it says the standards in force, in
// Chinese, as the admin set them.
func TestPolicyCommandSaysTheAmountsInChinese(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Policy.CalfCap.Values = []calc.Dated[calc.Fen]{{Value: calc.Yuan(800)}}
	})
	for _, q := range []string{"政策 三", "政策 十", "政策 十五", "政策"} {
		got := h.ask("p-"+q, "群", q)
		if m := regexp.MustCompile(`[A-Za-z_]{3,}`).FindString(got); m != "" {
			t.Errorf("%s: English %q in\n%s", q, m, got)
		}
		switch q {
		case "政策 三":
			for _, want := range []string{"出售犊牛奖补", "每出售一头犊牛奖补：200元", "出售犊牛奖补上限：800元", "按户"} {
				if !strings.Contains(got, want) {
					t.Errorf("%s: no %q in\n%s", q, want, got)
				}
			}
		case "政策 十五":
			if !strings.Contains(got, "孝扶资金倍数（0.8–1.5，按旗县区设置）：0.8倍") {
				t.Errorf("%s:\n%s", q, got)
			}
		case "政策 十":
			if !strings.Contains(got, "稳岗劳务补贴占3个月工资总额比例上限：30%") {
				t.Errorf("%s:\n%s", q, got)
			}
		}
	}
}
