package bot_test

// End to end through the service, per platform: an encrypted/signed platform callback carrying
// a file → svc.Handler() → Intake (job) → WorkOnce (download from the fake platform, evaluate,
// upload the result, reply) → assertions at the fake platform; then the same callback again (a
// platform retry) gives no second job and no second reply.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
	"zengshou/connectors/wecom"
)

// pfService is the service on a real SQLite store with one platform connector and a fake clock.
type pfService struct {
	t     *testing.T
	dir   string
	st    *store.Store
	svc   *bot.Service
	clock *bot.FakeClock
	srv   *httptest.Server
	logs  *pfLog
}

// pfNow is Monday 2026-11-30 10:00 in Shanghai: 2026Q4, a working day outside quiet hours.
func pfNow() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai) }

func newPFService(t *testing.T, build func(log *logrus.Entry, now func() time.Time) connectors.Connector) *pfService {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Local.Enabled = false
	cfg.Workers.RetryBase = time.Second
	cfg.Roster.Cadres = []config.Cadre{{Name: "王建军", Phone: "13812345678", IDs: config.IDs{"feishu": "ou_sender", "wecom": "zhangsan", "dingtalk": "staff001"}}}
	p := &pfService{t: t, dir: dir, clock: bot.NewFakeClock(pfNow()), logs: &pfLog{}}
	// The production logger: JSON, masking ID and phone numbers; debug so that everything a
	// connector might say reaches the buffer the test checks.
	log := bot.NewLogger(config.Log{Level: "debug", Format: "json"}, p.logs)
	st, err := store.Open(filepath.Join(dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	conn := build(log.WithField("connector", "test"), p.clock.Now)
	svc, err := bot.New(bot.Options{Config: cfg, Store: st, Connectors: []connectors.Connector{conn}, Clock: p.clock, Log: log, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p.st, p.svc = st, svc
	p.srv = httptest.NewServer(svc.Handler())
	t.Cleanup(p.srv.Close)
	return p
}

// newPFWeComService is newPFService with a WeCom connector configured by cfg (pointing at a fake).
func newPFWeComService(t *testing.T, cfg wecom.Config) *pfService {
	return newPFService(t, func(log *logrus.Entry, now func() time.Time) connectors.Connector {
		c, err := wecom.New(cfg, wecom.Options{Log: log, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

// pfLedger is a generated ledger of 30 households for 2026Q4.
func pfLedger(t *testing.T) []byte { return pfLedgerN(t, 30) }

func pfLedgerN(t *testing.T, households int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.xlsx")
	if err := ledger.GenerateFile(path, households, 11, ledger.GenOptions{Quarter: 4}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p *pfService) post(path string, hdr http.Header, body []byte) (int, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// drain runs jobs until none is ready and returns how many ran.
func (p *pfService) drain() int {
	p.t.Helper()
	n := 0
	for {
		ok, err := p.svc.WorkOnce(context.Background())
		if err != nil {
			p.t.Fatal(err)
		}
		if !ok {
			return n
		}
		if n++; n > 20 {
			p.t.Fatal("jobs do not drain")
		}
	}
}

// onlyJob checks there is exactly one job, done and replied.
func (p *pfService) onlyJob() *store.Job {
	p.t.Helper()
	counts, err := p.st.JobCounts(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	j, err := p.st.GetJob(context.Background(), 1)
	if err != nil || j == nil {
		p.t.Fatalf("job 1: %v (counts %v)", err, counts)
	}
	if total != 1 || j.State != store.JobDone || j.Stage != store.StageReplied {
		p.t.Fatalf("jobs %v; job 1 state %q stage %q attempts %d error %q\n%s", counts, j.State, j.Stage, j.Attempts, j.LastError, p.logs.String())
	}
	return j
}

// pfCheckResult opens an uploaded result workbook and checks it has the 汇总 sheet.
func pfCheckResult(t *testing.T, data []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("uploaded result is not a workbook: %v", err)
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(ledger.SheetSummary); idx < 0 {
		t.Fatalf("result has no %s sheet: %v", ledger.SheetSummary, f.GetSheetList())
	}
}

// pfCheckReplyText: the reply names the file and the quarter and shows no ID number (group chat).
func pfCheckReplyText(t *testing.T, text, name string) {
	t.Helper()
	if !strings.Contains(text, "已处理《"+name+"》（2026年第4季度，") {
		t.Fatalf("reply text lacks 已处理《%s》（2026年第4季度，:\n%s", name, text)
	}
	if containsID(text) {
		t.Fatalf("reply shows an ID number:\n%s", text)
	}
}

// ---------------------------------------------------------------------------------------------

func TestFeishuEndToEndThroughService(t *testing.T) {
	const (
		appID, appSecret = "cli_e2e_feishu", "feishu-e2e-app-secret-0123"
		encryptKey       = "1212121212"
		verifyToken      = "v"
	)
	fake := newPFFeishu(t, appID, appSecret)
	workbook := pfLedger(t)
	fake.files["om_e2e_file_1/file_v2_e2e_ledger"] = workbook
	p := newPFService(t, func(log *logrus.Entry, now func() time.Time) connectors.Connector {
		c, err := feishu.New(feishu.Config{Enabled: true, AppID: appID, AppSecret: appSecret, VerificationToken: verifyToken,
			EncryptKey: encryptKey, Mode: "webhook", BaseURL: fake.srv.URL}, feishu.Options{Log: log, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})

	event := map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": "ev_e2e_1", "event_type": "im.message.receive_v1", "create_time": strconv.FormatInt(pfNow().UnixMilli(), 10),
			"token": verifyToken, "app_id": appID, "tenant_key": "tenant_e2e"},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]string{"open_id": "ou_sender", "union_id": "on_sender"}, "sender_type": "user", "tenant_key": "tenant_e2e"},
			"message": map[string]any{"message_id": "om_e2e_file_1", "root_id": "", "parent_id": "", "create_time": strconv.FormatInt(pfNow().UnixMilli(), 10),
				"chat_id": "oc_e2e_group", "thread_id": "omt_e2e_thread", "chat_type": "group", "message_type": "file",
				"content": `{"file_key":"file_v2_e2e_ledger","file_name":"红旗村台账.xlsx"}`, "mentions": []any{}},
		},
	}
	plain, _ := json.Marshal(event)
	body, hdr := pfFeishuSeal(encryptKey, plain, p.clock.Now())
	if code, ans := p.post(feishu.CallbackPath, hdr, body); code != http.StatusOK || !strings.Contains(ans, "success") {
		t.Fatalf("callback: %d %s", code, ans)
	}
	if n := p.drain(); n != 1 {
		t.Fatalf("jobs run: %d, want 1", n)
	}
	p.onlyJob()

	uploads, attempts, shown, bad := fake.state()
	if len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	if len(uploads) != 1 || uploads[0].Form["file_type"] != "xls" || uploads[0].Form["file_name"] != "红旗村台账-增收计算结果.xlsx" {
		t.Fatalf("uploads: %d %+v", len(uploads), uploads)
	}
	pfCheckResult(t, uploads[0].File)
	// In place, in the thread: the file first, then the text; each with its own uuid.
	if len(shown) != 2 || len(attempts) != 2 {
		t.Fatalf("messages shown %d, attempts %d", len(shown), len(attempts))
	}
	for _, m := range shown {
		if m.Path != "/open-apis/im/v1/messages/om_e2e_file_1/reply" || m.Body["reply_in_thread"] != true {
			t.Fatalf("reply not in place: %s %+v", m.Path, m.Body)
		}
	}
	if shown[0].Body["msg_type"] != "file" || !strings.Contains(shown[0].Body["content"].(string), "file_v2_result_1") {
		t.Fatalf("first reply is not the result file: %+v", shown[0].Body)
	}
	var text struct{ Text string }
	_ = json.Unmarshal([]byte(shown[1].Body["content"].(string)), &text)
	if shown[1].Body["msg_type"] != "text" {
		t.Fatalf("second reply: %+v", shown[1].Body)
	}
	pfCheckReplyText(t, text.Text, "红旗村台账.xlsx")
	if shown[0].Body["uuid"] != "job-1-reply-f" || shown[1].Body["uuid"] != "job-1-reply-t0" {
		t.Fatalf("uuids %v, %v", shown[0].Body["uuid"], shown[1].Body["uuid"])
	}

	// Feishu redelivers (15 s later, signed anew): acknowledged, no second job, no second reply.
	p.clock.Advance(15 * time.Second)
	body, hdr = pfFeishuSeal(encryptKey, plain, p.clock.Now())
	if code, ans := p.post(feishu.CallbackPath, hdr, body); code != http.StatusOK {
		t.Fatalf("redelivery: %d %s", code, ans)
	}
	if n := p.drain(); n != 0 {
		t.Fatalf("redelivery ran %d jobs", n)
	}
	p.onlyJob()
	if u, a, _, _ := fake.state(); len(u) != 1 || len(a) != 2 {
		t.Fatalf("after redelivery: %d uploads, %d message attempts", len(u), len(a))
	}
	// A forged callback (wrong key) is refused and makes no job.
	forged, fh := pfFeishuSeal("not-the-key", plain, p.clock.Now())
	if code, _ := p.post(feishu.CallbackPath, fh, forged); code != http.StatusUnauthorized {
		t.Fatalf("forged callback: %d", code)
	}
	p.onlyJob()
	pfAssertCleanLog(t, p.logs.String(), appSecret, encryptKey, "t-feishu-fake-token-")
}

// WeCom delivers files through the smart robot (connectors/wecom/README.md): a file sent 1:1
// arrives on /callback/wecom/bot as an encrypted URL; the text goes back once through
// response_url and the file through the self-built app (message/send with enable_duplicate_check).
// The long ledger makes a reply longer than WeCom's Limits().MaxTextRunes, which the service
// sends in two parts: the single-use response_url must still be called only once.
func TestWeComEndToEndThroughService(t *testing.T) {
	t.Run("30 households", func(t *testing.T) { weComEndToEnd(t, 30) })
	t.Run("long reply", func(t *testing.T) { weComEndToEnd(t, 1500) })
}

func weComEndToEnd(t *testing.T, households int) {
	const (
		corpID, secret = "wx5823bf96d3bd56c7", "wecom-e2e-app-secret-0123"
		token, aesKey  = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		agentID        = 1000002
	)
	key := pfWeComKey(t, aesKey)
	fake := newPFWeCom(t, corpID, secret, key)
	fake.robot["/robotfile/e2e-1"] = pfLedgerN(t, households)
	p := newPFWeComService(t, wecom.Config{Enabled: true, CorpID: corpID, AgentID: agentID, Secret: secret, Token: token,
		EncodingAESKey: aesKey, BaseURL: fake.srv.URL})

	// The documented shape: the file part carries only the encrypted URL, no file name.
	payload := map[string]any{
		"msgid": "CAIQ16HMjQYYE2E0001", "aibotid": "AIBOTE2E", "chattype": "single",
		"from": map[string]string{"userid": "zhangsan"}, "create_time": pfNow().Unix(),
		"response_url": fake.srv.URL + "/cgi-bin/aibot/response?response_code=RC-E2E-1",
		"msgtype":      "file",
		"file":         map[string]string{"url": fake.srv.URL + "/robotfile/e2e-1"},
	}
	plain, _ := json.Marshal(payload)
	deliver := func(nonce string) (int, string) {
		enc := pfWeComEncrypt(key, plain, "") // the smart robot's receive id is empty (§2.2)
		ts := strconv.FormatInt(p.clock.Now().Unix(), 10)
		q := url.Values{"msg_signature": {pfWeComSig(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
		body, _ := json.Marshal(map[string]string{"encrypt": enc})
		return p.post(wecom.BotCallbackPath+"?"+q.Encode(), http.Header{"Content-Type": {"application/json"}}, body)
	}
	if code, ans := deliver("e2e-nonce-1"); code != http.StatusOK {
		t.Fatalf("callback: %d %s", code, ans)
	}
	if n := p.drain(); n != 1 {
		t.Fatalf("jobs run: %d, want 1", n)
	}
	p.onlyJob()

	uploads, attempts, shown, responses, bad := fake.state()
	if len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	if len(uploads) != 1 {
		t.Fatalf("uploads: %+v", uploads)
	}
	pfCheckResult(t, uploads[0].File)
	if !strings.HasSuffix(uploads[0].FileName, "-增收计算结果.xlsx") {
		t.Fatalf("uploaded file name %q", uploads[0].FileName)
	}
	// The text: once through the single-use response_url, as markdown.
	if len(responses) != 1 || responses[0].Query["response_code"] != "RC-E2E-1" {
		t.Fatalf("response_url calls: %d %+v", len(responses), responses)
	}
	md, _ := responses[0].Body["markdown"].(map[string]any)
	text, _ := md["content"].(string)
	// The file, and any rest of a long text: to the sender through the app, with WeCom's
	// duplicate check on.
	if len(shown) != len(attempts) {
		t.Fatalf("app messages shown %d of %d attempts", len(shown), len(attempts))
	}
	files := 0
	for _, m := range shown {
		b := m.Body
		if b["touser"] != "zhangsan" || b["agentid"] != float64(agentID) || b["enable_duplicate_check"] != float64(1) || b["duplicate_check_interval"] == nil {
			t.Fatalf("app message: %+v", b)
		}
		switch b["msgtype"] {
		case "file":
			files++
			if b["file"].(map[string]any)["media_id"] != "MEDIA-RESULT-1" {
				t.Fatalf("file message: %+v", b)
			}
		case "text":
			text += "\n" + b["text"].(map[string]any)["content"].(string)
		default:
			t.Fatalf("app message type %v", b["msgtype"])
		}
	}
	if files != 1 {
		t.Fatalf("file messages: %d, want 1", files)
	}
	if !strings.Contains(text, "已处理《") || !strings.Contains(text, "2026年第4季度") || !strings.Contains(text, "结果已写回工作簿") {
		t.Fatalf("reply text:\n%s", text)
	}
	if containsID(text) {
		t.Fatalf("reply shows an ID number:\n%s", text)
	}

	// WeCom resends the same callback (5 s, 3 tries): acknowledged, no second job or reply.
	p.clock.Advance(5 * time.Second)
	if code, ans := deliver("e2e-nonce-2"); code != http.StatusOK {
		t.Fatalf("redelivery: %d %s", code, ans)
	}
	if n := p.drain(); n != 0 {
		t.Fatalf("redelivery ran %d jobs", n)
	}
	p.onlyJob()
	if u, a, _, r, _ := fake.state(); len(u) != 1 || len(a) != len(attempts) || len(r) != 1 {
		t.Fatalf("after redelivery: %d uploads, %d app messages, %d response_url calls", len(u), len(a), len(r))
	}
	// A wrong signature is refused and makes no job.
	enc := pfWeComEncrypt(key, plain, "")
	q := url.Values{"msg_signature": {pfWeComSig("wrong", "1", "n", enc)}, "timestamp": {"1"}, "nonce": {"n"}}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	if code, _ := p.post(wecom.BotCallbackPath+"?"+q.Encode(), nil, body); code != http.StatusForbidden {
		t.Fatalf("bad signature: %d", code)
	}
	p.onlyJob()
	pfAssertCleanLog(t, p.logs.String(), secret, aesKey, "wecom-fake-access-token-", fake.srv.URL+"/robotfile/")
}

// DingTalk HTTP robot callback (mode http): a file sent 1:1 with a downloadCode; the text goes
// back through the message's sessionWebhook, the file through media/upload + oToMessages/batchSend.
func TestDingTalkEndToEndThroughService(t *testing.T) {
	const appKey, appSecret = "dinge2eappkey", "dingtalk-e2e-app-secret-0123"
	fake := newPFDingTalk(t, appKey, appSecret)
	fake.files["dlcodeE2E0001=="] = pfLedger(t)
	p := newPFService(t, func(log *logrus.Entry, now func() time.Time) connectors.Connector {
		c, err := dingtalk.New(dingtalk.Config{Enabled: true, AppKey: appKey, AppSecret: appSecret, Mode: dingtalk.ModeHTTP,
			BaseURL: fake.srv.URL, OapiURL: fake.srv.URL}, dingtalk.Options{Log: log, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
	now := p.clock.Now()
	msg := map[string]any{
		"conversationId": "cidE2ESingle==", "conversationType": "1", "msgId": "msgE2EFile0001==", "msgtype": "file",
		"content":       map[string]string{"downloadCode": "dlcodeE2E0001==", "fileName": "新村台账.xlsx", "fileId": "117000849", "spaceId": "223000574"},
		"senderStaffId": "staff001", "senderId": "$:LWCP_v1:$senderE2E", "senderNick": "张三", "senderCorpId": "dingcorpe2e",
		"chatbotUserId": "$:LWCP_v1:$bot", "robotCode": appKey, "isInAtList": true, "createAt": now.UnixMilli(),
		"sessionWebhook":            fake.srv.URL + "/robot/sendBySession?session=sessE2E0001",
		"sessionWebhookExpiredTime": now.Add(90 * time.Minute).UnixMilli(),
	}
	body, _ := json.Marshal(msg)
	deliver := func() (int, string) {
		ts := strconv.FormatInt(p.clock.Now().UnixMilli(), 10)
		return p.post("/callback/dingtalk", http.Header{"Content-Type": {"application/json"}, "Timestamp": {ts}, "Sign": {pfDingTalkSign(ts, appSecret)}}, body)
	}
	if code, ans := deliver(); code != http.StatusOK {
		t.Fatalf("callback: %d %s", code, ans)
	}
	if n := p.drain(); n != 1 {
		t.Fatalf("jobs run: %d, want 1", n)
	}
	p.onlyJob()

	uploads, robot, session, bad := fake.state()
	if len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	if len(uploads) != 1 || uploads[0].Form["type"] != "file" || uploads[0].FileName != "新村台账-增收计算结果.xlsx" {
		t.Fatalf("uploads: %+v", uploads)
	}
	pfCheckResult(t, uploads[0].File)
	if len(session) != 1 || session[0].Query["session"] != "sessE2E0001" || session[0].Body["msgtype"] != "text" {
		t.Fatalf("sessionWebhook posts: %+v", session)
	}
	pfCheckReplyText(t, session[0].Body["text"].(map[string]any)["content"].(string), "新村台账.xlsx")
	if len(robot) != 1 || robot[0].Path != "/v1.0/robot/oToMessages/batchSend" || robot[0].Body["msgKey"] != "sampleFile" {
		t.Fatalf("robot messages: %+v", robot)
	}
	if users, _ := robot[0].Body["userIds"].([]any); len(users) != 1 || users[0] != "staff001" {
		t.Fatalf("file sent to %v, want the sender staff001", robot[0].Body["userIds"])
	}
	var param map[string]string
	_ = json.Unmarshal([]byte(robot[0].Body["msgParam"].(string)), &param)
	if param["mediaId"] != "@lAresult1" || param["fileName"] != "新村台账-增收计算结果.xlsx" || param["fileType"] != "xlsx" {
		t.Fatalf("sampleFile param: %v", param)
	}

	// The same callback again: no second job, no second reply.
	p.clock.Advance(3 * time.Second)
	if code, ans := deliver(); code != http.StatusOK {
		t.Fatalf("redelivery: %d %s", code, ans)
	}
	if n := p.drain(); n != 0 {
		t.Fatalf("redelivery ran %d jobs", n)
	}
	p.onlyJob()
	if u, r, s, _ := fake.state(); len(u) != 1 || len(r) != 1 || len(s) != 1 {
		t.Fatalf("after redelivery: %d uploads, %d robot messages, %d session posts", len(u), len(r), len(s))
	}
	pfAssertCleanLog(t, p.logs.String(), appSecret, "dingtalk-fake-access-token-", "dlcodeE2E0001", "sessE2E0001", "fake-oss-sig")
}
