package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/bot/store"
	"zengshou/config"
	"zengshou/config/redact"
	"zengshou/connectors"
)

// jobResult is what a job keeps between stages (stored as JSON in the job row).
type jobResult struct {
	Text     string   `json:"text"`
	File     string   `json:"file,omitempty"`      // path of the result workbook
	FileName string   `json:"file_name,omitempty"` // name shown in the chat
	Kind     string   `json:"kind"`                // reply | error
	Mentions []string `json:"mentions,omitempty"`
	// Book is what File is: "" an upload's result workbook, bookSummary 汇总's summary workbook
	// (the reply's words when the file cannot be sent).
	Book string `json:"book,omitempty"`
}

// bookSummary is jobResult.Book of 汇总's summary workbook (summary_demand.go).
const bookSummary = "summary"

// permanentError is a failure that retrying cannot fix; Message is the plain Chinese reply.
type permanentError struct {
	Message string
	Err     error
	Alert   bool // the admins are told too (an internal error: the reply says they know)
}

func (e *permanentError) Error() string { return e.Message + ": " + fmt.Sprint(e.Err) }
func (e *permanentError) Unwrap() error { return e.Err }

// RunWorkers runs cfg.Workers.Count workers until ctx ends; each finishes its current job
// before returning (a job cut short by the process dying is requeued at the next start).
func (s *Service) RunWorkers(ctx context.Context) {
	n := max(1, s.Config().Workers.Count)
	done := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			idle := time.NewTimer(time.Second)
			defer idle.Stop()
			for ctx.Err() == nil {
				worked, err := s.WorkOnce(context.WithoutCancel(ctx), s.wakeOne)
				if err != nil {
					s.log.WithError(err).Warn("worker: claim failed")
				}
				if worked {
					continue
				}
				// Nothing ready: sleep until a job is accepted (or one comes due for a retry).
				idle.Reset(time.Second)
				select {
				case <-ctx.Done():
				case <-s.wake:
				case <-idle.C:
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
}

// lease is how long a worker holds a job before another may take it over.
func (s *Service) lease() time.Duration {
	return s.Config().Limits.ParseTimeout + 2*time.Minute
}

// WorkOnce claims one ready job and runs it to its end (done, failed or queued for a retry).
// It reports whether there was a job. claimed, when given, runs as soon as a job is claimed
// (the workers use it to wake an idle worker for the next job of a burst).
func (s *Service) WorkOnce(ctx context.Context, claimed ...func()) (bool, error) {
	j, err := s.st.Claim(ctx, s.owner, s.clock.Now(), s.lease())
	if err != nil || j == nil {
		return false, err
	}
	for _, f := range claimed {
		f()
	}
	start := time.Now()
	s.runJob(ctx, j)
	s.metrics.seconds.WithLabelValues(j.Kind).Observe(time.Since(start).Seconds())
	return true, nil
}

func (s *Service) runJob(ctx context.Context, j *store.Job) {
	log := s.log.WithFields(logrus.Fields{"job": j.ID, "platform": j.Platform, "chat": j.ChatID, "attempt": j.Attempts})
	var ev connectors.Event
	if err := json.Unmarshal(j.Event, &ev); err != nil {
		_ = s.st.Finish(ctx, j.ID, s.owner, store.JobFailed, "bad event: "+err.Error(), s.clock.Now())
		return
	}
	err := s.pipeline(ctx, j, &ev, log)
	if err == nil {
		if err := s.st.Finish(ctx, j.ID, s.owner, store.JobDone, "", s.clock.Now()); err != nil {
			log.WithError(err).Warn("job: finish")
		}
		s.metrics.jobs.WithLabelValues("done").Inc()
		log.Info("job: done")
		return
	}
	cfg := s.Config()
	var perm *permanentError
	if !errors.As(err, &perm) && j.Attempts < max(1, cfg.Workers.RetryMax) {
		delay := cfg.Workers.RetryBase << (j.Attempts - 1)
		if ra := connectors.RetryAfter(err); ra > delay {
			delay = ra
		}
		delay = min(delay, time.Hour)
		log.WithError(errors.New(redact.Text(err.Error()))).WithField("retry_in", delay.String()).Warn("job: transient failure, will retry")
		if err := s.st.Retry(ctx, j.ID, s.owner, s.clock.Now().Add(delay), redact.Text(err.Error()), s.clock.Now()); err != nil {
			log.WithError(err).Warn("job: retry")
		}
		s.metrics.jobs.WithLabelValues("retried").Inc()
		return
	}
	msg := "处理失败，请稍后重新上传；如仍失败请联系管理员。"
	if perm != nil {
		msg = perm.Message
		if perm.Alert { // the reply says the admins know: make it so
			s.alertAdmins(ctx, j, fmt.Sprintf("%s处理时出现内部错误，上传者已收到出错回复：%s", jobName(j), redact.Text(fmt.Sprint(perm.Err))))
		}
	} else {
		s.alertAdmins(ctx, j, fmt.Sprintf("%s多次重试后仍失败（%d 次）：%s", jobName(j), j.Attempts, redact.Text(err.Error())))
	}
	logged := err
	if perm != nil && perm.Err != nil {
		logged = perm.Err // the cause: the message names the uploaded file, which may name a household
	}
	log.WithError(errors.New(redact.Text(logged.Error()))).Warn("job: failed")
	// The cadre still gets an answer: a failure is never silent.
	res := jobResult{Kind: "error", Text: msg}
	if rerr := s.reply(ctx, j, &ev, res); rerr != nil {
		var rperm *permanentError
		if !errors.As(rerr, &rperm) && !connectors.IsPermanent(rerr) {
			// Backoff as for any transient failure: a platform down for an hour is not called
			// every retry_base.
			delay := min(cfg.Workers.RetryBase<<min(j.Attempts, 20), time.Hour)
			log.WithError(rerr).WithField("retry_in", delay.String()).Warn("job: error reply not sent; will retry")
			_ = s.st.Retry(ctx, j.ID, s.owner, s.clock.Now().Add(delay), "error reply: "+redact.Text(rerr.Error()), s.clock.Now())
			return
		}
		// The chat refuses every message (the bot was removed): nobody there can be told, and
		// retrying would call the platform for ever. The admins were alerted by reply.
		log.WithError(errors.New(redact.Text(rerr.Error()))).Warn("job: the chat cannot be answered; giving up")
	}
	_ = s.st.Finish(ctx, j.ID, s.owner, store.JobFailed, redact.Text(err.Error()), s.clock.Now())
	s.metrics.jobs.WithLabelValues("failed").Inc()
}

// pipeline runs the job's remaining stages. Each stage is recorded, so a job interrupted by a
// crash resumes where it was: a file downloaded once is not downloaded again, a result
// computed once is replied, and a reply is sent with an idempotency key so a resend after a crash
// is dropped by the platform (and by the local connector).
func (s *Service) pipeline(ctx context.Context, j *store.Job, ev *connectors.Event, log *logrus.Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.WithField("stack", string(debug.Stack())).Error("job: panic")
			err = &permanentError{Message: "处理这个文件时出现内部错误，已记录并通知管理员。请稍后重试或联系管理员。", Err: fmt.Errorf("panic: %v", r), Alert: true}
		}
	}()
	stage := j.Stage
	if ev.Kind == connectors.EventText {
		if stage != store.StageEvaluated {
			if err := s.renew(ctx, j); err != nil {
				return err
			}
			res := s.command(ctx, ev, s.jobDir(j.ID), j.ID)
			b, _ := json.Marshal(res)
			if err := s.st.SetStage(ctx, j.ID, s.owner, store.StageEvaluated, b, s.clock.Now()); err != nil {
				return err
			}
			j.Result = b
		}
		var res jobResult
		_ = json.Unmarshal(j.Result, &res)
		if err := s.renew(ctx, j); err != nil {
			return err
		}
		return s.reply(ctx, j, ev, res)
	}
	if ev.File == nil {
		return &permanentError{Message: "没有收到文件。", Err: errors.New("file event without file")}
	}
	dir := s.jobDir(j.ID)
	if stage == store.StageNew {
		if err := s.renew(ctx, j); err != nil {
			return err
		}
		named, err := s.download(ctx, ev, dir)
		if err != nil {
			return err
		}
		faultPoint("download")
		if named {
			// The event had no file name and the download gave one (WeCom): keep it with the
			// stage, so a restart from here still names the file and reads its quarter.
			b, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("job event: %w", err)
			}
			if err := s.st.SetStageEvent(ctx, j.ID, s.owner, store.StageDownloaded, b, nil, s.clock.Now()); err != nil {
				return err
			}
			j.Event = b
		} else if err := s.st.SetStage(ctx, j.ID, s.owner, store.StageDownloaded, nil, s.clock.Now()); err != nil {
			return err
		}
		stage = store.StageDownloaded
	}
	input := uploadPath(dir, ev.File.Name)
	if stage == store.StageDownloaded {
		if err := s.renew(ctx, j); err != nil {
			return err
		}
		res, err := s.process(ctx, j, ev, input, filepath.Join(dir, "result.xlsx"))
		if err != nil {
			return err
		}
		faultPoint("evaluate")
		b, _ := json.Marshal(res)
		if err := s.st.SetStage(ctx, j.ID, s.owner, store.StageEvaluated, b, s.clock.Now()); err != nil {
			return err
		}
		j.Result = b
		stage = store.StageEvaluated
	}
	var res jobResult
	if err := json.Unmarshal(j.Result, &res); err != nil {
		return fmt.Errorf("job result: %w", err)
	}
	if err := s.renew(ctx, j); err != nil {
		return err
	}
	if err := s.reply(ctx, j, ev, res); err != nil {
		return err
	}
	faultPoint("reply")
	return s.st.SetStage(ctx, j.ID, s.owner, store.StageReplied, j.Result, s.clock.Now())
}

