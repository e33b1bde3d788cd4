package wecom

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"zengshou/connectors"
)

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"token without key", Config{CorpID: "ww1", Token: "t"}, []string{"wecom.encoding_aes_key", "未设置"}},
		{"key without corp", Config{Token: "t", EncodingAESKey: vAESKey}, []string{"wecom.corp_id"}},
		{"short key", Config{CorpID: "ww1", Token: "t", EncodingAESKey: "abc"}, []string{"wecom.encoding_aes_key", "43"}},
		{"secret without agent", Config{CorpID: "ww1", Token: "t", EncodingAESKey: vAESKey, Secret: "s"}, []string{"wecom.agent_id"}},
		{"bot id without secret", Config{BotID: "b"}, []string{"wecom.bot_secret", "ZENGSHOU_WECOM_BOT_SECRET"}},
		{"nothing configured", Config{Enabled: true}, []string{"token+encoding_aes_key", "bot_id+bot_secret"}},
		{"empty webhook key", Config{WebhookKeys: map[string]string{"c": ""}}, []string{"wecom.webhook_keys"}},
		{"bad base url", Config{BotID: "b", BotSecret: "s", BaseURL: "::"}, []string{"wecom.base_url"}},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, err, w)
			}
		}
		if _, err := New(tc.cfg, Options{}); err == nil {
			t.Errorf("%s: New accepted", tc.name)
		}
	}
	good := []Config{
		testConfig("https://qyapi.weixin.qq.com"),
		{BotID: "b", BotSecret: "s"},
		{CorpID: "ww1", Token: "t", EncodingAESKey: vAESKey},
		{WebhookKeys: map[string]string{"c": "k"}}, // send-only (another instance receives)
	}
	for i, cfg := range good {
		if err := cfg.Validate(); err != nil {
			t.Errorf("good config %d: %v", i, err)
		}
	}
}

func TestRoutes(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rs := c.Routes((&recorder{}).handle)
	if len(rs) != 2 || rs[0].Pattern != "/callback/wecom" || rs[1].Pattern != "/callback/wecom/bot" {
		t.Fatalf("routes %+v", rs)
	}
	onlyWS := newTestConnector(t, Config{BotID: "b", BotSecret: "s"})
	if rs := onlyWS.Routes((&recorder{}).handle); len(rs) != 0 {
		t.Fatalf("long-connection-only config serves %d routes", len(rs))
	}
	if c.Name() != "wecom" {
		t.Fatal(c.Name())
	}
}

// TestLogsCarryNoSecrets runs token refreshes, a failing send and a callback with logging at
// debug level and checks that no secret, token or webhook key reaches the log.
func TestLogsCarryNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetLevel(logrus.DebugLevel)
	f := newFakeWeCom(t, vCorpID, "app-secret")
	cfg := testConfig(f.URL())
	cfg.WebhookKeys = map[string]string{"wrG": "hook-key-secret"}
	c, err := New(cfg, Options{Log: logrus.NewEntry(l)})
	if err != nil {
		t.Fatal(err)
	}
	s := &sleepRecorder{}
	c.sleep = s.sleep
	ctx := context.Background()
	_, _ = c.Send(ctx, connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	f.invalidateToken()
	_, _ = c.Send(ctx, connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	f.alwaysCode["/cgi-bin/webhook/send"] = 45009
	_, err = c.Send(ctx, connectors.Message{ChatID: "wrG", Text: "x"})
	if err == nil {
		t.Fatal("webhook 45009 not reported")
	}
	body := []byte("<xml><Encrypt><![CDATA[" + vEncrypt + "]]></Encrypt></xml>")
	serve(mux(c, (&recorder{}).handle), "POST", AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, vMsgNonce), body)
	out := buf.String() + err.Error()
	if !strings.Contains(buf.String(), "refreshing") {
		t.Fatalf("expected the refresh to be logged; log:\n%s", buf.String())
	}
	for _, secret := range []string{"app-secret", "TOKEN-1", "TOKEN-2", "hook-key-secret", vAESKey, vToken} {
		if strings.Contains(out, secret) {
			t.Fatalf("log or error contains %q:\n%s", secret, out)
		}
	}
}

func TestTransportErrorHidesKey(t *testing.T) {
	srv := newFakeWeCom(t, vCorpID, "app-secret")
	base := srv.URL()
	srv.srv.Close() // nothing listens there any more
	cfg := testConfig(base)
	cfg.WebhookKeys = map[string]string{"wrG": "hook-key-secret"}
	c := newTestConnector(t, cfg)
	c.sleep = (&sleepRecorder{}).sleep
	_, err := c.Send(context.Background(), connectors.Message{ChatID: "wrG", Text: "x"})
	if err == nil || strings.Contains(err.Error(), "hook-key-secret") {
		t.Fatalf("err = %v", err)
	}
	_, err = c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	if err == nil || strings.Contains(err.Error(), "app-secret") {
		t.Fatalf("err = %v", err)
	}
}
