package bot_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"zengshou/config"
	"zengshou/connectors"
)

// qaremindSmallConn is a platform whose messages carry at most 300 characters.
type qaremindSmallConn struct{ *fxConn }

func (c qaremindSmallConn) Limits() connectors.Limits {
	return connectors.Limits{MaxTextRunes: 300, MaxFileBytes: 50 << 20}
}

// A digest longer than the platform's message limit goes out in parts, each within the limit,
// that together list every item once, in order, with the attachment on the first part only.
func TestQaremindLongDigestIsSplitWithoutLosingOrRepeatingItems(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Reminders.DigestMaxItems = 5
		c.Roster.Cadres = []config.Cadre{{Name: "王建军", IDs: config.IDs{"wecom": "wangjj"}}}
	})
	small := qaremindSmallConn{newFxConn("wecom", nil)}
	h.withConnectors(small)
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0))
	var parts []connectors.Message
	for _, m := range small.messages() {
		if len(m.UserIDs) == 1 && m.UserIDs[0] == "wangjj" {
			parts = append(parts, m)
		}
	}
	if len(parts) < 2 {
		t.Fatalf("the digest must need several parts at 300 characters: %d", len(parts))
	}
	var all []string
	for i, p := range parts {
		if n := len([]rune(p.Text)); n > 300 {
			t.Errorf("part %d has %d characters", i+1, n)
		}
		if (p.File != nil) != (i == 0) {
			t.Errorf("part %d carries the attachment: %v", i+1, p.File != nil)
		}
		all = append(all, p.Text)
	}
	text := strings.Join(all, "\n")
	nums := regexp.MustCompile(`(?m)^(\d+)\. `).FindAllStringSubmatch(text, -1)
	// 5 items listed (digest_max_items), the rest in the attachment.
	var got []string
	for _, n := range nums {
		got = append(got, n[1])
	}
	if want := "[1 2 3 4 5]"; fmt.Sprint(got) != want {
		t.Fatalf("items across the parts: %v, want %s\n%s", got, want, text)
	}
	if !strings.HasPrefix(parts[0].Text, "【增收助手·待办提醒】王建军，您好！") || !strings.Contains(parts[len(parts)-1].Text, "重新上传后自动销号") {
		t.Errorf("the parts begin with the greeting and end with the last line:\n%s", text)
	}
}