// renew extends the job's lease from now before a stage: each stage gets the whole lease, so a
// slow parse followed by a slow reply does not let another worker take the running job over.
func (s *Service) renew(ctx context.Context, j *store.Job) error {
	return s.st.Extend(ctx, j.ID, s.owner, s.clock.Now().Add(s.lease()))
}

// uploadPath is where a job keeps the uploaded file: a fixed name with the upload's extension.
func uploadPath(dir, name string) string {
	return filepath.Join(dir, "upload"+uploadExt(name))
}

// uploadExt keeps a known extension (for LibreOffice conversion) and nothing else of the name.
// A file without a known extension is stored as .xlsx: the reader sniffs the content anyway,
// and the writer (excelize) refuses to save a workbook opened from any other extension. WeCom's
// events give no file name (an encrypted URL, a MediaId); its download usually does.
func uploadExt(name string) string {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".xlsx", ".xlsm", ".xls", ".et", ".ett", ".csv":
		return ext
	}
	return ".xlsx"
}

// download saves the event's file in dir (at uploadPath). When the event has no file name and
// the connector learns one while downloading (connectors.NamedDownloader), it sets
// ev.File.Name and reports named: the caller stores the event with the stage.
func (s *Service) download(ctx context.Context, ev *connectors.Event, dir string) (named bool, err error) {
	c := s.conn(ev.Platform)
	if c == nil {
		return false, &permanentError{Message: "该平台未启用，无法下载文件。", Err: fmt.Errorf("no connector %q", ev.Platform)}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false, fmt.Errorf("download: %w", err)
	}
	max := int64(s.Config().Limits.MaxFileMB) << 20
	if lim := c.Limits().MaxFileBytes; lim > 0 && lim < max {
		max = lim
	}
	tmp := uploadPath(dir, ev.File.Name) + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return false, fmt.Errorf("download: %w", err)
	}
	var name string
	if nd, ok := c.(connectors.NamedDownloader); ok {
		_, name, err = nd.DownloadNamed(ctx, *ev.File, f, max)
	} else {
		_, err = c.Download(ctx, *ev.File, f, max)
	}
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		os.Remove(tmp)
		if nc := s.conn(ev.Platform); nc != nil && nc != c && !errors.Is(err, connectors.ErrTooLarge) {
			// A config reload rebuilt the connector during the download (a rotated secret): the
			// old one's failure says nothing of the file; the retry downloads with the new one.
			return false, fmt.Errorf("download: the connector was rebuilt meanwhile: %v", err)
		}
		if errors.Is(err, connectors.ErrTooLarge) {
			return false, &permanentError{Message: fmt.Sprintf("文件超过 %d MB 的大小上限，请拆分后重新上传（例如每个乡镇一个文件）。", max>>20), Err: err}
		}
		if connectors.IsPermanent(err) {
			return false, &permanentError{Message: "文件无法下载（可能已过期或机器人没有权限），请重新发送文件。", Err: err}
		}
		return false, fmt.Errorf("download: %w", err)
	}
	// Display only: cleaned again whatever the connector did, and never part of a path.
	if name = connectors.CleanFileName(name); ev.File.Name == "" && name != "" {
		ev.File.Name, named = name, true
	}
	return named, os.Rename(tmp, uploadPath(dir, ev.File.Name))
}

