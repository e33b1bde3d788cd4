package bot_test

// A platform section changed in the config file while `serve` runs takes effect without a
// restart: the connector is rebuilt and swapped in (callbacks, receivers, sends); a job already
// queued is answered once; a section that cannot be used keeps the old connector and the admins
// are told. The service runs in this process (bot.Run, as `zengshou serve` calls it) on loopback,
// with the fake Feishu of platformfake_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/bot"
	"zengshou/config"
)

// reloadServe is a running service with its config file and captured JSON log.
type reloadServe struct {
	t       *testing.T
	dir     string
	cfgFile string
	base    string
	log     *pfLog
}

// reloadStart writes cfg to dir/zengshou.yaml and runs the service on it until the test ends.
func reloadStart(t *testing.T, dir, cfg string) *reloadServe {
	t.Helper()
	s := &reloadServe{t: t, dir: dir, cfgFile: filepath.Join(dir, "zengshou.yaml"), log: &pfLog{}}
	if err := os.WriteFile(s.cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(s.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, bot.RunOptions{Config: c, ConfigFile: s.cfgFile, DataDir: filepath.Join(dir, "data"), Addr: "127.0.0.1:0",
			Stdout: s.log, Log: bot.NewLogger(config.Log{Level: "debug", Format: "json"}, s.log), Ready: func(a string) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop")
		}
	})
	select {
	case a := <-ready:
		s.base = "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped at start: %v\n%s", err, s.log.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not start\n%s", s.log.String())
	}
	return s
}

// reload writes a new config file and waits until the service has taken it (want: the log line
// of the outcome, seen once more than before).
func (s *reloadServe) reload(cfg, want string) {
	s.t.Helper()
	before := strings.Count(s.log.String(), want)
	if err := os.WriteFile(s.cfgFile, []byte(cfg), 0o600); err != nil {
		s.t.Fatal(err)
	}
	s.wait("the log line "+want, func() bool { return strings.Count(s.log.String(), want) > before })
}

// wait polls cond until it holds, failing the test after a generous deadline.
func (s *reloadServe) wait(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; the log:\n%s", what, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// feishuText posts a direct-chat text message to the Feishu callback, encrypted and signed with
// encryptKey, and returns the HTTP status.
func (s *reloadServe) feishuText(encryptKey, msgID, text string) int {
	s.t.Helper()
	now := time.Now()
	content, _ := json.Marshal(map[string]string{"text": text})
	env := map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": "ev_" + msgID, "event_type": "im.message.receive_v1", "token": reloadVerifyToken,
			"app_id": reloadAppID, "tenant_key": "tenant_reload", "create_time": strconv.FormatInt(now.UnixMilli(), 10)},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]string{"open_id": "ou_reload_cadre"}, "sender_type": "user", "tenant_key": "tenant_reload"},
			"message": map[string]any{"message_id": msgID, "chat_id": "oc_reload_p2p", "chat_type": "p2p", "message_type": "text",
				"content": string(content), "create_time": strconv.FormatInt(now.UnixMilli(), 10)},
		},
	}
	plain, _ := json.Marshal(env)
	body, hdr := pfFeishuSeal(encryptKey, plain, now)
	req, err := http.NewRequest(http.MethodPost, s.base+"/callback/feishu", strings.NewReader(string(body)))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// jobs returns the job counts of /readyz by state.
