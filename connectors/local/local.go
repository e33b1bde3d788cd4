// Package local is the embedded default connector, so that a newcomer needs no platform account:
// a file placed at DATA/inbox/<chat>/<name>.xlsx is an upload into chat <chat> (a .txt file there
// is a text command); replies are written to DATA/outbox/<chat>/; every message the bot sends is
// printed to the console and appended as one JSON line to DATA/outbox/messages.jsonl.
package local

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"zengshou/connectors"
)

// Name is the platform name of this connector.
const Name = "local"

// Options tune the connector; zero values are sensible.
type Options struct {
	Poll    time.Duration    // how often the inbox is scanned (default 500ms)
	Console io.Writer        // where sent messages are printed (default os.Stdout; nil-safe)
	Now     func() time.Time // clock for message times (default time.Now)
	// Zone is the time zone of the time that prefixes the outbox's file names: the service's
	// (reminders.timezone), as the dates inside the names are. Nil: Now's own.
	Zone  *time.Location
	Quiet bool // do not print to the console
	// ShowDirect prints the text of direct messages too (the demo). Otherwise the console shows
	// only whom a direct message went to and where it is kept: a reminder to a cadre names
	// households in full, and a service's console ends up in its logs.
	ShowDirect bool
}

// Connector is the local folder connector.
type Connector struct {
	dir  string // DATA
	opt  Options
	mu   sync.Mutex
	sent map[string]bool // idempotency keys already written to messages.jsonl
	seen map[string]fileState
	told map[string]bool // misplaced files and folders already named on the console
}

type fileState struct {
	size  int64
	mtime time.Time
	polls int
}

var _ connectors.Connector = (*Connector)(nil)

