package bot_test

// WeCom's file events carry no file name (the smart robot gives an encrypted URL, an app
// callback a MediaId); the download names the file in Content-Disposition
// (connectors.NamedDownloader). The service uses that name wherever the event's would have been
// used: the stored job, the reply, the result file's name and the quarter the name states.

import (
	"context"
	"database/sql"
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

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/wecom"
)

const (
	q2LedgerName = "2026年第2季度脱贫户收入台账.xlsx"
	// q2LedgerName percent-encoded as UTF-8, as RFC 5987 sends it.
	q2LedgerPct = "2026%E5%B9%B4%E7%AC%AC2%E5%AD%A3%E5%BA%A6%E8%84%B1%E8%B4%AB%E6%88%B7%E6%94%B6%E5%85%A5%E5%8F%B0%E8%B4%A6.xlsx"
)

// q2Ledger is a generated ledger whose income columns run to the end of 2026Q2.
func q2Ledger(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q2.xlsx")
	if err := ledger.GenerateFile(path, 30, 11, ledger.GenOptions{Quarter: 2, Villages: 2}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storedFileName is the file name kept in job 1's stored event.
func storedFileName(t *testing.T, st *store.Store) string {
	t.Helper()
	j, err := st.GetJob(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var ev connectors.Event
	if err := json.Unmarshal(j.Event, &ev); err != nil || ev.File == nil {
		t.Fatalf("job event: %v %s", err, j.Event)
	}
	return ev.File.Name
}

// The service on 2026-11-30 (2026Q4) gets WeCom file events without a name; the download names
// the file. A smart-robot file named 2026年第2季度… by an RFC 5987 filename* is evaluated for
// 2026Q2 and named in the reply and the result; an app-callback file whose media/get name is
// hostile (directories, a CR LF, a phone number) is named as a masked display name only.
func TestWeComFileNamedByDownloadThroughService(t *testing.T) {
	const (
		corpID, secret = "wx5823bf96d3bd56c7", "wecom-name-app-secret-0123"
		token, aesKey  = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		agentID        = 1000002
	)
	setup := func(t *testing.T) (*pfWeCom, *pfService, []byte) {
		key := pfWeComKey(t, aesKey)
		fake := newPFWeCom(t, corpID, secret, key)
		p := newPFWeComService(t, wecom.Config{Enabled: true, CorpID: corpID, AgentID: agentID, Secret: secret, Token: token,
			EncodingAESKey: aesKey, BaseURL: fake.srv.URL})
		return fake, p, key
	}
	// replyOf joins what the cadre was shown: response_url markdown and app texts.
	replyOf := func(t *testing.T, fake *pfWeCom) (text string, files []string, uploads []pfCall) {
		t.Helper()
		uploads, _, shown, responses, bad := fake.state()
		if len(bad) > 0 {
			t.Fatalf("the fake refused calls: %v", bad)
		}
		for _, r := range responses {
			md, _ := r.Body["markdown"].(map[string]any)
			s, _ := md["content"].(string)
			text += s + "\n"
		}
		for _, m := range shown {
			switch m.Body["msgtype"] {
			case "text":
				text += m.Body["text"].(map[string]any)["content"].(string) + "\n"
			case "file":
				files = append(files, m.Body["file"].(map[string]any)["media_id"].(string))
			}
		}
		return text, files, uploads
	}

	t.Run("smart robot, RFC 5987 name", func(t *testing.T) {
		fake, p, key := setup(t)
		fake.robot["/robotfile/q2"] = q2Ledger(t)
		fake.names["/robotfile/q2"] = `attachment; filename="ledger.xlsx"; filename*=UTF-8''` + q2LedgerPct
		payload := map[string]any{
			"msgid": "CAIQ16HMjQYYNAME0001", "aibotid": "AIBOTNAME", "chattype": "single",
			"from": map[string]string{"userid": "zhangsan"}, "create_time": pfNow().Unix(),
			"response_url": fake.srv.URL + "/cgi-bin/aibot/response?response_code=RC-NAME-1",
			"msgtype":      "file",
			"file":         map[string]string{"url": fake.srv.URL + "/robotfile/q2"}, // no name: the documented shape
		}
		plain, _ := json.Marshal(payload)
		enc := pfWeComEncrypt(key, plain, "")
		ts := strconv.FormatInt(p.clock.Now().Unix(), 10)
		q := url.Values{"msg_signature": {pfWeComSig(token, ts, "name-1", enc)}, "timestamp": {ts}, "nonce": {"name-1"}}
		body, _ := json.Marshal(map[string]string{"encrypt": enc})
		if code, ans := p.post(wecom.BotCallbackPath+"?"+q.Encode(), http.Header{"Content-Type": {"application/json"}}, body); code != http.StatusOK {
			t.Fatalf("callback: %d %s", code, ans)
		}
		if got := storedFileName(t, p.st); got != "" {
			t.Fatalf("the event already had a name %q: this test needs one without", got)
		}
		if n := p.drain(); n != 1 {
			t.Fatalf("jobs run: %d, want 1", n)
		}
		p.onlyJob()
		text, files, uploads := replyOf(t, fake)
		if !strings.Contains(text, "已处理《"+q2LedgerName+"》（2026年第2季度，") {
			t.Fatalf("reply does not name the file and its quarter:\n%s", text)
		}
		if containsID(text) {
			t.Fatalf("reply shows an ID number:\n%s", text)
		}
		if len(uploads) != 1 || uploads[0].FileName != "2026年第2季度脱贫户收入台账-增收计算结果.xlsx" || len(files) != 1 {
			t.Fatalf("result file: uploads %+v, file messages %v", uploads, files)
		}
		pfCheckResult(t, uploads[0].File)
		if got := storedFileName(t, p.st); got != q2LedgerName {
			t.Fatalf("stored job's file name %q, want %q", got, q2LedgerName)
		}
		// The evaluation is stored for 2026Q2, not for the upload's quarter.
		if h := householdPeriods(t, p.dir); len(h) != 1 || h[0] != "2026Q2" {
			t.Fatalf("stored household periods %v, want [2026Q2]", h)
		}
	})

	t.Run("app callback, hostile media/get name", func(t *testing.T) {
		fake, p, key := setup(t)
		fake.media["MEDIA-NAME-1"] = q2Ledger(t)
		// ../../ and a CR LF (percent-encoded: a raw one cannot be in a header), a phone number.
		fake.names["MEDIA-NAME-1"] = `attachment; filename*=UTF-8''..%2F..%2Ftmp%2F%E7%BA%A2%E6%97%97%E6%9D%9113812345678%E5%8F%B7%0D%0A2026Q2%E5%8F%B0%E8%B4%A6.xlsx`
		xml := `<xml><ToUserName><![CDATA[` + corpID + `]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>` +
			`<CreateTime>` + strconv.FormatInt(pfNow().Unix(), 10) + `</CreateTime><MsgType><![CDATA[file]]></MsgType>` +
			`<MediaId><![CDATA[MEDIA-NAME-1]]></MediaId><MsgId>7000000000000000123</MsgId><AgentID>1000002</AgentID></xml>`
		enc := pfWeComEncrypt(key, []byte(xml), corpID)
		ts := strconv.FormatInt(p.clock.Now().Unix(), 10)
		q := url.Values{"msg_signature": {pfWeComSig(token, ts, "name-2", enc)}, "timestamp": {ts}, "nonce": {"name-2"}}
		body := `<xml><ToUserName><![CDATA[` + corpID + `]]></ToUserName><Encrypt><![CDATA[` + enc + `]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`
		if code, ans := p.post(wecom.AppCallbackPath+"?"+q.Encode(), http.Header{"Content-Type": {"text/xml"}}, []byte(body)); code != http.StatusOK {
			t.Fatalf("callback: %d %s", code, ans)
		}
		if n := p.drain(); n != 1 {
			t.Fatalf("jobs run: %d, want 1", n)
		}
		p.onlyJob()
		text, files, uploads := replyOf(t, fake)
		const shown = "红旗村138****5678号2026Q2台账.xlsx" // masked as replies are
		if !strings.Contains(text, "已处理《"+shown+"》（2026年第2季度，") {
			t.Fatalf("reply does not name the file (masked) and its quarter:\n%s", text)
		}
		if strings.Contains(text, "13812345678") || strings.Contains(text, "../") || strings.Contains(text, "tmp/") {
			t.Fatalf("reply shows the raw name:\n%s", text)
		}
		if len(uploads) != 1 || uploads[0].FileName != "红旗村138****5678号2026Q2台账-增收计算结果.xlsx" || len(files) != 1 {
			t.Fatalf("result file: uploads %+v, file messages %v", uploads, files)
		}
		// Stored clean but unmasked (the cadre's own name for the file); never a path.
		if got := storedFileName(t, p.st); got != "红旗村13812345678号2026Q2台账.xlsx" {
			t.Fatalf("stored job's file name %q", got)
		}
		entries, _ := os.ReadDir(filepath.Join(p.dir, "jobs", "1"))
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), "upload") && !strings.HasPrefix(e.Name(), "result") {
				t.Fatalf("job folder holds %q", e.Name())
			}
		}
		pfAssertCleanLog(t, p.logs.String(), secret, aesKey, "wecom-fake-access-token-", "13812345678")
	})
}

