package bot_test

import (
	"path/filepath"
	"strings"
	"testing"

	"zengshou/connectors/local"
)

// freshAdminAlerts returns the texts the local connector sent to admin id to, in order.
func freshAdminAlerts(t *testing.T, dataDir, to string) []string {
	t.Helper()
	msgs, err := local.ReadMessages(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == to {
			out = append(out, m.Text)
		}
	}
	return out
}

// An admin who saved a config file with a mistake was told (配置文件有误，修改未生效), fixed it,
// and then made the same mistake again the same day: the second time nobody was told (the alert
// was keyed by the day and the problems only), so the admin believed the change was in force.
// And after the fix nothing said it had taken effect. Now each refusal after a good config is
// told again, and a good config after a refusal is told too.
func TestFreshConfigRejectedAgainAfterAFixIsToldAgain(t *testing.T) {
	dir := t.TempDir()
	good := "roster:\n  admins:\n    - name: 管理员\n      ids: {local: admin1}\nreminders:\n  escalate_after: 3\n"
	bad := strings.Replace(good, "escalate_after: 3", "escalate_after: 三", 1)
	good2 := strings.Replace(good, "escalate_after: 3", "escalate_after: 4", 1)
	s := reloadStart(t, dir, good)
	const refused, reloaded = "new configuration is invalid", "serve: configuration reloaded"
	s.reload(bad, refused)
	s.reload(good2, reloaded)
	s.reload(bad, refused)
	s.reload(good, reloaded)

	got := freshAdminAlerts(t, filepath.Join(dir, "data"), "admin1")
	var kinds []string
	for _, m := range got {
		switch {
		case strings.Contains(m, "配置文件有误，修改未生效") && strings.Contains(m, `reminders.escalate_after = "三"`):
			kinds = append(kinds, "refused")
		case strings.Contains(m, "配置文件已改正，新配置已生效"):
			kinds = append(kinds, "fixed")
		default:
			kinds = append(kinds, "other: "+m)
		}
	}
	if strings.Join(kinds, ",") != "refused,fixed,refused,fixed" {
		t.Errorf("admin messages %q, want refused, fixed, refused, fixed:\n%s", kinds, strings.Join(got, "\n---\n"))
	}
}
