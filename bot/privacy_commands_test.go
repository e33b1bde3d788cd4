package bot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a cadre types after 政策/模板/进度, and text the bot does not understand, is echoed to the
// group: an ID or phone number typed there is masked, and so is a household's name.
func TestPrivacyCommandEchoesAreMasked(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	heads := fxHeads(t, h, filepath.Join(dir, "台账.xlsx"), 12, 7)
	h.scan()
	h.drain()
	id, phone := "150422199004160065", "13812345678"
	cmds := []string{"政策 " + id, "政策 " + phone, "模板 " + id, "模板 " + phone, "模板 " + heads[0], "政策 " + heads[1], "进度 " + heads[0], heads[1] + "的待办"}
	for i, c := range cmds {
		fxCommand(t, h, fmt.Sprintf("echo-%d", i), c)
	}
	msgs := h.messages("")
	if len(msgs) < len(cmds)+1 {
		t.Fatalf("%d messages for %d commands", len(msgs), len(cmds))
	}
	for _, m := range msgs[1:] {
		for _, s := range []string{id, phone, heads[0], heads[1]} {
			if strings.Contains(m.Text, s) {
				t.Errorf("the group answer shows %q:\n%s", s, m.Text)
			}
		}
	}
}