func (s *reloadServe) jobs() map[string]int {
	s.t.Helper()
	resp, err := http.Get(s.base + "/readyz")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var ready struct {
		Jobs map[string]int `json:"jobs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ready); err != nil {
		s.t.Fatal(err)
	}
	return ready.Jobs
}

func reloadTotal(jobs map[string]int) int {
	n := 0
	for _, c := range jobs {
		n += c
	}
	return n
}

const (
	reloadAppID       = "cli_reload"
	reloadVerifyToken = "reload-verification-token"
	reloadSecretA     = "reload-feishu-app-secret-A-3391"
	reloadSecretB     = "reload-feishu-app-secret-B-3391"
	reloadEncryptA    = "reload-encrypt-key-A-5520"
	reloadEncryptB    = "reload-encrypt-key-B-5520"
)

// reloadSecretFiles writes the secrets to files in dir: the config refers to them (file:), as a
// mounted Kubernetes secret or a Docker secret would be.
func reloadSecretFiles(t *testing.T, dir string, kv map[string]string) {
	t.Helper()
	for name, v := range kv {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// reloadFeishuSection is a Feishu section whose app secret and encrypt key come from the files
// named; enabled false turns the platform off.
func reloadFeishuSection(dir, baseURL string, enabled bool, secretFile, encryptFile string) string {
	return fmt.Sprintf(`feishu:
  enabled: %t
  app_id: %s
  mode: webhook
  base_url: %s
  app_secret: file:%s
  encrypt_key: file:%s
  verification_token: %s
`, enabled, reloadAppID, baseURL, filepath.Join(dir, secretFile), filepath.Join(dir, encryptFile), reloadVerifyToken)
}

// reloadGate stands in front of the fake Feishu and holds message sends while closed: a send is
// then under way when the config is reloaded.
type reloadGate struct {
	srv     *httptest.Server
	held    chan string   // the path of each send held
	release chan struct{} // closed: every send passes
	once    sync.Once
}

func reloadNewGate(t *testing.T, fake *pfFeishu) *reloadGate {
	g := &reloadGate{held: make(chan string, 16), release: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/open-apis/im/v1/messages") {
			select {
			case g.held <- r.URL.Path:
			default:
			}
			<-g.release
		}
		fake.serve(w, r)
	}))
	t.Cleanup(func() { g.open(); g.srv.Close() })
	return g
}

func (g *reloadGate) open() { g.once.Do(func() { close(g.release) }) }

// reloadReplies counts the messages the fake shows and the sends that passed its token check,
// answering the message msgID.
func reloadReplies(fake *pfFeishu, msgID string) (shown, attempts int) {
	_, att, sh, _ := fake.state()
	path := "/open-apis/im/v1/messages/" + msgID + "/reply"
	for _, c := range sh {
		if c.Path == path {
			shown++
		}
	}
	for _, c := range att {
		if c.Path == path {
			attempts++
		}
	}
	return shown, attempts
}

// The admin rotates the Feishu app secret and encrypt key: the platform refuses the old ones at
// once, and the config file names the new secret files. With no restart, the next callback is
// decrypted with the new key, the next reply goes out with a token of the new secret, and a reply
// that was being sent when the config changed is shown exactly once.
func TestReloadRotatedFeishuSecretTakesEffect(t *testing.T) {
	dir := t.TempDir()
	fake := newPFFeishu(t, reloadAppID, reloadSecretA)
	gate := reloadNewGate(t, fake)
	defer gate.open() // before the service's shutdown waits for the send it holds
	reloadSecretFiles(t, dir, map[string]string{"secret_a": reloadSecretA, "encrypt_a": reloadEncryptA,
		"secret_b": reloadSecretB, "encrypt_b": reloadEncryptB})
	cfgA := "local: {enabled: false}\n" + reloadFeishuSection(dir, gate.srv.URL, true, "secret_a", "encrypt_a")
	srv := reloadStart(t, dir, cfgA)

	// A job accepted before the reload, whose reply is on its way to Feishu when the config changes.
	if code := srv.feishuText(reloadEncryptA, "om_reload_before", "帮助"); code != http.StatusOK {
		t.Fatalf("callback before the reload: %d\n%s", code, srv.log.String())
	}
	select {
	case <-gate.held:
	case <-time.After(20 * time.Second):
		t.Fatalf("the reply was not sent\n%s", srv.log.String())
	}

	// Rotation: Feishu takes only the new secret, and its tokens of the old one are void.
	fake.mu.Lock()
	fake.secret, fake.token = reloadSecretB, ""
	fake.mu.Unlock()
	srv.reload("local: {enabled: false}\n"+reloadFeishuSection(dir, gate.srv.URL, true, "secret_b", "encrypt_b"),
		`"msg":"serve: configuration reloaded"`)

	// Callbacks reach the new connector at once: the old encrypt key is refused, the new one taken.
	if code := srv.feishuText(reloadEncryptA, "om_reload_oldkey", "帮助"); code == http.StatusOK {
		t.Fatalf("a callback signed with the old encrypt key was accepted")
	}
	if code := srv.feishuText(reloadEncryptB, "om_reload_after", "帮助"); code != http.StatusOK {
		t.Fatalf("callback with the new encrypt key: %d\n%s", code, srv.log.String())
	}
	gate.open()

	srv.wait("both jobs done", func() bool { j := srv.jobs(); return j["done"] == 2 })
	for _, id := range []string{"om_reload_before", "om_reload_after"} {
		// The fake shows a message only under a token of the current secret (B), and shows a
		// uuid once: one message shown and one send that passed the token check means the
		// reply went out once, with the new credentials.
		if shown, attempts := reloadReplies(fake, id); shown != 1 || attempts != 1 {
			t.Errorf("%s: shown %d, sends past the token check %d; want 1 and 1", id, shown, attempts)
		}
	}
	if shown, _ := reloadReplies(fake, "om_reload_oldkey"); shown != 0 {
		t.Errorf("the refused callback was answered")
	}
	if j := srv.jobs(); reloadTotal(j) != 2 {
		t.Errorf("jobs %v, want 2 done", j)
	}
	log := srv.log.String()
	if strings.Contains(log, "take effect only after a restart") {
		t.Errorf("the reload still asks for a restart:\n%s", log)
	}
	pfAssertCleanLog(t, log, reloadSecretA, reloadSecretB, reloadEncryptA, reloadEncryptB)
}

// A platform turned on by a reload receives at once; one turned off stops: Feishu's callback
// answers 404 again, and the local inbox's receiver ends (a file dropped in the meantime waits
// for the next time the local platform is on, and is then taken once).
func TestReloadAddsAndRemovesPlatforms(t *testing.T) {
	dir := t.TempDir()
	fake := newPFFeishu(t, reloadAppID, reloadSecretA)
	reloadSecretFiles(t, dir, map[string]string{"secret_a": reloadSecretA, "encrypt_a": reloadEncryptA})
	localOn := "local: {enabled: true}\n" + reloadFeishuSection(dir, fake.srv.URL, false, "secret_a", "encrypt_a")
	feishuOn := "local: {enabled: false}\n" + reloadFeishuSection(dir, fake.srv.URL, true, "secret_a", "encrypt_a")
	srv := reloadStart(t, dir, localOn)
	if code := srv.feishuText(reloadEncryptA, "om_reload_off", "帮助"); code != http.StatusNotFound {
		t.Fatalf("Feishu callback while Feishu is off: %d, want 404", code)
	}

	// Feishu on, local off.
	srv.reload(feishuOn, `"msg":"serve: configuration reloaded"`)
	if code := srv.feishuText(reloadEncryptA, "om_reload_on", "帮助"); code != http.StatusOK {
		t.Fatalf("Feishu callback after it was turned on: %d\n%s", code, srv.log.String())
	}
	srv.wait("the Feishu reply", func() bool { n, _ := reloadReplies(fake, "om_reload_on"); return n == 1 })
	srv.wait("the local receiver to stop", func() bool {
		return strings.Contains(srv.log.String(), `"connector":"local","level":"debug","msg":"serve: connector receiver stopped"`)
	})
	inbox := filepath.Join(dir, "data", "inbox", "reload_chat")
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		t.Fatal(err)
	}
	dropped := filepath.Join(inbox, "台账.xlsx")
	if err := os.WriteFile(dropped, pfLedgerN(t, 5), 0o600); err != nil {
		t.Fatal(err)
	}

	// Feishu off, local on again.
	srv.reload(localOn, `"msg":"serve: configuration reloaded"`)
	if _, err := os.Stat(dropped); err != nil {
		t.Fatalf("the file dropped while local was off was taken: %v", err)
	}
	if code := srv.feishuText(reloadEncryptA, "om_reload_off_again", "帮助"); code != http.StatusNotFound {
		t.Fatalf("Feishu callback after it was turned off: %d, want 404", code)
	}
	messages := filepath.Join(dir, "data", "outbox", "messages.jsonl")
	srv.wait("the local reply", func() bool {
		b, _ := os.ReadFile(messages)
		return strings.Contains(string(b), "台账.xlsx")
	})
	srv.wait("both jobs done", func() bool { return srv.jobs()["done"] == 2 })
	if j := srv.jobs(); reloadTotal(j) != 2 {
		t.Errorf("jobs %v, want 2 done (one Feishu, one local)", j)
	}
	if n, _ := reloadReplies(fake, "om_reload_on"); n != 1 {
		t.Errorf("Feishu reply shown %d times", n)
	}
	pfAssertCleanLog(t, srv.log.String(), reloadSecretA, reloadEncryptA)
}

// A Feishu section saved without its app secret (the admin moved it to an environment variable
// the service was not started with) cannot be used: the old connector stays and keeps answering,
// the log names the key, and the admins are told in Feishu, through the connector still in force.
func TestReloadBadPlatformSectionKeepsOldConnector(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZENGSHOU_FEISHU_APP_SECRET", "")
	fake := newPFFeishu(t, reloadAppID, reloadSecretA)
	reloadSecretFiles(t, dir, map[string]string{"secret_a": reloadSecretA, "encrypt_a": reloadEncryptA})
	roster := "roster:\n  admins:\n    - name: 王五\n      ids: {feishu: ou_reload_admin}\n"
	good := "local: {enabled: false}\n" + roster + reloadFeishuSection(dir, fake.srv.URL, true, "secret_a", "encrypt_a")
	srv := reloadStart(t, dir, good)

	bad := strings.Replace(good, "  app_secret: file:"+filepath.Join(dir, "secret_a")+"\n", "", 1)
	if bad == good {
		t.Fatal("the bad config is the good one")
	}
	srv.reload(bad, "serve: new configuration is invalid")
	if log := srv.log.String(); !strings.Contains(log, "feishu.app_secret") {
		t.Errorf("the warning does not name feishu.app_secret:\n%s", log)
	}
	// The admin hears of it in Feishu.
	srv.wait("the admin alert", func() bool {
		_, _, shown, _ := fake.state()
		for _, m := range shown {
			c, _ := m.Body["content"].(string)
			if m.Body["receive_id"] == "ou_reload_admin" && strings.Contains(c, "配置文件有误，修改未生效") && strings.Contains(c, "feishu.app_secret") {
				return true
			}
		}
		return false
	})
	// The old connector still takes callbacks and replies.
	if code := srv.feishuText(reloadEncryptA, "om_reload_kept", "帮助"); code != http.StatusOK {
		t.Fatalf("callback after the bad reload: %d\n%s", code, srv.log.String())
	}
	srv.wait("the reply through the old connector", func() bool { n, _ := reloadReplies(fake, "om_reload_kept"); return n == 1 })
	if strings.Contains(srv.log.String(), "serve: configuration reloaded") {
		t.Errorf("a config whose Feishu section cannot be used was taken")
	}
	pfAssertCleanLog(t, srv.log.String(), reloadSecretA, reloadEncryptA)
}
