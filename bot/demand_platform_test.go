package bot_test

// 汇总 [单位] through a platform that carries files (DingTalk's HTTP robot, faked on loopback):
// in a group the text goes back through the message's sessionWebhook and the workbook through
// media/upload + groupMessages/send. The reply is delivered, the service does not learn it (the
// connection drops after the platform took the file), the service stops, the store changes
// (another village uploads), and the service that starts again retries the command: nothing is
// sent a second time, although a workbook built anew would now differ.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/dingtalk"
)

// demandFlaky is a connector whose first Send of a 汇总 workbook fails after it went out: the
// service believes the reply was lost and retries the job.
type demandFlaky struct {
	connectors.Connector
	failed bool
}

func (c *demandFlaky) Send(ctx context.Context, m connectors.Message) (string, error) {
	id, err := c.Connector.Send(ctx, m)
	if err == nil && !c.failed && m.File != nil && strings.HasPrefix(m.File.Name, "汇总-") {
		c.failed = true
		return id, errors.New("dingtalk: connection reset after the request was sent")
	}
	return id, err
}

// demandSent is what the fake DingTalk received for the 汇总 replies in the group: the texts
// posted to the group message's sessionWebhook, the workbooks uploaded and the file messages.
func demandSent(f *pfDingTalk, session string) (texts []string, books []pfCall, files []map[string]string) {
	uploads, robot, posts, _ := f.state()
	for _, p := range posts {
		if p.Query["session"] == session {
			texts = append(texts, p.Body["text"].(map[string]any)["content"].(string))
		}
	}
	for _, u := range uploads {
		if strings.HasPrefix(u.FileName, "汇总-") {
			books = append(books, u)
		}
	}
	for _, r := range robot {
		if r.Path != "/v1.0/robot/groupMessages/send" || r.Body["msgKey"] != "sampleFile" {
			continue
		}
		var param map[string]string
		_ = json.Unmarshal([]byte(r.Body["msgParam"].(string)), &param)
		files = append(files, param)
	}
	return texts, books, files
}

func demandBookRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the uploaded 汇总 is not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestDemandSummaryDingTalkGroupRetrySendsOnce(t *testing.T) {
	const appKey, appSecret = "dingdemandappkey", "dingtalk-demand-app-secret-01"
	fake := newPFDingTalk(t, appKey, appSecret)
	fake.files["dlcodeDemand01=="] = pfLedger(t) // 30 households of 巴林左旗林东镇红旗村, 2026Q4
	{
		p := filepath.Join(t.TempDir(), "dongfeng.xlsx")
		leadLedger(t, p, leadVillages[1], 20, 31, 4) // 20 households of 巴林左旗林东镇东风村
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fake.files["dlcodeDemand02=="] = b
	}

	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Local.Enabled = false
	cfg.Workers.RetryBase = time.Second
	cfg.Roster.Cadres = []config.Cadre{{Name: "王建军", Phone: "13812345678", IDs: config.IDs{"dingtalk": "staff001"}}}
	cfg.DingTalk = dingtalk.Config{Enabled: true, AppKey: appKey, AppSecret: appSecret, Mode: dingtalk.ModeHTTP,
		BaseURL: fake.srv.URL, OapiURL: fake.srv.URL}
	clock := bot.NewFakeClock(pfNow())
	logs := &pfLog{}
	log := bot.NewLogger(config.Log{Level: "debug", Format: "json"}, logs)
	ctx := context.Background()

	// start is one run of the service, as `zengshou serve` starts: the store opened, jobs left
	// running requeued, the connectors built anew with the store's record of parts sent.
	start := func(flaky bool) (*store.Store, *bot.Service) {
		st, err := store.Open(filepath.Join(dir, "zengshou.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecoverAll(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		conns, err := bot.BuildConnectors(cfg, dir, io.Discard, clock, log, store.NewPartLog(st, clock.Now, log, 0))
		if err != nil {
			t.Fatal(err)
		}
		if flaky {
			for i, c := range conns {
				if c.Name() == "dingtalk" {
					conns[i] = &demandFlaky{Connector: c}
				}
			}
		}
		svc, err := bot.New(bot.Options{Config: cfg, Store: st, Connectors: conns, Clock: clock, Log: log, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return st, svc
	}
	drain := func(svc *bot.Service) int {
		n := 0
		for {
			ok, err := svc.WorkOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return n
			}
			if n++; n > 20 {
				t.Fatal("jobs do not drain")
			}
		}
	}
	post := func(svc *bot.Service, msg map[string]any) {
		t.Helper()
		now := clock.Now()
		msg["createAt"] = now.UnixMilli()
		msg["robotCode"] = appKey
		msg["chatbotUserId"] = "$:LWCP_v1:$bot"
		msg["senderCorpId"] = "dingcorpdemand"
		msg["isInAtList"] = true
		msg["sessionWebhookExpiredTime"] = now.Add(90 * time.Minute).UnixMilli()
		body, _ := json.Marshal(msg)
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		req := httptest.NewRequest(http.MethodPost, "/callback/dingtalk", bytes.NewReader(body))
		req.Header = http.Header{"Content-Type": {"application/json"}, "Timestamp": {ts}, "Sign": {pfDingTalkSign(ts, appSecret)}}
		rec := httptest.NewRecorder()
		svc.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("callback: %d %s", rec.Code, rec.Body)
		}
	}
	upload := func(svc *bot.Service, n int, code string) {
		t.Helper()
		post(svc, map[string]any{"conversationId": "cidDemandSingle==", "conversationType": "1", "msgId": "msgDemandFile0" + strconv.Itoa(n), "msgtype": "file",
			"content":       map[string]string{"downloadCode": code, "fileName": "2026年第4季度台账.xlsx", "fileId": "11700085" + strconv.Itoa(n), "spaceId": "223000576"},
			"senderStaffId": "staff001", "senderId": "$:LWCP_v1:$senderDemand", "senderNick": "王建军",
			"sessionWebhook": fake.srv.URL + "/robot/sendBySession?session=sessDemandSingle"})
	}
	ask := func(svc *bot.Service, msgID, session string) {
		t.Helper()
		post(svc, map[string]any{"conversationId": "cidDemandGroup==", "conversationType": "2", "msgId": msgID, "msgtype": "text",
			"text": map[string]any{"content": " 汇总 林东镇"}, "senderStaffId": "staff1", "senderId": "$:LWCP_v1:$leaderDemand", "senderNick": "县领导",
			"sessionWebhook": fake.srv.URL + "/robot/sendBySession?session=" + session})
	}

	st, svc := start(true)
	upload(svc, 1, "dlcodeDemand01==")
	if n := drain(svc); n != 1 {
		t.Fatalf("upload: %d jobs ran", n)
	}
	ask(svc, "msgDemandAsk01==", "sessDemandAsk01")
	if n := drain(svc); n != 1 {
		t.Fatalf("汇总: %d jobs ran", n)
	}
	texts, books, files := demandSent(fake, "sessDemandAsk01")
	if len(texts) != 1 || len(books) != 1 || len(files) != 1 {
		t.Fatalf("汇总 in the group: %d texts, %d workbooks uploaded, %d file messages; want one each", len(texts), len(books), len(files))
	}
	// The unit and the date (pfNow: 2026-11-30) in the name, in the upload and in the message.
	const name = "汇总-巴林左旗林东镇-2026-11-30.xlsx"
	if books[0].FileName != name || files[0]["fileName"] != name || files[0]["fileType"] != "xlsx" {
		t.Fatalf("file name: upload %q, message %v; want %q", books[0].FileName, files[0], name)
	}
	if !strings.Contains(texts[0], "“林东镇”进度") || !strings.Contains(texts[0], "附件为巴林左旗林东镇的汇总工作簿") {
		t.Fatalf("text:\n%s", texts[0])
	}
	first := demandBookRows(t, books[0].File)
	households := map[string]string{}
	for _, r := range first[1:] {
		households[strings.Join(r[1:4], "")] = r[4]
	}
	// One village uploaded, 30 households (pfLedger): the township's row and the village's.
	if want := map[string]string{"巴林左旗林东镇": "30", "巴林左旗林东镇红旗村": "30"}; !reflect.DeepEqual(households, want) {
		t.Fatalf("户数 by unit %v, want %v", households, want)
	}
	// No household's name, ID or phone number: in the group's text or in the workbook.
	names, err := st.PersonNames(ctx)
	if err != nil || len(names) == 0 {
		t.Fatalf("person names: %v %d", err, len(names))
	}
	cells := ""
	for _, r := range first {
		cells += strings.Join(r, "\t") + "\n"
	}
	for _, n := range names {
		if len([]rune(n)) >= 2 && (strings.Contains(cells, n) || strings.Contains(texts[0], n)) {
			t.Errorf("%s in clear in the group", n)
		}
	}
	if containsID(cells+texts[0]) || pfPhoneRE.MatchString(cells+texts[0]) {
		t.Errorf("an ID or phone number in the group")
	}
	if j, _ := st.GetJob(ctx, 2); j == nil || j.State == store.JobDone {
		t.Fatalf("the 汇总 job after its lost reply: %+v, want it waiting for a retry", j)
	}

	// The store changes before the retry: 东风村 uploads (the retry is not due yet).
	upload(svc, 2, "dlcodeDemand02==")
	if n := drain(svc); n != 1 {
		t.Fatalf("second upload: %d jobs ran", n)
	}
	// The service stops without a word to its connectors and starts again on the same data.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	st, svc = start(false)
	defer st.Close()
	if n := drain(svc); n != 1 {
		t.Fatalf("after the restart %d jobs ran, want the 汇总's retry", n)
	}
	if j, _ := st.GetJob(ctx, 2); j == nil || j.State != store.JobDone {
		t.Fatalf("the 汇总 job after the retry: %+v", j)
	}
	if texts, books, files := demandSent(fake, "sessDemandAsk01"); len(texts) != 1 || len(books) != 1 || len(files) != 1 {
		t.Fatalf("after the retry: %d texts, %d workbooks uploaded, %d file messages; want one each", len(texts), len(books), len(files))
	}

	// Asked again, the workbook is built from the store as it is now: 东风村's 20 households
	// count (30 + 20 = 50 in 林东镇). The retry above would have sent this one had it built the
	// workbook anew.
	ask(svc, "msgDemandAsk02==", "sessDemandAsk02")
	if n := drain(svc); n != 1 {
		t.Fatalf("second 汇总: %d jobs ran", n)
	}
	_, books, _ = demandSent(fake, "sessDemandAsk02")
	if len(books) != 2 {
		t.Fatalf("workbooks uploaded: %d, want 2", len(books))
	}
	households = map[string]string{}
	for _, r := range demandBookRows(t, books[1].File)[1:] {
		households[strings.Join(r[1:4], "")] = r[4]
	}
	if want := map[string]string{"巴林左旗林东镇": "50", "巴林左旗林东镇红旗村": "30", "巴林左旗林东镇东风村": "20"}; !reflect.DeepEqual(households, want) {
		t.Fatalf("户数 by unit after 东风村's upload %v, want %v", households, want)
	}
	if _, _, _, bad := fake.state(); len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	pfAssertCleanLog(t, logs.String(), appSecret, "dingtalk-fake-access-token-", "dlcodeDemand0", "sessDemand", "fake-oss-sig")
}
