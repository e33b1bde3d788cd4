package connectors_test

import (
	"strings"
	"testing"

	"zengshou/config"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
)

// The three platforms word a missing secret alike: the key, 未设置, and where to set it (a file:
// reference, or the environment variable the config reads for that key: config.Secrets).
func TestPolishMissingSecretOneWording(t *testing.T) {
	d := config.Defaults()
	fs := d.Feishu
	fs.Enabled, fs.AppID, fs.AppSecret = true, "cli_x", ""
	_, ferr := feishu.New(fs, feishu.Options{})
	wc := d.WeCom
	wc.Enabled, wc.CorpID, wc.AgentID, wc.Token, wc.EncodingAESKey, wc.Secret = true, "ww1", 1000002, "", "", ""
	werr := wc.Validate()
	dt := d.DingTalk
	dt.Enabled, dt.AppKey, dt.AppSecret = true, "ding_x", ""
	_, derr := dingtalk.New(dt, dingtalk.Options{})
	secrets := config.Secrets()
	for _, c := range []struct {
		key string
		err error
	}{
		{"feishu.app_secret", ferr},
		{"wecom.secret", werr},
		{"dingtalk.app_secret", derr},
	} {
		if c.err == nil {
			t.Errorf("%s: no error", c.key)
			continue
		}
		env := secrets[c.key]
		if env == "" {
			t.Fatalf("%s is no secret of the config", c.key)
		}
		line := ""
		for _, l := range strings.Split(c.err.Error(), "\n") {
			if strings.Contains(l, c.key+" ") {
				line = l
			}
		}
		if !strings.Contains(line, c.key+" 未设置：") || !strings.Contains(line, "请在配置文件中写 file: 引用，或设置环境变量 "+env+" / ") {
			t.Errorf("%s: %q", c.key, line)
		}
	}
}
