package bot_test

// A restart between two parts of a reply: the text went out, the file upload hit DingTalk's
// call limit, the service stopped before the retry. The service after the restart builds new
// connectors (bot.BuildConnectors, as `zengshou serve` does) on the same store: the retried job
// sends the file only, the group does not see the text twice.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/dingtalk"
)

func TestRestartBetweenReplyPartsSendsTheTextOnce(t *testing.T) {
	session, robot := restartBetweenReplyParts(t, true)
	if len(session) != 1 {
		t.Fatalf("the reply's text was posted %d times, want once", len(session))
	}
	if len(robot) != 1 || robot[0].Body["msgKey"] != "sampleFile" {
		t.Fatalf("robot messages %+v, want the file once", robot)
	}
}

// The control: with the connectors' memory alone (the record before it was kept in the store),
// the same restart shows the text twice. It keeps the test above honest.
func TestRestartBetweenReplyPartsInMemoryRepeatsTheText(t *testing.T) {
	session, robot := restartBetweenReplyParts(t, false)
	if len(session) != 2 || len(robot) != 1 {
		t.Fatalf("%d text posts and %d robot messages; the in-memory record should have repeated the text", len(session), len(robot))
	}
}

// restartBetweenReplyParts runs the scenario and returns the sessionWebhook posts (the texts)
// and the robot OpenAPI messages (the file) the fake received. persist says whether the
// service's connectors get the store's PartLog, as in bot.Run, or none.
func restartBetweenReplyParts(t *testing.T, persist bool) (session, robot []pfCall) {
	t.Helper()
	const appKey, appSecret = "dingrestartappkey", "dingtalk-restart-app-secret-01"
	fake := newPFDingTalk(t, appKey, appSecret)
	fake.files["dlcodeRestart01=="] = pfLedger(t)
	fake.limitUploads = 1

	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Local.Enabled = false
	cfg.Workers.RetryBase = time.Second
	cfg.DingTalk = dingtalk.Config{Enabled: true, AppKey: appKey, AppSecret: appSecret, Mode: dingtalk.ModeHTTP,
		BaseURL: fake.srv.URL, OapiURL: fake.srv.URL}
	clock := bot.NewFakeClock(pfNow())
	logs := &pfLog{}
	log := bot.NewLogger(config.Log{Level: "debug", Format: "json"}, logs)
	ctx := context.Background()

	// start is one run of the service: the store opened, jobs left running requeued, the
	// connectors built anew.
	start := func() (*store.Store, *bot.Service) {
		st, err := store.Open(filepath.Join(dir, "zengshou.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecoverAll(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		var sent connectors.PartLog
		if persist {
			sent = store.NewPartLog(st, clock.Now, log, 0)
		}
		conns, err := bot.BuildConnectors(cfg, dir, io.Discard, clock, log, sent)
		if err != nil {
			t.Fatal(err)
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

	st, svc := start()
	now := clock.Now()
	body, _ := json.Marshal(map[string]any{
		"conversationId": "cidRestartSingle==", "conversationType": "1", "msgId": "msgRestartFile01==", "msgtype": "file",
		"content":       map[string]string{"downloadCode": "dlcodeRestart01==", "fileName": "新村台账.xlsx", "fileId": "117000850", "spaceId": "223000575"},
		"senderStaffId": "staff001", "senderId": "$:LWCP_v1:$senderRestart", "senderNick": "张三", "senderCorpId": "dingcorprestart",
		"chatbotUserId": "$:LWCP_v1:$bot", "robotCode": appKey, "isInAtList": true, "createAt": now.UnixMilli(),
		"sessionWebhook":            fake.srv.URL + "/robot/sendBySession?session=sessRestart01",
		"sessionWebhookExpiredTime": now.Add(90 * time.Minute).UnixMilli(),
	})
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	req := httptest.NewRequest(http.MethodPost, "/callback/dingtalk", bytes.NewReader(body))
	req.Header = http.Header{"Content-Type": {"application/json"}, "Timestamp": {ts}, "Sign": {pfDingTalkSign(ts, appSecret)}}
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	drain(svc)
	uploads, robot, session, bad := fake.state()
	if len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	if len(session) != 1 || len(robot) != 0 || len(uploads) != 0 {
		t.Fatalf("before the restart: %d texts, %d robot messages, %d uploads; want the text only", len(session), len(robot), len(uploads))
	}
	if j, _ := st.GetJob(ctx, 1); j == nil || j.State == store.JobDone {
		t.Fatalf("job 1 after the rate limit: %+v, want it waiting for a retry", j)
	}

	// The restart: the process ends without a word to the connectors, the new one starts on the
	// same data directory.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	st, svc = start()
	defer st.Close()
	if n := drain(svc); n != 1 {
		t.Fatalf("after the restart %d jobs ran, want the retry", n)
	}
	if j, _ := st.GetJob(ctx, 1); j == nil || j.State != store.JobDone || j.Stage != store.StageReplied {
		t.Fatalf("job 1 after the retry: %+v", j)
	}
	uploads, robot, session, bad = fake.state()
	if len(bad) > 0 {
		t.Fatalf("the fake refused calls: %v", bad)
	}
	if len(uploads) != 1 || uploads[0].Form["type"] != "file" {
		t.Fatalf("uploads: %+v", uploads)
	}
	pfAssertCleanLog(t, logs.String(), appSecret, "dingtalk-fake-access-token-", "dlcodeRestart01", "sessRestart01", "fake-oss-sig")
	return session, robot
}
