package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/config"
	"zengshou/config/redact"
	"zengshou/connectors"
)

// The reminder pipeline follows Alertmanager: group open tasks per responsible cadre into one
// digest, keep a notification log so nothing is sent twice (across restarts too), wait a repeat
// interval before sending the same digest again, defer (never drop) during quiet hours and days
// off, escalate to the unit's leaders after N reminders or past the due date with fair warning
// beforehand, and acknowledge closed tasks in the next digest.

// Tick runs whatever schedule is due at the clock's now: the daily digest pass (escalations,
// then digests), the weekly leader summary, the quarterly 调度 summary and the daily cleanup of
// old job files (retention.files_days). A schedule runs at
// most once however far the clock jumped: a week of missed slots is one pass, not seven.
func (s *Service) Tick(ctx context.Context) error {
	cfg := s.Config()
	loc := cfg.Reminders.Location()
	now := s.clock.Now().In(loc)
	if cfg.Reminders.Enabled {
		if h, m, ok := config.ClockTime(cfg.Reminders.DigestTime); ok {
			if err := s.onSchedule(ctx, "digest", now, dailySlot(now, h, m), true, func() error {
				if _, err := s.Escalate(ctx); err != nil {
					return err
				}
				_, err := s.SendDigests(ctx, false)
				return err
			}); err != nil {
				return err
			}
		}
	}
	if day, h, m, ok := cfg.Summaries.WeeklyAt(); ok {
		if err := s.onSchedule(ctx, "weekly", now, weeklySlot(now, day, h, m), false, func() error {
			_, err := s.SendSummaries(ctx, "weekly")
			return err
		}); err != nil {
			return err
		}
	}
	if cfg.Summaries.Quarterly {
		h, m, ok := config.ClockTime(cfg.Reminders.DigestTime)
		if !ok {
			h, m = 9, 0
		}
		if err := s.onSchedule(ctx, "quarterly", now, quarterSlot(now, h, m), false, func() error {
			_, err := s.SendSummaries(ctx, "quarterly")
			return err
		}); err != nil {
			return err
		}
	}
	return s.retentionTick(ctx, now)
}

