package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"zengshou/bot/store"
	"zengshou/config/redact"
	"zengshou/connectors"
)

// undoWindow is how long after an upload 撤销 can take it back: a wrong file is noticed in the
// days after (the reply shows what was read); later, the right ledger sent again corrects it.
const undoWindow = 7 * 24 * time.Hour

// undoCommand is 撤销 [编号]: it withdraws the results of an upload of this chat (the latest, or
// upload number N, “撤销 12”, “撤销 #12”) sent within undoWindow, for its uploader or an admin
// (store.Undo). The upload's number is shown in its reply. Without a number it is about the
// chat's files sent before it (self, its job): a file sent after it is not the one it means.
func (s *Service) undoCommand(ctx context.Context, ev *connectors.Event, arg string, self int64) jobResult {
	reply := func(text string) jobResult { return jobResult{Kind: "reply", Text: text} }
	mask := s.personMasker(ctx) // before the withdrawal deletes the names it knows
	arg = strings.TrimSpace(width.Narrow.String(arg))
	arg = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(arg, "上传编号"), "编号"))
	arg = strings.TrimSpace(strings.TrimPrefix(arg, "#"))
	// The same 撤销 message (a retried job) reports its withdrawal again; another is told it is done.
	key := ev.Platform + "\x00" + ev.ID
	up, err := s.st.UploadUndoneBy(ctx, key)
	if err != nil {
		s.log.WithError(err).Warn("command 撤销: upload")
		return jobResult{Kind: "error", Text: "暂时无法撤销，请稍后再试。"}
	}
	if up != nil {
		return s.undoUpload(ctx, ev, up, key, mask, "")
	}
	var job int64
	if arg != "" {
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n <= 0 {
			return reply("没有听懂“撤销 " + truncate(mask(arg), 20) + "”。发送“撤销”撤回自己在本群最近一次上传，或“撤销 编号”撤回指定的上传（编号见上传后的回复，如“上传编号 #12”）。")
		}
		job = n
	}
	// The chat's files sent before this message and still being evaluated (queued or running):
	// without a number, one of them would come after the upload 撤销 finds, and the cadre means
	// it. With one (撤销 N), a file evaluated while #N is withdrawn reads #N's points and
	// payments (its figures, and the rows it keeps as overwritten, are #N's) and may save after
	// the withdrawal, putting #N's amounts back. The files of a chat are evaluated one at a time
	// in the order sent, so once #N is saved those before it are done: the ones that count are
	// #N itself (saved, its job not yet finished: a retry would save it again) and those sent
	// between #N and this message. Either way nothing is withdrawn until their replies are out.
	// A file sent after this message is not waited for (nor by 撤销 without a number).
	n, err := s.st.PendingFiles(ctx, ev.Platform, ev.ChatID, self)
	if err != nil {
		s.log.WithError(err).Warn("command 撤销: pending files")
		return jobResult{Kind: "error", Text: "暂时无法撤销，请稍后再试。"}
	}
	if n > 0 {
		if job > 0 {
			return reply(fmt.Sprintf("本群还有文件正在处理，请等它的回复出来后再发送“撤销 %d”。", job))
		}
		return reply("本群还有文件正在处理，请等它的回复出来后再发送“撤销”（或“撤销 编号”）。")
	}
	up, err = s.st.UploadOf(ctx, ev.Platform, ev.ChatID, job, self, ev.SenderID)
	if err != nil {
		s.log.WithError(err).Warn("command 撤销: upload")
		return jobResult{Kind: "error", Text: "暂时无法撤销，请稍后再试。"}
	}
	if up == nil {
		if job > 0 {
			return reply(fmt.Sprintf("本群没有上传编号 #%d（只能撤销本群的上传）。", job))
		}
		return reply("本群还没有可撤销的上传。")
	}
	again := "" // plain 撤销 stays on the latest upload: one already withdrawn says how to reach an earlier one
	if job == 0 {
		again = "要撤销更早的上传，请发送“撤销 编号”（编号见上传后的回复，如“上传编号 #12”）。"
	}
	return s.undoUpload(ctx, ev, up, key, mask, again)
}

