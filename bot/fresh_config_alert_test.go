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
	// The info line itself (JSON), not the warning "serve: configuration reloaded, but …" logged
	// before the admins are told.
	const refused, reloaded = "new configuration is invalid", `"msg":"serve: configuration reloaded"`
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

// An admin who raised workers.count in the file saw nothing say it waits for a restart (only a
// log line they do not read) and took the new count for the one in force. The admins are told
// which keys wait for a restart; a reload without such keys tells nothing.
func TestFreshConfigReloadTellsTheKeysThatNeedARestart(t *testing.T) {
	dir := t.TempDir()
	good := "roster:\n  admins:\n    - name: 管理员\n      ids: {local: admin1}\nreminders:\n  digest_time: \"09:00\"\n"
	s := reloadStart(t, dir, good)
	const reloaded = `"msg":"serve: configuration reloaded"` // not the warning before the admins are told
	s.reload(strings.Replace(good, "09:00", "09:30", 1), reloaded)
	s.reload(strings.Replace(good, "09:00", "09:30", 1)+"workers:\n  count: 4\n", reloaded)
	bad := strings.Replace(good, "09:00", "9点", 1)
	s.reload(bad, "new configuration is invalid")
	s.reload(strings.Replace(good, "09:00", "10:00", 1)+"workers:\n  count: 4\nlimits:\n  parse_timeout: 60s\n", reloaded)

	got := freshAdminAlerts(t, filepath.Join(dir, "data"), "admin1")
	want := []string{
		"【增收助手·管理员提醒】配置已重新加载；以下设置要重启服务后才生效：workers.count。",
		"", // the refusal
		"【增收助手·管理员提醒】配置文件已改正，新配置已生效。以下设置要重启服务后才生效：limits.parse_timeout。",
	}
	if len(got) != len(want) || got[0] != want[0] || !strings.Contains(got[1], "配置文件有误") || got[2] != want[2] {
		t.Errorf("admin messages:\n%s", strings.Join(got, "\n---\n"))
	}
}