// onSchedule runs fn when slot (the latest scheduled time ≤ now) has not run yet. Outside
// working time the run is deferred: the mark stays, so the next tick in working time runs it.
// A daily schedule runs at most once a calendar day (in the reminders' zone): a deferred run
// made on a day whose own slot is later (08:00, when quiet hours end after a weekend or a
// holiday, before the 09:00 slot) is that day's run, so the day's slot does not run a second
// pass (a second digest the same morning, and a report to the leaders an hour after the digest
// that warned of it); nor does a slot moved later the same day by a config reload. A slot that
// falls in the evening quiet hours runs the next morning, every day.
func (s *Service) onSchedule(ctx context.Context, name string, now, slot time.Time, daily bool, fn func() error) error {
	last, err := s.st.Mark(ctx, name)
	if err != nil {
		return err
	}
	if last.IsZero() { // first run of this schedule: start from now, send nothing from the past
		first := now
		if daily && !slot.IsZero() {
			first = slot // the past slot counts as run; today's later slot still runs
		}
		return s.st.SetMark(ctx, name, first)
	}
	if slot.IsZero() || !last.Before(slot) {
		return nil
	}
	if daily {
		ly, lm, ld := last.In(now.Location()).Date()
		if y, m, d := now.Date(); ly == y && lm == m && ld == d {
			return nil // today's pass has run
		}
	}
	if !s.workingTime(now) {
		if _, seen := s.deferred.LoadOrStore(name+"|"+slot.String(), true); !seen { // once per pass held over, not per tick
			s.metrics.reminders.WithLabelValues("deferred").Inc()
		}
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	return s.st.SetMark(ctx, name, now)
}

// RunScheduler ticks every interval until ctx ends.
func (s *Service) RunScheduler(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil {
			s.log.WithError(err).Warn("scheduler: tick failed")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func dailySlot(now time.Time, h, m int) time.Time {
	slot := time.Date(now.Year(), now.Month(), now.Day(), h, m, 0, 0, now.Location())
	if now.Before(slot) {
		slot = slot.AddDate(0, 0, -1)
	}
	return slot
}

func weeklySlot(now time.Time, day time.Weekday, h, m int) time.Time {
	slot := time.Date(now.Year(), now.Month(), now.Day(), h, m, 0, 0, now.Location())
	for slot.Weekday() != day || now.Before(slot) {
		slot = slot.AddDate(0, 0, -1)
	}
	return slot
}

func quarterSlot(now time.Time, h, m int) time.Time {
	p := calc.PeriodOf(now)
	start := p.Start()
	slot := time.Date(start.Year(), start.Month(), 1, h, m, 0, 0, now.Location())
	if now.Before(slot) {
		prev := p.Prev().Start()
		slot = time.Date(prev.Year(), prev.Month(), 1, h, m, 0, 0, now.Location())
	}
	return slot
}

// workingTime reports whether messages may go out now: a working day (weekdays and 调休
// workdays, not holidays) outside quiet hours.
func (s *Service) workingTime(now time.Time) bool {
	r := s.Config().Reminders
	day := now.Format("2006-01-02")
	for _, h := range r.Holidays {
		if h.Format("2006-01-02") == day {
			return false
		}
	}
	workday := now.Weekday() != time.Saturday && now.Weekday() != time.Sunday
	for _, w := range r.Workdays {
		if w.Format("2006-01-02") == day {
			workday = true
		}
	}
	if !workday {
		return false
	}
	qs, qsm, ok1 := config.ClockTime(r.QuietStart)
	qe, qem, ok2 := config.ClockTime(r.QuietEnd)
	if !ok1 || !ok2 {
		return true
	}
	mins := now.Hour()*60 + now.Minute()
	start, end := qs*60+qsm, qe*60+qem
	if start <= end {
		return mins < start || mins >= end
	}
	return mins < start && mins >= end // quiet hours span midnight
}

// pastDue reports whether a task due on the calendar day due is overdue at now: from the next
// day in the configured zone. A task due 2027-03-31 may be done all that day (its due time is
// midnight UTC, 08:00 in Shanghai, which made it overdue at the 09:00 pass of its own day).
func pastDue(due, now time.Time, loc *time.Location) bool {
	y, m, d := due.UTC().Date()
	return !now.Before(time.Date(y, m, d+1, 0, 0, 0, 0, loc))
}

// dayStart is the start of now's calendar day in loc. A task's reminders count at most once a
// day (whatever sends them: the daily pass or an admin's 提醒), so that escalate_after reminders
// take the days between them that the repeat interval gives.
func dayStart(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// remindedToday reports whether t was reminded on now's calendar day: a digest today does not
// count another reminder for it.
func remindedToday(t store.TaskRow, now time.Time, loc *time.Location) bool {
	return !t.RemindedAt.Before(dayStart(now, loc))
}

// dueText is a task's due date as written (2027-03-31): the calendar day, which a zone west of
// Greenwich turned into the evening before.
func dueText(due time.Time) string {
	return due.UTC().Format("2006-01-02")
}

// recipient is where a person's messages go.
type recipient struct {
	platform string
	userID   string // direct message when set
	chatID   string // else this group chat
}

func (r recipient) key() string {
	if r.userID != "" {
		return r.platform + ":" + r.userID
	}
	return r.platform + ":chat:" + r.chatID
}

// rosterCadre is the roster entry (its index) of the cadre a ledger names for a unit: an entry
// of that name whose units cover the unit, else one whose units do not contradict it (a ledger
// without a village column), else one of that name without units. Two cadres of the same name
// (common names are common) are told apart by their units; an entry whose units name another
// village is someone else, not in the roster (-1).
func rosterCadre(cadres []config.Cadre, name string, u calc.Unit) int {
	compatible := func(cu config.Unit) bool {
		same := func(a, b string) bool { return a == "" || b == "" || a == b }
		return same(cu.County, u.County) && same(cu.Township, u.Township) && same(cu.Village, u.Village)
	}
	fit, bare := -1, -1
	for i, c := range cadres {
		if c.Name != name {
			continue
		}
		if len(c.Units) == 0 {
			if bare < 0 {
				bare = i
			}
			continue
		}
		for _, cu := range c.Units {
			if covers(cu, u) {
				return i
			}
			if fit < 0 && compatible(cu) {
				fit = i
			}
		}
	}
	if fit >= 0 {
		return fit
	}
	return bare
}

// cadreRecipient finds where to send a cadre's digest: the roster id (entry, -1 when not in the
// roster) on the platform the tasks came from, else on any enabled platform; a cadre not in the
// roster gets the digest in the chat the ledger came from (names masked there).
func (s *Service) cadreRecipient(entry int, tasks []store.TaskRow) (recipient, bool) {
	var ids config.IDs
	if cadres := s.Config().Roster.Cadres; entry >= 0 && entry < len(cadres) {
		ids = cadres[entry].IDs
	}
	for _, t := range tasks {
		if id := ids[t.Platform]; id != "" && s.conn(t.Platform) != nil {
			return recipient{platform: t.Platform, userID: id}, true
		}
	}
	for _, p := range config.Platforms {
		if id := ids[p]; id != "" && s.conn(p) != nil {
			return recipient{platform: p, userID: id}, true
		}
	}
	for _, t := range tasks {
		if r, ok := s.chatOf(t); ok {
			return r, false
		}
	}
	return recipient{}, false
}

// chatOf is where messages for the chat a task's ledger came from go: the group chat, or the
// uploader by direct message when it came in a direct chat (a WeCom direct chat's id is the
// user's, not a group's).
func (s *Service) chatOf(t store.TaskRow) (recipient, bool) {
	if s.conn(t.Platform) == nil {
		return recipient{}, false
	}
	if t.DirectTo != "" {
		return recipient{platform: t.Platform, userID: t.DirectTo}, true
	}
	if t.ChatID != "" {
		return recipient{platform: t.Platform, chatID: t.ChatID}, true
	}
	return recipient{}, false
}

// SendDigests sends each responsible cadre one digest of their open tasks (and of the tasks
// closed since their last digest). Without force, a digest identical to the last one sent to the
// same person is not sent again before the repeat interval. It returns how many were sent.
func (s *Service) SendDigests(ctx context.Context, force bool) (int, error) {
	slot := ""
	if force {
		slot = s.clock.Now().Format("2006-01-02T15:04:05")
	}
	return s.sendDigests(ctx, slot)
}

// sendDigests is SendDigests; a non-empty forced names the forced pass (an admin's “提醒”: its
// message), so that a rerun of the same pass after a crash finds its digests in the
// notification log instead of sending them again. Digests of the pass sent before the rerun
// count as sent.
func (s *Service) sendDigests(ctx context.Context, forced string) (int, error) {
	force := forced != ""
	digests, err := s.digestPlan(ctx)
	if err != nil {
		return 0, err
	}
	cfg := s.Config()
	now := s.clock.Now()
	sent := 0
	for _, d := range digests {
		tasks, done, hash := d.tasks, d.done, d.hash
		due, err := s.digestDue(ctx, d, now)
		if err != nil {
			return sent, err
		}
		if !force && !due {
			continue
		}
		slot := now.In(cfg.Reminders.Location()).Format("2006-01-02")
		if force {
			slot = forced
		}
		key := "reminder|" + d.who + "|" + d.full[:12] + "|" + slot
		text, omitted := s.digestText(d.sections, d.direct, now)
		var file *connectors.Attachment
		if omitted {
			data, err := s.taskListBook(tasks, d.direct, now)
			if err != nil {
				return sent, fmt.Errorf("reminder: task list: %w", err)
			}
			file = &connectors.Attachment{Name: "待办清单-" + now.In(cfg.Reminders.Location()).Format("2006-01-02") + ".xlsx", Data: data}
		}
		ok2, err := s.sendMarking(ctx, d.rcp, "reminder", d.who, hash, key, text, file, nil,
			store.SendMarks{Reminded: taskIDs(tasks), Acked: taskIDs(done), Day: dayStart(now, cfg.Reminders.Location())})
		if errors.Is(err, errUnrecorded) {
			return sent, err
		}
		if err != nil {
			s.metrics.reminders.WithLabelValues("failed").Inc()
			s.log.WithError(err).WithField("to", d.rcp.platform).Warn("reminder: send failed; will retry next pass")
			continue
		}
		if !ok2 {
			if force { // this pass's digest went out before a restart
				sent++
			}
			continue
		}
		sent++
		s.metrics.reminders.WithLabelValues("sent").Inc()
	}
	return sent, nil
}

// digest is one message of a digest pass: to a cadre alone, or to a group for the cadres
// outside the roster whose tasks came from it.
type digest struct {
	rcp         recipient
	direct      bool
	who         string // notification-log recipient key
	sections    []digestSection
	tasks, done []store.TaskRow // of every section
	hash        string          // of its open tasks: an unchanged list waits the repeat interval
	full        string          // of its content, the closed tasks too: the send's key
}

// digestDue reports whether a scheduled pass sends d at now: its content changed since the last
// digest to the same recipient, or the repeat interval has passed.
func (s *Service) digestDue(ctx context.Context, d *digest, now time.Time) (bool, error) {
	last, at, ok, err := s.st.LastSent(ctx, "reminder", d.who)
	if err != nil {
		return false, err
	}
	return !ok || len(d.done) > 0 || last != d.hash || now.Sub(at) >= s.Config().Reminders.RepeatInterval, nil
}

// digestPlan groups the open tasks, and the closed ones no digest has reported yet, into the
// digests of a pass.
func (s *Service) digestPlan(ctx context.Context) ([]*digest, error) {
	open, err := s.st.OpenTasks(ctx)
	if err != nil {
		return nil, err
	}
	closed, err := s.st.ClosedUnacked(ctx)
	if err != nil {
		return nil, err
	}
	// Tasks go to their cadre's roster entry: a name, and the entry when several share it.
	cadres := s.Config().Roster.Cadres
	entryOf := map[string]int{}
	keyOf := func(t store.TaskRow) string {
		e := rosterCadre(cadres, t.Cadre, t.Unit)
		if e < 0 {
			return t.Cadre
		}
		k := t.Cadre + "\x00" + strconv.Itoa(e)
		entryOf[k] = e
		return k
	}
	byCadre := map[string][]store.TaskRow{}
	closedBy := map[string][]store.TaskRow{}
	for _, t := range open {
		k := keyOf(t)
		byCadre[k] = append(byCadre[k], t)
	}
	for _, t := range closed {
		k := keyOf(t)
		closedBy[k] = append(closedBy[k], t)
	}
	names := map[string]bool{}
	for c := range byCadre {
		names[c] = true
	}
	for c := range closedBy {
		names[c] = true
	}
	order := make([]string, 0, len(names))
	for c := range names {
		order = append(order, c)
	}
	sort.Strings(order)
	// One digest per recipient: a cadre in the roster gets their own; the cadres outside it whose
	// tasks came from the same chat share one message there (a group is not spammed per cadre).
	var digests []*digest
	byChat := map[string]*digest{}
	for _, k := range order {
		cadre, _, _ := strings.Cut(k, "\x00")
		entry, ok := entryOf[k]
		if !ok {
			entry = -1
		}
		sec := digestSection{cadre: cadre, tasks: byCadre[k], done: closedBy[k], inRoster: entry >= 0}
		rcp, direct := s.cadreRecipient(entry, append(append([]store.TaskRow(nil), sec.tasks...), sec.done...))
		if rcp.platform == "" {
			continue
		}
		if direct {
			digests = append(digests, &digest{rcp: rcp, direct: true, who: rcp.key() + "|" + cadre, sections: []digestSection{sec}})
			continue
		}
		// In the groups, each task goes to the chat its ledger came from: two cadres of the same
		// name outside the roster (or one with ledgers from two villages' groups) are not put
		// together in the first group, with the other village's households.
		parts := map[string]*digestSection{}
		var chats []recipient
		part := func(t store.TaskRow) *digestSection {
			r, ok := s.chatOf(t)
			if !ok {
				return nil
			}
			p := parts[r.key()]
			if p == nil {
				p = &digestSection{cadre: sec.cadre, inRoster: sec.inRoster}
				parts[r.key()] = p
				chats = append(chats, r)
			}
			return p
		}
		for _, t := range sec.tasks {
			if p := part(t); p != nil {
				p.tasks = append(p.tasks, t)
			}
		}
		for _, t := range sec.done {
			if p := part(t); p != nil {
				p.done = append(p.done, t)
			}
		}
		for _, r := range chats {
			parts[r.key()].elsewhere = len(parts[r.key()].tasks) < len(sec.tasks)
			d := byChat[r.key()]
			if d == nil {
				d = &digest{rcp: r, who: r.key()}
				byChat[r.key()] = d
				digests = append(digests, d)
			}
			d.sections = append(d.sections, *parts[r.key()])
		}
	}
	// The closed tasks are said once (then acknowledged): a digest that said 已完成 does not make
	// the next one, with the same open tasks, count as changed.
	for _, d := range digests {
		h, full := sha256.New(), sha256.New()
		for _, sec := range d.sections {
			fmt.Fprintf(h, "%s|%s\n", sec.cadre, digestHash(sec.tasks, nil))
			fmt.Fprintf(full, "%s|%s\n", sec.cadre, digestHash(sec.tasks, sec.done))
			d.tasks = append(d.tasks, sec.tasks...)
			d.done = append(d.done, sec.done...)
		}
		d.hash, d.full = hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(full.Sum(nil))
	}
	return digests, nil
}

// digestSection is one cadre's part of a digest.
type digestSection struct {
	cadre       string
	tasks, done []store.TaskRow
	inRoster    bool // in roster.cadres, but with no id on an enabled platform of these tasks
	elsewhere   bool // the cadre has open tasks from another group's ledgers (in that group's digest)
}

// send delivers one logged message exactly once per key: the key is claimed in the
// notification log before sending (a second instance or a restart sees it), released when the
// send fails (so it is retried), and marked sent after. The same key is the platform
// idempotency key, so a resend after a crash between send and mark is dropped by the platform.
func (s *Service) send(ctx context.Context, r recipient, kind, who, digest, key, text string, file *connectors.Attachment, mentions []string) (bool, error) {
	return s.sendMarking(ctx, r, kind, who, digest, key, text, file, mentions, store.SendMarks{})
}

// sendMarking is send, recording marks on tasks with the delivery (in one transaction). A
// delivery whose record failed stays claimed (it went out): the restart releases the claim and
// the pass sends it again under the same idempotency key, which the platform drops.
func (s *Service) sendMarking(ctx context.Context, r recipient, kind, who, digest, key, text string, file *connectors.Attachment, mentions []string, marks store.SendMarks) (bool, error) {
	c := s.conn(r.platform)
	if c == nil {
		return false, fmt.Errorf("send %s: platform %s not enabled", kind, r.platform)
	}
	claimed, err := s.st.ClaimSend(ctx, key, kind, who, digest, s.clock.Now())
	if err != nil || !claimed {
		return false, err
	}
	text = redact.Text(text) // a last line of defence: no ID or phone number in any chat text
	m := connectors.Message{Kind: kind, ChatID: r.chatID, Text: text, File: file, Mentions: mentions, IdempotencyKey: "n-" + shortHash(key)}
	if r.userID != "" {
		m.UserIDs = []string{r.userID}
	}
	for _, part := range splitText(text, c.Limits().MaxTextRunes) {
		mm := m
		mm.Text = part.text
		if part.index > 0 {
			mm.File = nil
			mm.IdempotencyKey = fmt.Sprintf("%s-%d", m.IdempotencyKey, part.index)
		}
		if _, err := c.Send(ctx, mm); err != nil {
			_ = s.st.Unclaim(ctx, key)
			return false, err
		}
	}
	if err := s.st.SendDoneMarking(ctx, key, s.clock.Now(), marks); err != nil {
		return true, fmt.Errorf("%w: %w", errUnrecorded, err)
	}
	return true, nil
}

// errUnrecorded is a message delivered whose delivery could not be recorded: the pass stops
// (its schedule is not marked run), so that it runs again after the restart.
var errUnrecorded = errors.New("sent, not recorded")

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}

func digestHash(tasks, done []store.TaskRow) string {
	h := sha256.New()
	for _, t := range tasks {
		fmt.Fprintf(h, "o|%s|%v|%s\n", t.ID, fenText(t.Amount), dueText(t.Due))
	}
	for _, t := range done {
		fmt.Fprintf(h, "c|%s\n", t.ID)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fenText(f *calc.Fen) string {
	if f == nil {
		return ""
	}
	return f.Text()
}

func taskIDs(ts []store.TaskRow) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// householdLabel names a task's household: whole only in the responsible cadre's direct
// message, masked (包*山) anywhere else.
func householdLabel(t store.TaskRow, whole bool) string {
	name := t.SubjectName
	if name == "" {
		name = "（未填户主）"
	} else if !whole {
		name = redact.Name(name)
	}
	if t.Unit.Village != "" {
		name += "（" + t.Unit.Village + "）"
	}
	return name
}

// householdPlace names a task's household for a leader: masked, with its township and village
// (a county's leader tells apart two 红旗村 of different townships).
func householdPlace(t store.TaskRow) string {
	if t.Unit.Township != "" && t.Unit.Village != "" {
		t.Unit.Village = t.Unit.Township + t.Unit.Village
	}
	return householdLabel(t, false)
}

// explainFor is a task's explanation for a message: ID and phone numbers masked always, and
// the person's name masked unless the message goes to the responsible cadre alone.
func explainFor(t store.TaskRow, whole bool) string {
	text := redact.Text(t.Explain)
	if !whole && t.SubjectName != "" {
		text = strings.ReplaceAll(text, t.SubjectName, redact.Name(t.SubjectName))
	}
	return text
}

// leadersFor lists the leaders a unit's tasks escalate to.
func (s *Service) leadersFor(u calc.Unit) []config.Leader {
	var out []config.Leader
	for _, l := range s.Config().Roster.Leaders {
		if covers(l.Unit, u) {
			out = append(out, l)
		}
	}
	return out
}

func covers(l config.Unit, u calc.Unit) bool {
	return (l.County == "" || l.County == u.County) && (l.Township == "" || l.Township == u.Township) &&
		(l.Village == "" || l.Village == u.Village)
}

// leaderTitle names the leaders the tasks escalate to, by the nearest level that leads each
// one's unit (a township's leaders before the county's or the whole city's, whatever their order
// in the roster): “巴林左旗林东镇领导”, “全市领导”, or “上级领导” when none does (the admins
// are told then).
func (s *Service) leaderTitle(tasks []store.TaskRow) string {
	var titles []string
	seen := map[string]bool{}
	for _, t := range tasks {
		title := "上级领导"
		depth := -1
		for _, l := range s.leadersFor(t.Unit) {
			d := 0
			for _, v := range []string{l.Unit.County, l.Unit.Township, l.Unit.Village} {
				if v != "" {
					d++
				}
			}
			if d > depth {
				depth, title = d, scopeName(l.Unit)+"领导"
			}
		}
		if !seen[title] {
			seen[title] = true
			titles = append(titles, title)
		}
	}
	return strings.Join(titles, "、")
}

// digestText is a digest: to a cadre in the roster alone (direct: household names whole), or to
// the group the ledgers came from for the cadres outside the roster (names masked).
// It lists at most reminders.digest_max_items tasks in all; omitted reports whether some were
// left out (they are in the attached 待办清单, taskListBook).
func (s *Service) digestText(sections []digestSection, direct bool, now time.Time) (text string, omitted bool) {
	var b strings.Builder
	budget := max(s.Config().Reminders.DigestMaxItems, 1)
	if direct {
		fmt.Fprintf(&b, "【增收助手·待办提醒】%s，您好！", cadreName(sections[0].cadre))
		omitted = s.digestBody(&b, sections[0], true, now, &budget)
		return strings.TrimRight(b.String(), "\n"), omitted
	}
	listed, named := false, false
	for _, sec := range sections {
		listed = listed || sec.inRoster
		named = named || sec.cadre != ""
	}
	switch {
	case !named: // no one to add to the roster: the ledger lacks the name
		b.WriteString("【增收助手·待办提醒】以下待办的台账未填写帮扶责任人，无法私信提醒，请在台账“帮扶责任人”列填写后重新上传。\n")
	case listed: // a cadre in the roster whose ids name no platform these tasks came by
		b.WriteString("【增收助手·待办提醒】以下帮扶责任人无法私信提醒（不在名册中，或名册中没有其在本平台的账号），请管理员在 roster.cadres 中补充。\n")
	default:
		b.WriteString("【增收助手·待办提醒】以下帮扶责任人未在名册中，请管理员在 roster.cadres 中添加以便私信提醒。\n")
	}
	for _, sec := range sections {
		note := ""
		switch {
		case sec.inRoster:
			note = "（名册中没有其在本平台的账号）"
		case sec.cadre == "" && named:
			note = "（请在台账“帮扶责任人”列填写后重新上传）"
		}
		who := sec.cadre
		if who == "" {
			who = "未填写"
		}
		fmt.Fprintf(&b, "\n帮扶责任人：%s%s\n", who, note)
		if s.digestBody(&b, sec, false, now, &budget) {
			omitted = true
		}
	}
	return strings.TrimRight(b.String(), "\n"), omitted
}

func cadreName(c string) string {
	if c == "" {
		return "（台账未填写帮扶责任人）"
	}
	return c
}

// digestBody writes one cadre's open tasks (with warnings before escalation) and closed tasks,
// listing at most *budget of them (and taking them from it); it reports whether some were left
// out.
func (s *Service) digestBody(b *strings.Builder, sec digestSection, direct bool, now time.Time, budget *int) (omitted bool) {
	cfg := s.Config()
	tasks, done := sec.tasks, sec.done
	var total calc.Fen
	for _, t := range tasks {
		if t.Amount != nil {
			total += *t.Amount
		}
	}
	whose := "未完成待办"
	if direct {
		whose = "您负责的未完成待办"
	}
	if len(tasks) > 0 {
		fmt.Fprintf(b, "%s共%d项", whose, len(tasks))
		if total > 0 {
			fmt.Fprintf(b, "（涉及金额%s）", total.Text())
		}
		b.WriteString("：\n")
	} else if sec.elsewhere {
		b.WriteString("本群台账中的待办已全部完成。\n")
	} else {
		b.WriteString("待办已全部完成。\n")
	}
	var warn, late, reported []string
	var warnTasks, lateTasks, reportedTasks []store.TaskRow
	hiddenWarn, hiddenReported := 0, 0
	loc := cfg.Reminders.Location()
	// The reminders counted with this digest: one more, unless the task was reminded today
	// already (then this digest warns only when the earlier one did).
	counted := func(t store.TaskRow) int {
		if remindedToday(t, now, loc) {
			return t.Reminders
		}
		return t.Reminders + 1
	}
	shown := min(len(tasks), *budget)
	*budget -= shown
	for i, t := range tasks {
		overdue := pastDue(t.Due, now, loc)
		state := ""
		switch {
		case !t.EscalatedAt.IsZero():
			// Already reported (escalation runs before the digests of a pass): a warning that it
			// "will be reported" would be false.
			state = "reported"
		case overdue || counted(t) >= cfg.Reminders.EscalateAfter || t.Due.Sub(now) < cfg.Reminders.WarnBefore:
			state = "warn"
		}
		if i >= shown {
			switch state {
			case "reported":
				hiddenReported++
			case "warn":
				hiddenWarn++
			}
			continue
		}
		due := dueText(t.Due)
		fmt.Fprintf(b, "%d. %s｜%s｜期限 %s", i+1, householdLabel(t, direct), explainFor(t, direct), due)
		if overdue {
			b.WriteString("（已逾期）")
		}
		switch state {
		case "reported":
			reported = append(reported, fmt.Sprint(i+1))
			reportedTasks = append(reportedTasks, t)
		case "warn":
			if overdue { // reported at the next pass, whenever the next reminder is
				late = append(late, fmt.Sprint(i+1))
				lateTasks = append(lateTasks, t)
				break
			}
			warn = append(warn, fmt.Sprint(i+1))
			warnTasks = append(warnTasks, t)
		}
		b.WriteString("\n")
	}
	if hidden := len(tasks) - shown; hidden > 0 {
		omitted = true
		fmt.Fprintf(b, "……另有%d项未列出", hidden)
		if hiddenReported > 0 {
			fmt.Fprintf(b, "（其中%d项已报告领导）", hiddenReported)
		} else if hiddenWarn > 0 {
			fmt.Fprintf(b, "（其中%d项下次提醒前仍未完成将报告领导）", hiddenWarn)
		}
		b.WriteString("，全部待办见附件《待办清单》。\n")
	}
	// “以上8项” when every item is meant and all are listed: “第1、2、3、4、5、6、7、8项” is a row
	// of numbers on a phone.
	items := func(nums []string) string {
		if len(nums) > 1 && len(nums) == len(tasks) {
			return fmt.Sprintf("以上%d项", len(nums))
		}
		return "第" + strings.Join(nums, "、") + "项"
	}
	if len(reported) > 0 {
		fmt.Fprintf(b, "%s已报告%s，请尽快落实。\n", items(reported), s.leaderTitle(reportedTasks))
	}
	if len(late) > 0 {
		fmt.Fprintf(b, "请注意：%s已逾期，将报告%s。\n", items(late), s.leaderTitle(lateTasks))
	}
	if len(warn) > 0 {
		fmt.Fprintf(b, "请注意：%s如下次提醒前仍未完成（或已逾期），将报告%s。\n", items(warn), s.leaderTitle(warnTasks))
	}
	if len(done) > 0 {
		var parts []string
		for i, t := range done {
			if i == cfg.Reminders.DigestMaxItems {
				parts = append(parts, fmt.Sprintf("……共%d项", len(done)))
				break
			}
			r, _ := calc.RuleByID(t.Rule)
			parts = append(parts, householdLabel(t, direct)+" "+r.Title)
		}
		fmt.Fprintf(b, "已完成（最新台账确认，已销号）：%s\n", strings.Join(parts, "；"))
	}
	if len(tasks) > 0 {
		b.WriteString("完成后请在台账中登记（如已发放金额、帮扶措施），重新上传后自动销号。\n")
	}
	return omitted
}

// escalationWhy says why the tasks are reported: “经多次提醒仍未完成” (by the count, each
// reminded more than once), “经提醒仍未完成” (reminders.escalate_after 1), “已逾期仍未完成” (past
// the due date), or both reasons.
func escalationWhy(tasks []store.TaskRow, now time.Time, loc *time.Location) string {
	byCount, overdue, many := false, false, true
	for _, t := range tasks {
		if pastDue(t.Due, now, loc) {
			overdue = true
			continue
		}
		byCount = true
		many = many && t.Reminders > 1
	}
	reminded := "经提醒"
	if many {
		reminded = "经多次提醒"
	}
	switch {
	case byCount && overdue:
		return reminded + "仍未完成或已逾期"
	case byCount:
		return reminded + "仍未完成"
	}
	return "已逾期仍未完成"
}

// escalationTitle names a report to leaders by what it holds: 逾期上报 when every task in it is
// past its due date, else 待办上报 (tasks reminded escalate_after times are mostly not overdue).
func escalationTitle(tasks []store.TaskRow, now time.Time, loc *time.Location) string {
	for _, t := range tasks {
		if !pastDue(t.Due, now, loc) {
			return "待办上报"
		}
	}
	return "逾期上报"
}

// Escalate reports to the unit's leaders the open tasks that were reminded escalate_after times
// (when the reminder after the one that warned is due) or are past their due date: each task
// once to each leader, in each round of it (raised again after it was done: again). Leaders see
// household names masked. It returns how many messages were sent.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	open, err := s.st.OpenTasks(ctx)
	if err != nil {
		return 0, err
	}
	cfg := s.Config()
	now := s.clock.Now()
	type bucket struct {
		r     recipient
		title string
		tasks []store.TaskRow
		has   map[string]bool // task ids: one account leading a county and one of its townships gets each task once
		items []string        // the (recipient, task) keys it reports
	}
	buckets := map[string]*bucket{}
	var order []string
	add := func(r recipient, title string, t store.TaskRow, item string) {
		k := r.key()
		if buckets[k] == nil {
			buckets[k] = &bucket{r: r, title: title, has: map[string]bool{}}
			order = append(order, k)
		}
		if b := buckets[k]; !b.has[t.ID] {
			b.has[t.ID] = true
			b.tasks = append(b.tasks, t)
			b.items = append(b.items, item)
		}
	}
	// A task's round: a task done and raised again is another round, reported again; so is a
	// task given to another 帮扶责任人 (after the new cadre's own warning).
	round := func(t store.TaskRow) string {
		r := t.ID
		if t.ReopenedBy != 0 {
			r = fmt.Sprintf("%s@%d", t.ID, t.ReopenedBy)
		}
		if t.HandedOver != 0 {
			r += fmt.Sprintf(">%d", t.HandedOver)
		}
		return r
	}
	// Each task is reported to each of its recipients once, recorded per recipient: a leader
	// whose platform failed gets it at the next pass, and the task counts as reported when every
	// recipient has it (the others' reports are not sent again).
	type target struct {
		r     recipient
		title string
		item  string
	}
	type candidate struct {
		t       store.TaskRow
		targets []target
	}
	var cands []candidate
	var items []string
	loc := cfg.Reminders.Location()
	today := now.In(loc).Format("2006-01-02")
	// The tasks whose cadre's next reminder is due in this pass (changed, or unchanged for the
	// repeat interval).
	plan, err := s.digestPlan(ctx)
	if err != nil {
		return 0, err
	}
	remindedNow := map[string]bool{}
	for _, d := range plan {
		due, err := s.digestDue(ctx, d, now)
		if err != nil {
			return 0, err
		}
		for _, t := range d.tasks {
			remindedNow[t.ID] = due
		}
	}
	for _, t := range open {
		if !t.EscalatedAt.IsZero() {
			continue
		}
		// Reminded escalate_after times, the last of which warned “如下次提醒前仍未完成…将报告”:
		// reported when the next reminder is due (with it), on a later day than the warning (not
		// minutes after an admin's “提醒” that gave it).
		counted := t.Reminders >= cfg.Reminders.EscalateAfter && (t.RemindedAt.IsZero() ||
			(t.RemindedAt.In(loc).Format("2006-01-02") < today && (remindedNow[t.ID] || now.Sub(t.RemindedAt) >= cfg.Reminders.RepeatInterval)))
		if !counted && !pastDue(t.Due, now, loc) {
			continue
		}
		c := candidate{t: t}
		to := func(r recipient, title string) {
			item := "escalated|" + r.key() + "|" + shortHash(round(t))
			c.targets = append(c.targets, target{r, title, item})
			items = append(items, item)
		}
		leaders := s.leadersFor(t.Unit)
		sentTo := false
		for _, l := range leaders {
			for _, p := range config.Platforms {
				if id := l.IDs[p]; id != "" && s.conn(p) != nil {
					to(recipient{platform: p, userID: id}, l.Name)
					sentTo = true
					break
				}
			}
		}
		if !sentTo {
			for _, a := range cfg.Roster.Admins {
				for _, p := range config.Platforms {
					if id := a.IDs[p]; id != "" && s.conn(p) != nil {
						to(recipient{platform: p, userID: id}, a.Name)
						sentTo = true
						break
					}
				}
			}
		}
		if r, ok := s.chatOf(t); !sentTo && ok {
			to(r, "")
		}
		if len(c.targets) > 0 {
			cands = append(cands, c)
		}
	}
	reported, err := s.st.SentKeys(ctx, items)
	if err != nil {
		return 0, err
	}
	for _, c := range cands {
		for _, tg := range c.targets {
			if !reported[tg.item] {
				add(tg.r, tg.title, c.t, tg.item)
			}
		}
	}
	sent := 0
	for _, k := range order {
		bk := buckets[k]
		var b strings.Builder
		title := escalationTitle(bk.tasks, now, loc)
		fmt.Fprintf(&b, "【增收助手·%s】", title)
		if bk.title != "" {
			fmt.Fprintf(&b, "%s，您好！", bk.title)
		}
		fmt.Fprintf(&b, "以下%d项待办%s：\n", len(bk.tasks), escalationWhy(bk.tasks, now, loc))
		shown := min(len(bk.tasks), max(cfg.Reminders.DigestMaxItems, 1))
		for i, t := range bk.tasks[:shown] {
			reason := fmt.Sprintf("已提醒%d次", t.Reminders)
			if pastDue(t.Due, now, loc) {
				reason = "已逾期（期限" + dueText(t.Due) + "）"
			}
			cadre := t.Cadre
			if cadre == "" {
				cadre = "未填写"
			}
			fmt.Fprintf(&b, "%d. %s｜帮扶责任人 %s｜%s｜%s\n", i+1, householdPlace(t), cadre, explainFor(t, false), reason)
		}
		var file *connectors.Attachment
		if hidden := len(bk.tasks) - shown; hidden > 0 {
			fmt.Fprintf(&b, "……另有%d项未列出，全部见附件《%s清单》。\n", hidden, title)
			data, err := s.taskListBook(bk.tasks, false, now)
			if err != nil {
				return sent, fmt.Errorf("escalation: task list: %w", err)
			}
			file = &connectors.Attachment{Name: title + "清单-" + now.In(loc).Format("2006-01-02") + ".xlsx", Data: data}
		}
		b.WriteString("请督促落实（《若干措施》（十八）：对落实不力的地区给与通报约谈）。")
		ids := taskIDs(bk.tasks)
		sort.Strings(ids)
		// Keyed by the tasks' rounds: a task done and raised again is reported again when it is
		// not done again, which the same leader and set of ids alone took for the first report.
		// A rerun after a crash, any day, finds the same key.
		rounds := make([]string, 0, len(bk.tasks))
		for _, t := range bk.tasks {
			rounds = append(rounds, round(t))
		}
		sort.Strings(rounds)
		key := "escalation|" + k + "|" + shortHash(strings.Join(rounds, ","))
		ok, err := s.sendMarking(ctx, bk.r, "reminder", k, "", key, b.String(), file, nil, store.SendMarks{Logged: bk.items})
		if errors.Is(err, errUnrecorded) {
			return sent, err
		}
		if err != nil {
			s.metrics.reminders.WithLabelValues("failed").Inc()
			s.log.WithError(err).WithField("to", bk.r.platform).Warn("escalation: send failed; will retry next pass")
			continue
		}
		for _, it := range bk.items { // sent now, or before a restart or by another instance (!ok)
			reported[it] = true
		}
		if ok {
			sent++
			s.metrics.reminders.WithLabelValues("escalated").Inc()
		}
	}
	var done []string
	for _, c := range cands {
		all := true
		for _, tg := range c.targets {
			all = all && reported[tg.item]
		}
		if all {
			done = append(done, c.t.ID)
		}
	}
	if err := s.st.MarkEscalated(ctx, done, now); err != nil {
		return sent, err
	}
	return sent, nil
}