// reply sends a job's answer to the chat it came from.
func (s *Service) reply(ctx context.Context, j *store.Job, ev *connectors.Event, res jobResult) error {
	c := s.conn(ev.Platform)
	if c == nil {
		return &permanentError{Message: "platform not enabled", Err: fmt.Errorf("no connector %q", ev.Platform)}
	}
	// ID and phone numbers never leave in a chat's text, whatever composed it (a last line of
	// defence behind the masking where the text is written).
	m := connectors.Message{Kind: res.Kind, ChatID: ev.ChatID, Text: redact.Text(res.Text), Mentions: res.Mentions,
		ReplyTo: ev.ID, Reply: ev.Reply}
	if m.Kind == "" {
		m.Kind = "reply"
	}
	// The error text after a failed reply has a key of its own: the reply's text may have gone
	// out before its file failed, and a platform drops a second message under a used key
	// (Feishu's uuid does, whatever the content).
	m.IdempotencyKey = fmt.Sprintf("job-%d-reply", j.ID)
	if m.Kind == "error" {
		m.IdempotencyKey = fmt.Sprintf("job-%d-error", j.ID)
	}
	if ev.ChatType == connectors.ChatDirect && ev.ChatID == "" {
		m.UserIDs = []string{ev.SenderID}
	}
	if res.File != "" {
		data, err := os.ReadFile(res.File)
		if err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		if lim := c.Limits().MaxFileBytes; lim > 0 && int64(len(data)) > lim {
			// The platform would refuse the file and the reply with it: the figures, tasks and
			// problems go without the workbook, and say why.
			mb := float64(len(data)) / (1 << 20)
			if res.Book == bookSummary {
				m.Text = summaryTooLarge(m.Text, mb, lim>>20)
			} else {
				m.Text = strings.Replace(m.Text, "结果已写回工作簿（见附件）", "结果已写回工作簿", 1) +
					fmt.Sprintf("\n注意：结果工作簿（%.1f MB）超过平台的文件大小上限（%d MB），无法发回群里：请把台账按乡镇或嘎查村拆分后分别上传。", mb, lim>>20)
			}
		} else {
			m.File = &connectors.Attachment{Name: res.FileName, Data: data}
		}
	}
	for _, part := range splitText(m.Text, c.Limits().MaxTextRunes) {
		mm := m
		mm.Text = part.text
		if part.index > 0 {
			mm.File = nil
			mm.IdempotencyKey = fmt.Sprintf("%s-%d", m.IdempotencyKey, part.index)
		}
		_, err := c.Send(ctx, mm)
		if err != nil {
			// A config reload replaced the platform's connector while this send was under way
			// (a rotated secret: the old one's credentials are refused). The new one sends it
			// once more under the same key; the parts already delivered are not sent again.
			if nc := s.conn(ev.Platform); nc != nil && nc != c {
				s.log.WithFields(logrus.Fields{"job": j.ID, "platform": ev.Platform}).Info("reply: the connector was rebuilt during the send; sending with the new one")
				c = nc
				_, err = c.Send(ctx, mm)
			}
		}
		if err != nil {
			if connectors.IsPermanent(err) {
				s.alertAdmins(ctx, j, jobName(j)+"的回复发送失败："+redact.Text(err.Error()))
				msg := "回复发送失败，已通知管理员处理。"
				switch {
				case res.File != "" && res.Book == bookSummary:
					msg = "汇总工作簿已生成，但发送失败（可能文件超过平台大小上限，或机器人没有发送文件的权限），已通知管理员处理。"
				case res.File != "":
					msg = "结果工作簿已算好，但发送失败（可能文件超过平台大小上限，或机器人没有发送文件的权限），已通知管理员处理。"
				}
				return &permanentError{Message: msg, Err: err}
			}
			return fmt.Errorf("reply: %w", err)
		}
	}
	return nil
}