// undoUpload withdraws up for the 撤销 message key, when its sender may, and composes the reply;
// again is added to the reply when up was withdrawn already.
func (s *Service) undoUpload(ctx context.Context, ev *connectors.Event, up *store.Upload, key string, mask func(string) string, again string) jobResult {
	reply := func(text string) jobResult { return jobResult{Kind: "reply", Text: text} }
	name := mask(redact.Text(up.Name))
	what := fmt.Sprintf("上传编号 #%d《%s》（%s）", up.JobID, name, up.Period.Chinese())
	loc := s.Config().Reminders.Location()
	if up.UndoneAt.IsZero() {
		if up.Sender != ev.SenderID && !s.isAdmin(ev) {
			return reply("只有上传该文件的人或管理员可以撤销" + what + "。")
		}
		if now := s.clock.Now(); now.Sub(up.SavedAt) > undoWindow {
			return reply(fmt.Sprintf("%s是%s上传的，已超过%d天，不能撤销；如有错误，请上传更正后的台账。",
				what, up.SavedAt.In(loc).Format("1月2日"), int(undoWindow.Hours()/24)))
		}
	}
	res, err := s.st.Undo(ctx, up.JobID, ev.SenderID, key, s.clock.Now())
	if err != nil {
		s.log.WithError(err).Warn("command 撤销: undo")
		return jobResult{Kind: "error", Text: "撤销时出错，请稍后再试；如仍失败请联系管理员。"}
	}
	if res.Already {
		at := up.UndoneAt
		if at.IsZero() { // withdrawn meanwhile
			at = s.clock.Now()
		}
		return reply(fmt.Sprintf("%s已撤销过（%s），无需再撤销。", what, at.In(loc).Format("1月2日15:04")) + again)
	}
	var b strings.Builder
	b.WriteString(undoCounts(what, *res))
	if r := restoredText(res.Restoration); r != "" {
		b.WriteString("\n" + r)
	}
	if res.Covered > 0 {
		fmt.Fprintf(&b, "\n%d户的结果已被之后的上传覆盖，未撤销。", res.Covered)
	}
	if (!res.Kept && res.Payments > 0) || res.LostPayments > 0 {
		b.WriteString("\n删除的已发放记录不会恢复为这次上传之前的金额，请以正确台账的“已发放”为准。")
	}
	b.WriteString("\n进度、提醒和汇总不再计入这次上传。")
	switch {
	case (!res.Kept && res.Households > 0) || res.Lost > 0:
		// An upload saved before the rows it overwrote were kept (or whose earlier rows were of
		// one): the points of the same quarter it replaced are gone with it, not brought back.
		fmt.Fprintf(&b, "这些户%s的数据已清除（同一季度此前上传的也一并清除），请上传正确的台账以恢复。", up.Period.Chinese())
	case res.Restored > 0 && res.Points == res.Restored:
		// Every point it deleted is back as it was before: nothing to send again.
	case res.Points > res.Restored:
		fmt.Fprintf(&b, "%d户%s此前没有数据，已清除；现在可以上传正确的台账。", res.Points-res.Restored, up.Period.Chinese())
	case res.Restored == 0 && res.RestoredPayments == 0 && res.RestoredUnits == 0:
		b.WriteString("现在可以上传正确的台账。")
	}
	return reply(b.String())
}

// undoCounts is the first sentence of 撤销's reply: what the withdrawal changed, the counts that
// are not zero (“涉及1户，2项待办删除。”, “涉及2户。”); when it withdrew nothing at all, that said
// plainly.
func undoCounts(what string, res store.UndoResult) string {
	var counts []string
	for _, c := range []struct {
		n      int
		format string
	}{
		{res.Deleted, "%d项待办删除"},
		{res.Reopened, "%d项待办恢复为未完成"},
		{res.Payments, "%d条已发放记录删除"},
		{res.Closed, "%d项被这次上传重新提出的待办恢复为已完成"},
	} {
		if c.n > 0 {
			counts = append(counts, fmt.Sprintf(c.format, c.n))
		}
	}
	switch {
	case res.Households == 0 && len(counts) == 0 && restoredText(res.Restoration) != "":
		return fmt.Sprintf("已撤销%s。", what) // the next line says what it put back
	case res.Households == 0 && len(counts) == 0:
		return fmt.Sprintf("已撤销%s：这次上传已没有可撤回的结果。", what)
	case res.Households > 0:
		counts = append([]string{fmt.Sprintf("涉及%d户", res.Households)}, counts...)
	}
	return fmt.Sprintf("已撤销%s的结果：%s。", what, strings.Join(counts, "，"))
}

// restoredText says what a withdrawal (撤销, or a renamed upload's of the guessed one) put back of
// what the upload had overwritten: “已恢复为上传编号 #5 的数据：30户，2条已发放记录，3项待办的嘎查村或帮扶责任人。”;
// "" when nothing.
func restoredText(res store.Restoration) string {
	var what []string
	if res.Restored > 0 {
		what = append(what, fmt.Sprintf("%d户", res.Restored))
	}
	if res.RestoredPayments > 0 {
		what = append(what, fmt.Sprintf("%d条已发放记录", res.RestoredPayments))
	}
	if res.RestoredTasks > 0 {
		what = append(what, fmt.Sprintf("%d项待办的嘎查村或帮扶责任人", res.RestoredTasks))
	}
	if len(what) == 0 && res.RestoredUnits > 0 {
		what = append(what, "汇总")
	}
	if len(what) == 0 || len(res.RestoredFrom) == 0 {
		return ""
	}
	nos := make([]string, len(res.RestoredFrom))
	for i, j := range res.RestoredFrom {
		nos[i] = fmt.Sprintf("#%d", j)
	}
	return fmt.Sprintf("已恢复为上传编号 %s 的数据：%s。", strings.Join(nos, "、"), strings.Join(what, "，"))
}
