package bot_test

import (
	"context"
	"strings"
	"testing"
)

// The village's group and the township's group both receive the same village ledger. One set of
// tasks; the next morning one digest for 王建军 and one group message for the cadres outside the
// roster (in the chat that sent the ledger last), not one per chat.
func TestTwoChatsUploadingOneVillage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.upload("红旗村群", "2026年第4季度台账.xlsx", 30, 11, q4())
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := h.st.OpenTasks(ctx)
	h.upload("林东镇群", "2026年第4季度台账.xlsx", 30, 11, q4())
	h.drain()
	second, _ := h.st.OpenTasks(ctx)
	if len(first) != len(second) {
		t.Fatalf("open tasks %d after the village's upload, %d after the township's", len(first), len(second))
	}
	r := h.messages("reply")
	if len(r) != 2 || r[1].Chat != "林东镇群" || !strings.Contains(r[1].Text, "新增0项，本次上传确认已完成0项") {
		t.Fatalf("replies: %+v", r)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	perChat := map[string]int{}
	for _, m := range h.messages("reminder") {
		perChat[m.Chat+"|"+strings.Join(m.To, ",")]++
	}
	for k, n := range perChat {
		if n != 1 {
			t.Errorf("%s: %d digests", k, n)
		}
	}
	if perChat["红旗村群|"] != 0 && perChat["林东镇群|"] != 0 {
		t.Errorf("the cadres outside the roster were reminded in both chats: %v", perChat)
	}
	if len(h.directTo("wangjj")) != 1 {
		t.Errorf("王建军: %v", perChat)
	}
}