type textPart struct {
	index int
	text  string
}

// splitText splits a long text at line breaks into parts of at most n runes.
func splitText(s string, n int) []textPart {
	if n <= 0 || len([]rune(s)) <= n {
		return []textPart{{0, s}}
	}
	var parts []textPart
	var cur bytes.Buffer
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, textPart{len(parts), strings.TrimRight(cur.String(), "\n")})
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		r := []rune(line)
		for len(r) > n {
			flush()
			parts = append(parts, textPart{len(parts), string(r[:n])})
			r = r[n:]
		}
		if curLen+len(r) > n {
			flush()
		}
		cur.WriteString(string(r))
		curLen += len(r)
	}
	flush()
	return parts
}

// jobName is how the admins' alerts name a job: where it was sent (群“…” or 私聊, with the
// platform unless it is the local inbox) and its number as its reply shows it (上传编号 #N).
func jobName(j *store.Job) string {
	where := "私聊"
	if j.ChatID != "" {
		where = "群“" + j.ChatID + "”"
	}
	if p := map[string]string{"feishu": "飞书", "wecom": "企业微信", "dingtalk": "钉钉"}[j.Platform]; p != "" {
		where = p + where
	}
	if j.Kind == string(connectors.EventFile) {
		return fmt.Sprintf("%s的上传编号 #%d ", where, j.ID)
	}
	return fmt.Sprintf("%s的命令（#%d）", where, j.ID)
}

