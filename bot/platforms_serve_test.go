package bot_test

// The "done when" of the three platform issues, against the real binary: `zengshou serve` with a
// config file enabling Feishu, WeCom and DingTalk (secrets from the environment), answering the
// official samples over loopback HTTP.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"zengshou/calc"
	"zengshou/calc/ledger"
)

// Official vectors (PLATFORMS.md §5.1, §5.4).
const (
	serveFeishuEncryptKey = "1212121212"
	serveFeishuToken      = "v"
	serveWeComToken       = "QDG6eK"
	serveWeComAESKey      = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	serveWeComCorpID      = "wx5823bf96d3bd56c7"

	serveFeishuSecret   = "serve-feishu-app-secret-4711"
	serveWeComSecret    = "serve-wecom-app-secret-4711"
	serveDingTalkKey    = "dingserveappkey"
	serveDingTalkSecret = "serve-dingtalk-app-secret-4711"
)

// running is a `zengshou serve` process.
type running struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	log  *pfLog
}

// startServe runs the binary with cfgFile and env, waits for its listen address in the JSON log
// and for /healthz.
func startServe(t *testing.T, dir, cfgFile string, env ...string) *running {
	t.Helper()
	cmd := exec.Command(zengshouBinary(t), "serve", "--config", cfgFile, "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ZENGSHOU_CONFIG=", "ZENGSHOU_LOG_FORMAT=json", "ZENGSHOU_LOG_LEVEL=debug")
	cmd.Env = append(cmd.Env, env...)
	r := &running{cmd: cmd, log: &pfLog{}}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = io.MultiWriter(r.log, pw), io.MultiWriter(r.log, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if _, ok := waitExit(cmd, 20*time.Second); !ok {
			cmd.Process.Kill()
		}
		pw.Close()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serve: started" && line.Addr != "" {
				addr <- line.Addr
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr) // keep the pipe drained
	}()
	select {
	case a := <-addr:
		r.base = "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatalf("zengshou serve did not start:\n%s", r.log.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(r.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready: %v\n%s", err, r.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *running) do(t *testing.T, method, path string, hdr http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// jobs is the total of /readyz job counts.
func (r *running) jobs(t *testing.T) (int, map[string]int) {
	t.Helper()
	code, body := r.do(t, http.MethodGet, "/readyz", nil, nil)
	var ready struct {
		Jobs map[string]int `json:"jobs"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ready) != nil {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	n := 0
	for _, c := range ready.Jobs {
		n += c
	}
	return n, ready.Jobs
}

func TestServeAnswersPlatformSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	// Nothing leaves the machine: every platform API is a loopback fake.
	dt := newPFDingTalk(t, serveDingTalkKey, serveDingTalkSecret)
	fs := newPFFeishu(t, "cli_serve", serveFeishuSecret)
	wc := newPFWeCom(t, serveWeComCorpID, serveWeComSecret, pfWeComKey(t, serveWeComAESKey))

	// The WeCom app secret comes from a file reference (ZENGSHOU_WECOM_SECRET_FILE), the other
	// secrets from plain environment variables; none is in the config file.
	secretFile := filepath.Join(dir, "wecom_secret")
	if err := os.WriteFile(secretFile, []byte(serveWeComSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`local:
  enabled: false
feishu:
  enabled: true
  app_id: cli_serve
  mode: webhook
  base_url: %s
wecom:
  enabled: true
  corp_id: %s
  agent_id: 1000002
  base_url: %s
dingtalk:
  enabled: true
  app_key: %s
  mode: http
  base_url: %s
  oapi_url: %s
`, fs.srv.URL, serveWeComCorpID, wc.srv.URL, serveDingTalkKey, dt.srv.URL, dt.srv.URL)
	cfgFile := filepath.Join(dir, "zengshou.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, dir, cfgFile,
		"ZENGSHOU_FEISHU_APP_SECRET="+serveFeishuSecret,
		"ZENGSHOU_FEISHU_ENCRYPT_KEY="+serveFeishuEncryptKey,
		"ZENGSHOU_FEISHU_VERIFICATION_TOKEN="+serveFeishuToken,
		"ZENGSHOU_WECOM_TOKEN="+serveWeComToken,
		"ZENGSHOU_WECOM_ENCODING_AES_KEY="+serveWeComAESKey,
		"ZENGSHOU_WECOM_SECRET_FILE="+secretFile,
		"ZENGSHOU_DINGTALK_APP_SECRET="+serveDingTalkSecret,
	)

	t.Run("feishu official encrypted url_verification", func(t *testing.T) {
		body, err := os.ReadFile("../testdata/feishu/url_verification_encrypted.json")
		if err != nil {
			t.Fatal(err)
		}
		// The challenge carries no signature headers (§1.2).
		code, ans := srv.do(t, http.MethodPost, "/callback/feishu", http.Header{"Content-Type": {"application/json"}}, bytes.TrimSpace(body))
		if code != http.StatusOK || strings.TrimSpace(ans) != `{"challenge":"1212"}` {
			t.Fatalf("answer %d %q, want 200 {\"challenge\":\"1212\"}", code, ans)
		}
	})

	t.Run("wecom official VerifyURL", func(t *testing.T) {
		q := url.Values{
			"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"},
			"timestamp":     {"1409659589"},
			"nonce":         {"263014780"},
			"echostr":       {"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="},
		}
		code, ans := srv.do(t, http.MethodGet, "/callback/wecom?"+q.Encode(), nil, nil)
		if code != http.StatusOK || ans != "1616140317555161061" {
			t.Fatalf("answer %d %q, want 200 1616140317555161061", code, ans)
		}
		// The same request with one byte of the signature changed is refused.
		q.Set("msg_signature", "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4")
		if code, _ := srv.do(t, http.MethodGet, "/callback/wecom?"+q.Encode(), nil, nil); code != http.StatusForbidden {
			t.Fatalf("bad signature: %d, want 403", code)
		}
	})

	t.Run("dingtalk robot callback sign", func(t *testing.T) {
		// The binary runs on the wall clock: the ledger is for the current quarter.
		p := calc.PeriodOf(time.Now().In(shanghai))
		path := filepath.Join(dir, "ledger.xlsx")
		if err := ledger.GenerateFile(path, 30, 5, ledger.GenOptions{Year: p.Year, Quarter: p.Quarter}); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		dt.mu.Lock()
		dt.files["dlcodeServe0001=="] = data
		dt.mu.Unlock()
		now := time.Now()
		body, _ := json.Marshal(map[string]any{
			"conversationId": "cidServeSingle==", "conversationType": "1", "msgId": "msgServeFile0001==", "msgtype": "file",
			"content":       map[string]string{"downloadCode": "dlcodeServe0001==", "fileName": "台账.xlsx"},
			"senderStaffId": "staff001", "senderNick": "张三", "robotCode": serveDingTalkKey, "createAt": now.UnixMilli(),
			"sessionWebhook":            dt.srv.URL + "/robot/sendBySession?session=sessServe0001",
			"sessionWebhookExpiredTime": now.Add(90 * time.Minute).UnixMilli(),
		})
		post := func(ts, sign string) int {
			code, _ := srv.do(t, http.MethodPost, "/callback/dingtalk", http.Header{"Content-Type": {"application/json"}, "Timestamp": {ts}, "Sign": {sign}}, body)
			return code
		}
		fresh := strconv.FormatInt(now.UnixMilli(), 10)
		stale := strconv.FormatInt(now.Add(-2*time.Hour).UnixMilli(), 10)
		for _, c := range []struct {
			name, ts, sign string
		}{
			{"no sign", fresh, ""},
			{"wrong sign", fresh, pfDingTalkSign(fresh, "not-the-secret")},
			{"sign of another timestamp", fresh, pfDingTalkSign(stale, serveDingTalkSecret)},
			{"stale timestamp, right sign", stale, pfDingTalkSign(stale, serveDingTalkSecret)},
		} {
			if code := post(c.ts, c.sign); code != http.StatusUnauthorized && code != http.StatusForbidden {
				t.Errorf("%s: %d, want 401 or 403", c.name, code)
			}
		}
		if n, counts := srv.jobs(t); n != 0 {
			t.Fatalf("refused callbacks made jobs: %v", counts)
		}
		if code := post(fresh, pfDingTalkSign(fresh, serveDingTalkSecret)); code != http.StatusOK {
			t.Fatalf("freshly signed callback: %d, want 200\n%s", code, srv.log.String())
		}
		if n, counts := srv.jobs(t); n != 1 {
			t.Fatalf("accepted callback: jobs %v, want 1", counts)
		}
		// DingTalk delivering it again is the same job.
		again := strconv.FormatInt(time.Now().UnixMilli(), 10)
		if code := post(again, pfDingTalkSign(again, serveDingTalkSecret)); code != http.StatusOK {
			t.Fatalf("second delivery: %d", code)
		}
		// The running service takes the job through the fake DingTalk: download, evaluate,
		// upload, reply.
		deadline := time.Now().Add(8 * time.Second)
		for {
			_, robot, session, bad := dt.state()
			if len(bad) > 0 {
				t.Fatalf("the fake refused calls: %v", bad)
			}
			if len(robot) > 0 && len(session) > 0 {
				text, _ := session[0].Body["text"].(map[string]any)["content"].(string)
				if !strings.Contains(text, "已处理《台账.xlsx》") || robot[0].Body["msgKey"] != "sampleFile" {
					t.Fatalf("reply %q, file message %+v", text, robot[0].Body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no reply at the fake DingTalk\n%s", srv.log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		for {
			n, counts := srv.jobs(t)
			if n == 1 && counts["done"] == 1 {
				break
			}
			if n != 1 || time.Now().After(deadline) {
				t.Fatalf("jobs after the reply: %v, want 1 done", counts)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	if log := srv.log.String(); !strings.Contains(log, "job: done") || !strings.Contains(log, "feishu url_verification answered") {
		t.Fatalf("the captured log lacks the run:\n%s", log)
	}
	pfAssertCleanLog(t, srv.log.String(), serveFeishuSecret, serveFeishuEncryptKey, serveWeComSecret, serveWeComAESKey,
		serveDingTalkSecret, "dingtalk-fake-access-token-", "sessServe0001", "dlcodeServe0001")
}
