package bot_test

import (
	"path/filepath"
	"strings"
	"testing"

	"zengshou/connectors/local"
)

// The admins' news that a config is in force is no error: it goes as kind "notice" (the local
// connector's messages.jsonl and console said [error]); the refusal of a bad file stays "error".
func TestPolishConfigAppliedIsANoticeNotAnError(t *testing.T) {
	dir := t.TempDir()
	good := "roster:\n  admins:\n    - name: 管理员\n      ids: {local: admin1}\nreminders:\n  escalate_after: 3\n"
	bad := strings.Replace(good, "escalate_after: 3", "escalate_after: 三", 1)
	good2 := strings.Replace(good, "escalate_after: 3", "escalate_after: 4", 1)
	s := reloadStart(t, dir, good)
	s.reload(bad, "new configuration is invalid")
	s.reload(good2, `"msg":"serve: configuration reloaded"`)
	s.reload(good2+"workers:\n  count: 4\n", `"msg":"serve: configuration reloaded"`)

	msgs, err := local.ReadMessages(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0] != "admin1" {
			continue
		}
		switch {
		case strings.Contains(m.Text, "配置文件有误"):
			got = append(got, "refused:"+m.Kind)
		case strings.Contains(m.Text, "新配置已生效"):
			got = append(got, "fixed:"+m.Kind)
		case strings.Contains(m.Text, "配置已重新加载"):
			got = append(got, "restart:"+m.Kind)
		default:
			got = append(got, "other:"+m.Kind+":"+m.Text)
		}
	}
	if want := "refused:error,fixed:notice,restart:notice"; strings.Join(got, ",") != want {
		t.Errorf("admin messages %q, want %s", got, want)
	}
}