// alertAdmins tells the admins (roster) about something they must act on.
func (s *Service) alertAdmins(ctx context.Context, j *store.Job, text string) {
	s.alertAdminsOnce(ctx, fmt.Sprintf("alert-%d", j.ID), text)
}

// ConfigRejected tells the admins that the config file they saved is invalid and the last good
// config stays in force, with every problem (key, value, reason): the log alone was not seen by
// the admin who edited the file, whose change silently did not happen. Once per distinct set of
// problems a day and config in force: the same mistake made again after a good file is told again.
func (s *Service) ConfigRejected(ctx context.Context, err error) {
	text := err.Error()
	var ce *config.Error
	if errors.As(err, &ce) {
		text = "- " + strings.Join(ce.Problems, "\n- ")
	}
	sum := sha256.Sum256([]byte(text))
	day := s.clock.Now().In(s.Config().Reminders.Location()).Format("20060102")
	// A missing secret names its environment variable, which the running service does not read
	// again: an admin who set it and saved the file would be refused again.
	note := ""
	if strings.Contains(text, "环境变量") {
		note = "\n环境变量要重启服务后才生效；不重启时请把密钥写进文件，在该项写 file:文件路径（如 file:/run/secrets/feishu）后再保存配置文件。"
	}
	s.cfgRefused.Store(true)
	s.alertAdminsOnce(ctx, fmt.Sprintf("config-%s-%d-%d-%x", day, s.cfgStart, s.cfgGen.Load(), sum[:6]),
		"配置文件有误，修改未生效，服务仍在使用上一份正确的配置。请改正后保存（可先运行 zengshou config check 检查）：\n"+redact.Text(text)+note)
}

// ConfigApplied tells the admins, after a refused file was told to them, that the file saved
// since (already set with SetConfig) is in force: without it the admin who fixed it heard nothing.
// restart names the keys changed that wait for a restart (config.NeedsRestart): they are told
// too, also after a file nobody was told about, since only the log said so.
func (s *Service) ConfigApplied(ctx context.Context, restart []string) {
	wait := ""
	if len(restart) > 0 {
		wait = "以下设置要重启服务后才生效：" + strings.Join(restart, "、") + "。"
	}
	key := fmt.Sprintf("config-ok-%d-%d", s.cfgStart, s.cfgGen.Load())
	switch {
	case s.cfgRefused.CompareAndSwap(true, false):
		s.noticeAdminsOnce(ctx, key, "配置文件已改正，新配置已生效。"+wait)
	case wait != "":
		s.noticeAdminsOnce(ctx, key, "配置已重新加载；"+wait)
	}
}

// alertAdminsOnce sends text to every admin once for the key prefix, as an error (kind "error").
func (s *Service) alertAdminsOnce(ctx context.Context, prefix, text string) {
	s.adminsOnce(ctx, prefix, "error", text)
}

// noticeAdminsOnce is alertAdminsOnce for news that is no error (a config in force): kind
// "notice", which the platforms send as plain text as they send "error"; the local connector's
// record (messages.jsonl, console) no longer calls it an error.
func (s *Service) noticeAdminsOnce(ctx context.Context, prefix, text string) {
	s.adminsOnce(ctx, prefix, "notice", text)
}

func (s *Service) adminsOnce(ctx context.Context, prefix, kind, text string) {
	cfg := s.Config()
	for _, a := range cfg.Roster.Admins {
		for platform, id := range a.IDs {
			c := s.conn(platform)
			if c == nil || id == "" {
				continue
			}
			key := fmt.Sprintf("%s-%s-%s", prefix, platform, id)
			if ok, _ := s.st.ClaimSend(ctx, key, "alert", platform+":"+id, "", s.clock.Now()); !ok {
				continue
			}
			if _, err := c.Send(ctx, connectors.Message{Kind: kind, UserIDs: []string{id}, Text: "【增收助手·管理员提醒】" + text, IdempotencyKey: key}); err != nil {
				_ = s.st.Unclaim(ctx, key)
				continue
			}
			_ = s.st.SendDone(ctx, key, s.clock.Now())
		}
	}
}

// FaultEnv names the point at which the process kills itself (SIGKILL): "accept" (job stored,
// platform not yet acknowledged), "download" (file saved, stage not recorded), "evaluate" (result
// stored, not replied), "reply" (reply sent, not recorded). Only the crash tests set it; they
// prove that a job survives kill -9 anywhere between receipt and reply and is answered once.
const FaultEnv = "ZENGSHOU_FAULT_KILL_AT"

func faultPoint(name string) {
	if os.Getenv(FaultEnv) == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns
	}
}
