package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// A config file saved with a mistake while the service runs is refused and the last good one
// stays: only the log said so, in a line the admin who edited the file is not reading, and the
// change they expected simply did not happen. The admins are told, once, with the key.
func TestInvalidConfigReloadIsToldToTheAdmins(t *testing.T) {
	h := newHarness(t, nil)
	_, err := config.Parse([]byte("reminders: {escalate_after: 三}"))
	if err == nil {
		t.Fatal("accepted")
	}
	h.svc.ConfigRejected(context.Background(), err)
	h.svc.ConfigRejected(context.Background(), err) // the same file seen again: no second message
	var got []string
	for _, m := range h.messages("") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			got = append(got, m.Text)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "配置文件有误，修改未生效") || !strings.Contains(got[0], "reminders.escalate_after = \"三\"") {
		t.Errorf("admin messages %q", got)
	}
}