// householdPeriods lists the distinct periods of the stored household history.
func householdPeriods(t *testing.T, dir string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT DISTINCT period FROM households ORDER BY period`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// nmConn is a scripted connector (fxConn) whose download names the file, as WeCom's does.
type nmConn struct {
	*fxConn
	name string
}

func (c *nmConn) DownloadNamed(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, string, error) {
	n, err := c.Download(ctx, f, dst, max)
	if err != nil {
		return n, "", err
	}
	return n, c.name, nil
}

// A name the event already has stands; the download's is used only when the event has none.
// A connector without DownloadNamed is called through Download as before.
func TestDownloadNameOnlyFillsAMissingName(t *testing.T) {
	h := newHarness(t, nil)
	named := &nmConn{fxConn: newFxConn("named", q2Ledger(t)), name: q2LedgerName}
	plain := newFxConn("plain", q2Ledger(t))
	h.withConnectors(named, plain)
	ctx := context.Background()
	ev := fxFileEvent("named", "n1", "oc_n") // named 台账.xlsx by the event
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	ev = fxFileEvent("plain", "p1", "oc_p")
	ev.File.Name = ""
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := h.drain(); n != 2 {
		t.Fatalf("jobs run: %d", n)
	}
	if m := named.messages(); len(m) != 1 || !strings.Contains(m[0].Text, "已处理《台账.xlsx》（2026年第4季度，") || m[0].File.Name != "台账-增收计算结果.xlsx" {
		t.Fatalf("event's name: %+v", m)
	}
	if m := plain.messages(); len(m) != 1 || !strings.Contains(m[0].Text, "已处理《工作簿》（2026年第4季度，") {
		t.Fatalf("no name at all: %+v", m)
	}
}

// nameCrashDirEnv tells the child of TestDownloadedNameSurvivesKill where its data is.
const nameCrashDirEnv = "ZENGSHOU_TEST_NAME_CRASH_DIR"

// nameCrashService is the service of the kill test, in the child and after the restart: the
// same data folder, clock (2026Q4) and connector.
func nameCrashService(t *testing.T, dir string) (*bot.Service, *store.Store, *nmConn) {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Local.Enabled = false
	st, err := store.Open(filepath.Join(dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	file, err := os.ReadFile(filepath.Join(dir, "ledger.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	conn := &nmConn{fxConn: newFxConn("wecom", file), name: q2LedgerName}
	log := logrus.New()
	log.SetOutput(io.Discard)
	svc, err := bot.New(bot.Options{Config: cfg, Store: st, Connectors: []connectors.Connector{conn},
		Clock: bot.NewFakeClock(pfNow()), Log: logrus.NewEntry(log), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, conn
}

// TestDownloadedNameSurvivesKillChild is the process TestDownloadedNameSurvivesKill kills: it
// takes a file event without a name and works on it until bot.FaultEnv's point.
func TestDownloadedNameSurvivesKillChild(t *testing.T) {
	dir := os.Getenv(nameCrashDirEnv)
	if dir == "" {
		t.Skip("run by TestDownloadedNameSurvivesKill")
	}
	svc, _, _ := nameCrashService(t, dir)
	ev := fxFileEvent("wecom", "kill-1", "oc_kill")
	ev.File.Name = ""
	if err := svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	_, _ = svc.WorkOnce(context.Background())
	t.Fatalf("fault point %q not reached", os.Getenv(bot.FaultEnv))
}

// kill -9 after the download (name learned, stage not recorded), after the evaluation (stage
// "downloaded" recorded with the name, result lost) and after the reply (result recorded): the
// restarted service answers with the file's name and its quarter (2026Q2), and downloads again
// only when the download was not recorded, so the name comes from the stored job.
func TestDownloadedNameSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	file := q2Ledger(t)
	for _, fault := range []string{"download", "evaluate", "reply"} {
		t.Run(fault, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ledger.xlsx"), file, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestDownloadedNameSurvivesKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), nameCrashDirEnv+"="+dir, bot.FaultEnv+"="+fault)
			out, err := cmd.CombinedOutput()
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child ended with %v, want SIGKILL at %q\n%s", err, fault, out)
			}

			svc, st, conn := nameCrashService(t, dir)
			if _, err := st.RecoverAll(context.Background(), pfNow()); err != nil { // what `serve` does at start
				t.Fatal(err)
			}
			for {
				ok, err := svc.WorkOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
			}
			j, err := st.GetJob(context.Background(), 1)
			if err != nil || j.State != store.JobDone {
				t.Fatalf("job after restart: %+v %v", j, err)
			}
			downloads, _ := conn.counts()
			if want := map[bool]int{true: 1, false: 0}[fault == "download"]; downloads != want {
				t.Fatalf("downloads after the restart: %d, want %d", downloads, want)
			}
			msgs := conn.messages()
			if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "已处理《"+q2LedgerName+"》（2026年第2季度，") ||
				msgs[0].File == nil || msgs[0].File.Name != "2026年第2季度脱贫户收入台账-增收计算结果.xlsx" {
				t.Fatalf("reply after kill at %q: %s", fault, fmt.Sprint(msgs))
			}
			if got := storedFileName(t, st); got != q2LedgerName {
				t.Fatalf("stored file name %q", got)
			}
		})
	}
}
