package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// A platform turned on while serve runs, its secret missing: the admins were told “可用环境变量
// ZENGSHOU_FEISHU_APP_SECRET”, but the running service never reads its environment again (README:
// environment secrets need a restart), so an admin who set the variable and saved the file again
// was refused again. The alert says so and names the way that works without a restart (file:).
func TestFreshRefusedSecretSaysEnvironmentNeedsARestart(t *testing.T) {
	h := newHarness(t, nil)
	_, err := config.Parse([]byte("feishu: {enabled: true, app_id: cli_x, verification_token: vt}"))
	if err == nil || !strings.Contains(err.Error(), "ZENGSHOU_FEISHU_APP_SECRET") {
		t.Fatalf("accepted or no variable named: %v", err)
	}
	h.svc.ConfigRejected(context.Background(), err)
	_, err = config.Parse([]byte("reminders: {escalate_after: 三}"))
	h.svc.ConfigRejected(context.Background(), err)
	var got []string
	for _, m := range h.messages("") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			got = append(got, m.Text)
		}
	}
	const note = "环境变量要重启服务后才生效；不重启时请把密钥写进文件，在该项写 file:文件路径（如 file:/run/secrets/feishu）后再保存配置文件。"
	if len(got) != 2 || !strings.Contains(got[0], "feishu.app_secret") || !strings.HasSuffix(got[0], note) || strings.Contains(got[1], note) {
		t.Errorf("admin messages:\n%s", strings.Join(got, "\n---\n"))
	}
}