// Message is one line of DATA/outbox/messages.jsonl.
type Message struct {
	Time           time.Time `json:"time"`
	Chat           string    `json:"chat"`
	To             []string  `json:"to"`
	Kind           string    `json:"kind"`
	Text           string    `json:"text"`
	File           string    `json:"file"`
	Mentions       []string  `json:"mentions,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
}

// New prepares the inbox and outbox under dataDir.
func New(dataDir string, opt Options) (*Connector, error) {
	if opt.Poll <= 0 {
		opt.Poll = 500 * time.Millisecond
	}
	if opt.Console == nil {
		opt.Console = os.Stdout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &Connector{dir: dataDir, opt: opt, sent: map[string]bool{}, seen: map[string]fileState{}, told: map[string]bool{}}
	for _, d := range []string{c.inbox(), c.outbox(), c.received()} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := c.loadSent(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Connector) inbox() string    { return filepath.Join(c.dir, "inbox") }
func (c *Connector) outbox() string   { return filepath.Join(c.dir, "outbox") }
func (c *Connector) received() string { return filepath.Join(c.dir, "local", "received") }

// MessagesFile is the path of messages.jsonl.
func (c *Connector) MessagesFile() string { return filepath.Join(c.outbox(), "messages.jsonl") }

func (c *Connector) loadSent() error {
	f, err := os.Open(c.MessagesFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m Message
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.IdempotencyKey != "" {
			c.sent[m.IdempotencyKey] = true
		}
	}
	return sc.Err()
}

// Name implements connectors.Connector.
func (c *Connector) Name() string { return Name }

// Limits implements connectors.Connector: files on disk have no platform limits.
func (c *Connector) Limits() connectors.Limits {
	return connectors.Limits{MaxTextRunes: 20000, MaxFileBytes: 1 << 30}
}

// Routes implements connectors.Connector: the local connector has no HTTP callback.
func (c *Connector) Routes(connectors.Handler) []connectors.Route { return nil }

// Receive watches DATA/inbox/<chat>/ until ctx ends. A file is taken once its size and
// modification time have not changed across two scans (so a file still being written is not read
// half-way). It is moved to DATA/local/received/ before the handler sees it, and a sidecar
// records the event until the handler accepts it: nothing is lost across a crash.
func (c *Connector) Receive(ctx context.Context, h connectors.Handler) error {
	t := time.NewTicker(c.opt.Poll)
	defer t.Stop()
	for {
		c.redeliver(ctx, h)
		c.scan(ctx, h)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ScanOnce runs one scan of the inbox (tests and the demo drive the connector step by step).
func (c *Connector) ScanOnce(ctx context.Context, h connectors.Handler) {
	c.redeliver(ctx, h)
	c.scan(ctx, h)
}

func (c *Connector) scan(ctx context.Context, h connectors.Handler) {
	chats, err := os.ReadDir(c.inbox())
	if err != nil {
		return
	}
	live := map[string]bool{}
	for _, chat := range chats {
		if strings.HasPrefix(chat.Name(), ".") {
			continue
		}
		if !chat.IsDir() {
			if chat.Type().IsRegular() && !ignored(chat.Name()) {
				c.tell(chat.Name(), fmt.Sprintf("inbox/%s 不在群文件夹里，未处理：请放到 inbox/<群名>/ 下（如 inbox/红旗村/%s）", chat.Name(), chat.Name()))
			}
			continue
		}
		files, err := os.ReadDir(filepath.Join(c.inbox(), chat.Name()))
		if err != nil {
			continue
		}
		for _, f := range files {
			name := f.Name()
			if f.IsDir() && !strings.HasPrefix(name, ".") {
				c.tell(chat.Name()+"/"+name, fmt.Sprintf("inbox/%s/%s 是文件夹，其中的文件不会处理：请把台账直接放在 inbox/%s/ 下，或把 %s 作为群名放在 inbox/ 下",
					chat.Name(), name, chat.Name(), name))
				continue
			}
			if !f.Type().IsRegular() || ignored(name) {
				continue
			}
			path := filepath.Join(c.inbox(), chat.Name(), name)
			live[path] = true
			info, err := f.Info()
			if err != nil {
				continue
			}
			st, ok := c.seen[path]
			if !ok || st.size != info.Size() || !st.mtime.Equal(info.ModTime()) {
				c.seen[path] = fileState{size: info.Size(), mtime: info.ModTime()}
				continue
			}
			st.polls++
			c.seen[path] = st
			if st.polls < 1 {
				continue
			}
			c.accept(ctx, h, chat.Name(), name, path, info)
			delete(c.seen, path)
		}
	}
	for p := range c.seen {
		if !live[p] {
			delete(c.seen, p)
		}
	}
}

// ignored: hidden files, Excel/WPS lock files (~$台账.xlsx) and files still being copied.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part")
}

// tell prints a notice about a misplaced file or folder once (not on every scan); the console is
// where the admin who put it there is looking.
func (c *Connector) tell(key, text string) {
	if c.told[key] || c.opt.Quiet {
		return
	}
	c.told[key] = true
	fmt.Fprintf(c.opt.Console, "\n提示：%s\n", text)
}

func (c *Connector) accept(ctx context.Context, h connectors.Handler, chat, name, path string, info os.FileInfo) {
	// Each file dropped is its own upload, even a copy identical in name, size and time to one
	// taken before (cp -p of the same ledger): the id is drawn at random, not derived from them
	// (the same id made the second drop a duplicate delivery, silently dropped). The file leaves
	// the inbox under this id, so it is never taken twice.
	var rnd [10]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return
	}
	id := hex.EncodeToString(rnd[:])
	ev := connectors.Event{Platform: Name, ID: id, ChatID: chat, ChatType: connectors.ChatGroup, SenderID: "local", SenderName: "本地用户", Time: c.opt.Now()}
	if strings.HasSuffix(strings.ToLower(name), ".txt") {
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		ev.Kind, ev.Text = connectors.EventText, commandText(b)
		if err := os.Remove(path); err != nil {
			return
		}
	} else {
		ev.Kind = connectors.EventFile
		ev.File = &connectors.FileRef{Name: name, Key: id, Size: info.Size()}
		if err := os.Rename(path, filepath.Join(c.received(), id)); err != nil {
			return
		}
	}
	b, _ := json.Marshal(ev)
	if err := os.WriteFile(filepath.Join(c.received(), id+".pending.json"), b, 0o640); err != nil {
		return
	}
	c.deliver(ctx, h, id, ev)
}

// commandText is the command of a .txt file, at most 2000 bytes of it, as Windows Notepad saves
// it too: the byte order mark of “UTF-8 with BOM” dropped, and a file that is not UTF-8 read as
// GB18030 (ANSI on Chinese Windows).
func commandText(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		if d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			b = d
		}
	}
	if len(b) > 2000 {
		n := 2000
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		b = b[:n]
	}
	return strings.TrimSpace(string(b))
}

// redeliver hands again to the handler every event it has not accepted yet.
func (c *Connector) redeliver(ctx context.Context, h connectors.Handler) {
	pend, _ := filepath.Glob(filepath.Join(c.received(), "*.pending.json"))
	for _, p := range pend {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var ev connectors.Event
		if json.Unmarshal(b, &ev) != nil {
			continue
		}
		c.deliver(ctx, h, ev.ID, ev)
	}
}

func (c *Connector) deliver(ctx context.Context, h connectors.Handler, id string, ev connectors.Event) {
	if err := h(ctx, ev); err != nil {
		return // the sidecar stays; the next scan delivers again
	}
	_ = os.Remove(filepath.Join(c.received(), id+".pending.json"))
}

// Forget deletes a received file that is no longer needed: the service calls it when the job
// that took the file has ended and its retention has passed (the upload names households; a
// platform keeps its own copy, this folder is the local platform's). An unknown key is refused.
func (c *Connector) Forget(f connectors.FileRef) error {
	if !validID.MatchString(f.Key) {
		return &connectors.Error{Platform: Name, Op: "forget", Msg: "bad file key", Permanent: true}
	}
	if err := os.Remove(filepath.Join(c.received(), f.Key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("forget %s: %w", f.Key, err)
	}
	return nil
}

// Download implements connectors.Connector: it copies the received file.
func (c *Connector) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	if !validID.MatchString(f.Key) {
		return 0, &connectors.Error{Platform: Name, Op: "download", Msg: "bad file key", Permanent: true}
	}
	src, err := os.Open(filepath.Join(c.received(), f.Key))
	if err != nil {
		return 0, &connectors.Error{Platform: Name, Op: "download", Msg: err.Error(), Permanent: errors.Is(err, os.ErrNotExist)}
	}
	defer src.Close()
	lw := &connectors.LimitedWriter{W: dst, Max: max}
	n, err := io.Copy(lw, src)
	if err != nil {
		return n, fmt.Errorf("download %s: %w", f.Key, err)
	}
	return n, nil
}

var validID = regexp.MustCompile(`^[0-9a-f]{20}$`)

// SafeName turns a display name into a file name that cannot leave its folder: path separators,
// NUL and control characters, leading dots and anything but letters, digits, CJK, '-', '_', '.'
// and '（）' are dropped; a masking star becomes '＊'.
func SafeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '-' || r == '_' || r == '.' || r == '（' || r == '）' || r == '(' || r == ')':
			b.WriteRune(r)
		case r == '*' || r == '＊':
			// The star of a masked name (王*英) or number, full width (no wildcard in a
			// file name): dropped, 王英 read as another person's name.
			b.WriteRune('＊')
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= 0x4e00 && r <= 0x9fff:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len([]rune(s)) > 80 {
		s = string([]rune(s)[len([]rune(s))-80:])
	}
	if s == "" || s == "." {
		s = "file"
	}
	return s
}

// Send implements connectors.Connector: the file goes to DATA/outbox/<chat>/, the message to
// messages.jsonl and the console. A message whose idempotency key was already written is not
// written again.
func (c *Connector) Send(ctx context.Context, m connectors.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.IdempotencyKey != "" && c.sent[m.IdempotencyKey] {
		return m.IdempotencyKey, nil
	}
	chat := m.ChatID
	folder := chat
	if folder == "" {
		folder = "direct"
	}
	folder = SafeName(folder)
	now := c.opt.Now()
	rec := Message{Time: now, Chat: chat, To: m.UserIDs, Kind: m.Kind, Text: m.Text, Mentions: m.Mentions, IdempotencyKey: m.IdempotencyKey}
	if rec.To == nil {
		rec.To = []string{}
	}
	for _, att := range []*connectors.Attachment{m.File, m.Image} {
		if att == nil {
			continue
		}
		dir := filepath.Join(c.outbox(), folder)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
		path := freePath(filepath.Join(dir, c.stamp(now)+"-"+SafeName(att.Name)))
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, att.Data, 0o640); err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
		rel, _ := filepath.Rel(c.dir, path)
		if rec.File == "" {
			rec.File = rel
		}
	}
	line, _ := json.Marshal(rec)
	f, err := os.OpenFile(c.MessagesFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	if m.IdempotencyKey != "" {
		c.sent[m.IdempotencyKey] = true
	}
	if !c.opt.Quiet {
		to := chat
		if to == "" {
			to = "私信 " + strings.Join(m.UserIDs, ",")
		}
		text := m.Text
		if chat == "" && !c.opt.ShowDirect {
			text = "（私信内容可能含户主全名，终端不显示；见 outbox/messages.jsonl）"
		}
		fmt.Fprintf(c.opt.Console, "\n── [%s] → %s ──\n%s\n", m.Kind, to, text)
		if rec.File != "" {
			fmt.Fprintf(c.opt.Console, "   附件: %s\n", rec.File)
		}
	}
	return m.IdempotencyKey, nil
}

// ReadMessages reads messages.jsonl (tests, the demo).
func ReadMessages(dataDir string) ([]Message, error) {
	f, err := os.Open(filepath.Join(dataDir, "outbox", "messages.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Message
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// freePath is path, or path with "-2", "-3" … before its extension when a file of that name is
// already there: two attachments of the same name in the same second (reminders to two cadres
// in the direct folder, two summaries) must not overwrite each other.
func freePath(path string) string {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	p := path
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
}

// stamp is the time that prefixes an outbox file's name, in the service's zone: names sort by
// the time they were sent (freePath keeps two of one second apart).
func (c *Connector) stamp(now time.Time) string {
	if c.opt.Zone != nil {
		now = now.In(c.opt.Zone)
	}
	return now.Format("20060102-150405")
}
