// Package sandbox parses untrusted workbooks in a child process of the same binary, with a
// memory cap and a timeout. A hostile .xlsx can make the Go runtime die ("fatal error: out of
// memory" from a lying zip size header, which no recover() catches) or spin for minutes; in a
// child that costs one reply, not the service.
//
// The protocol is one JSON request on the child's stdin and one JSON response on its stdout:
//
//	parent: exe [Options.Args…] worker read      (env: the memory cap, see ChildMain)
//	stdin:  {"verb":"read","path":"/data/jobs/…/in.xlsx","options":{…ledger.ReadOptions…}}
//	stdout: {"ledger":{…}}  or  {"file_error":{"code":"encrypted","message":"文件设置了密码…"}}
//
// A child that dies (out of memory, a signal, a non-zero exit, garbage on stdout, more output
// than Options.MaxOutputBytes) becomes a *ledger.FileError with code too_large; one that runs
// past Options.Timeout is killed with its whole process group and becomes code timeout. The
// cadre only ever sees FileError.Message; the child's stderr (bounded) is kept in a *ChildError
// inside FileError.Err for the log.
//
// Only reading runs in the child: the service writes the result workbook in-process after a
// successful Read, which has proved the file parses within the limits. The verb in the request
// leaves room for a second verb later (see verbs in child.go).
//
// Tests re-execute the test binary as the child (TestMain, ZENGSHOU_SANDBOX_CHILD=1) and run
// the bad-file corpus of testdata/bad (regenerate: go test ./bot/sandbox -run TestCorpusFiles
// -update) plus big files generated at test time. Fuzz with a count, not a duration (each input
// touches the disk and the engine's progress report lags):
//
//	go test ./bot/sandbox -run '^$' -fuzz FuzzReadRandom -fuzztime 20000x
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"zengshou/calc"
	"zengshou/calc/ledger"
)

// Defaults for Options fields left zero.
const (
	DefaultMemoryMB       = 1024
	DefaultTimeout        = 120 * time.Second
	DefaultMaxOutputBytes = 512 << 20
	stderrTail            = 8 << 10
)

// The FileError codes and messages of a child that failed.
const (
	CodeTooLarge = "too_large"
	CodeTimeout  = "timeout"

	MsgChildFailed = "文件过大或结构异常，无法在内存上限内读取，请检查后重新上传（可拆分为多个文件）"
	MsgTimeout     = "读取超时：文件过大或结构过于复杂，请删除多余的空行空列或拆分为多个文件后重新上传"
)

// Environment of the child.
const (
	// EnvMemoryMB carries Options.MemoryMB to the child, which caps itself before reading stdin.
	EnvMemoryMB = "ZENGSHOU_SANDBOX_MEMORY_MB"
)

// passEnv are the only variables of the parent's environment the child inherits: the service's
// secrets (bot tokens, app secrets, the workbook password) never reach the process that parses
// hostile files through its environment. The password travels in the request on stdin.
var passEnv = []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL", "LC_CTYPE", "GODEBUG", "GOTRACEBACK", "GOCOVERDIR"}

// Options configure the child process.
type Options struct {
	Exe  string   // the binary to run; default os.Executable()
	Args []string // arguments before "worker read" (tests: none; wrappers: their flags)
	Env  []string // added to the child's minimal environment (KEY=value)
	// MemoryMB is the child's heap budget; its address space is capped at this plus the Go
	// runtime's baseline reservations measured at start-up (see ChildMain). Default 1024.
	MemoryMB int
	// Timeout kills the child and its process group. Default 120 s. A LibreOffice conversion
	// (ReadOptions.SofficePath) gets at most two thirds of it.
	Timeout time.Duration
	// MaxOutputBytes bounds the JSON the parent accepts from the child (default 512 MiB);
	// a bigger result is a FileError too_large.
	MaxOutputBytes int64
}

func (o Options) withDefaults() (Options, error) {
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("find own executable: %w", err)
		}
		o.Exe = exe
	}
	if o.MemoryMB <= 0 {
		o.MemoryMB = DefaultMemoryMB
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = DefaultMaxOutputBytes
	}
	return o, nil
}

// ReadFunc is Read with these options, in the shape bot.Options.Read takes.
func (o Options) ReadFunc() func(ctx context.Context, path string, ropt ledger.ReadOptions) (*ledger.Ledger, error) {
	return func(ctx context.Context, path string, ropt ledger.ReadOptions) (*ledger.Ledger, error) {
		return Read(ctx, o, path, ropt)
	}
}

// Read runs ledger.Read(path, ropt) in a child process. The result is exactly what ledger.Read
// returns (a *ledger.Ledger, or a *ledger.FileError with the reader's code and message), or a
// *ledger.FileError with code too_large/timeout when the child died or ran too long. Errors that
// are not the file's fault (the binary cannot be started, the caller's ctx is done) are plain
// errors. The file at path must stay in place until Read returns.
func Read(ctx context.Context, opt Options, path string, ropt ledger.ReadOptions) (*ledger.Ledger, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("sandbox read: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sandbox read: %w", err)
	}
	if ropt.SofficePath != "" {
		budget := opt.Timeout * 2 / 3
		if ropt.SofficeTimeout <= 0 || ropt.SofficeTimeout > budget {
			ropt.SofficeTimeout = budget
		}
	}
	opts, err := encodeReadOptions(ropt)
	if err != nil {
		return nil, fmt.Errorf("sandbox read: encode options: %w", err)
	}
	var res readResult
	if err := run(ctx, opt, request{Verb: VerbRead, Path: abs, Options: opts}, &res); err != nil {
		return nil, err
	}
	if res.Ledger == nil {
		return nil, childFailed(CodeTooLarge, MsgChildFailed, &ChildError{Verb: VerbRead, Problem: "response has no ledger"})
	}
	return res.Ledger, nil
}

// request is what the parent writes to the child's stdin.
type request struct {
	Verb    string          `json:"verb"`
	Path    string          `json:"path"`
	Options json.RawMessage `json:"options,omitempty"` // per verb
}

// response is what the child writes to its stdout: exactly one of Result, FileError, Error.
type response struct {
	// Result is the verb's result. The parent sets it to a pointer before decoding, so the
	// result is decoded in place, without a second copy of the JSON.
	Result    any            `json:"result,omitempty"`
	FileError *wireFileError `json:"file_error,omitempty"`
	// Error is a failure that is not the file's fault (bad request, unencodable result).
	Error string `json:"error,omitempty"`
}

type wireFileError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"` // FileError.Err's text, for the log
}

// readResult is the result of the read verb.
type readResult struct {
	Ledger *ledger.Ledger `json:"ledger"`
}

// wireReadOptions carries ledger.ReadOptions. The Period is sent as two numbers because a zero
// calc.Period marshals as "0Q0", which its UnmarshalJSON refuses; the outer field shadows the
// embedded one in both directions.
type wireReadOptions struct {
	ledger.ReadOptions
	Period periodJSON `json:"Period"`
}

type periodJSON struct {
	Year    int `json:"year"`
	Quarter int `json:"quarter"`
}

func encodeReadOptions(ro ledger.ReadOptions) ([]byte, error) {
	return json.Marshal(wireReadOptions{ReadOptions: ro, Period: periodJSON{Year: ro.Period.Year, Quarter: ro.Period.Quarter}})
}

func decodeReadOptions(raw []byte) (ledger.ReadOptions, error) {
	var wo wireReadOptions
	if err := json.Unmarshal(raw, &wo); err != nil {
		return ledger.ReadOptions{}, err
	}
	ro := wo.ReadOptions
	ro.Period = calc.Period{Year: wo.Period.Year, Quarter: wo.Period.Quarter}
	return ro, nil
}

// ChildError says how a child failed; it is FileError.Err of a too_large/timeout FileError.
// Stderr is the tail of the child's stderr (at most 8 KB) for the log, never for the cadre.
type ChildError struct {
	Verb     string
	Exit     string // "exit status 2", "signal: killed", "" when it exited 0
	Problem  string // what was wrong: "timed out after 2m0s", "out of memory", "output over 512 MiB", …
	Stderr   string
	Duration time.Duration
}

func (e *ChildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "worker %s: %s", e.Verb, e.Problem)
	if e.Exit != "" {
		fmt.Fprintf(&b, " (%s)", e.Exit)
	}
	if l := keyLine(e.Stderr); l != "" {
		fmt.Fprintf(&b, ": %s", l)
	}
	return b.String()
}

// keyLine is the first "fatal error:"/"panic:"/"runtime:" line of stderr, else its last line.
func keyLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

func childFailed(code, msg string, ce *ChildError) *ledger.FileError {
	return &ledger.FileError{Code: code, Message: msg, Err: ce}
}

// run starts `exe [args] worker <verb>`, sends req and decodes the child's result into out.
func run(ctx context.Context, opt Options, req request, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("sandbox %s: encode request: %w", req.Verb, err)
	}
	tctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	args := append(append([]string(nil), opt.Args...), "worker", req.Verb)
	cmd := exec.CommandContext(tctx, opt.Exe, args...)
	cmd.Env = childEnv(opt)
	cmd.Stdin = bytes.NewReader(body)
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	// Its own process group, so that the timeout kills whatever it started too; and SIGKILL
	// when the parent dies.
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", req.Verb, err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sandbox %s: start worker %s: %w", req.Verb, opt.Exe, err)
	}
	resp, over, decErr := readResponse(stdout, opt.MaxOutputBytes, out)
	if over {
		_ = killGroup(cmd.Process.Pid) // stop it writing; Wait reaps it
	}
	waitErr := cmd.Wait()
	ce := &ChildError{Verb: req.Verb, Stderr: stderr.String(), Duration: time.Since(start)}
	if waitErr != nil {
		ce.Exit = exitText(cmd.ProcessState, waitErr)
	}
	if waitErr == nil && decErr == nil && !over {
		return resp.decode(ce) // an answer, even if it came as the deadline passed
	}
	switch {
	case ctx.Err() != nil: // the caller gave up (shutdown): not the file's fault
		return fmt.Errorf("sandbox %s: %w", req.Verb, ctx.Err())
	case tctx.Err() != nil:
		ce.Problem = "timed out after " + opt.Timeout.String()
		return childFailed(CodeTimeout, MsgTimeout, ce)
	case over:
		ce.Problem = "output over " + strconv.FormatInt(opt.MaxOutputBytes, 10) + " bytes"
		return childFailed(CodeTooLarge, MsgChildFailed, ce)
	case waitErr != nil:
		ce.Problem = "died"
		if strings.Contains(ce.Stderr, "out of memory") || strings.Contains(ce.Stderr, "cannot allocate memory") {
			ce.Problem = "out of memory"
		}
		if code := exitCode(cmd.ProcessState); code == ExitSetup {
			// the sandbox itself could not be set up: not the file's fault
			return fmt.Errorf("sandbox %s: %w", req.Verb, ce)
		}
		return childFailed(CodeTooLarge, MsgChildFailed, ce)
	}
	ce.Problem = "bad response: " + decErr.Error()
	return childFailed(CodeTooLarge, MsgChildFailed, ce)
}

// readResponse reads the child's one response from its stdout, at most max bytes, and drains
// the rest (bounded) so that the child is never left blocked on a full pipe. over is set when
// the child wrote more than max bytes.
func readResponse(stdout io.Reader, max int64, out any) (resp response, over bool, err error) {
	resp.Result = out
	lr := &capReader{r: stdout, left: max}
	dec := json.NewDecoder(lr)
	err = dec.Decode(&resp)
	var trail trailing // only white space may follow the one response
	_, _ = io.Copy(&trail, io.MultiReader(dec.Buffered(), lr))
	if err == nil && trail.n > 0 {
		err = fmt.Errorf("%d bytes after the response", trail.n)
	}
	return resp, lr.over, err
}

// decode turns the well-formed response of a child that exited 0 into an error, or nil when
// the result was decoded.
func (resp *response) decode(ce *ChildError) error {
	switch {
	case resp.Error != "":
		return fmt.Errorf("sandbox %s: worker: %s", ce.Verb, resp.Error)
	case resp.FileError != nil:
		fe := &ledger.FileError{Code: resp.FileError.Code, Message: resp.FileError.Message}
		if resp.FileError.Detail != "" {
			fe.Err = errors.New(resp.FileError.Detail)
		}
		if fe.Code == "" || fe.Message == "" {
			ce.Problem = "file error without code or message"
			return childFailed(CodeTooLarge, MsgChildFailed, ce)
		}
		return fe
	case resp.Result == nil:
		ce.Problem = "empty response"
		return childFailed(CodeTooLarge, MsgChildFailed, ce)
	}
	return nil
}

// childEnv is the child's whole environment: a few harmless variables of ours, opt.Env, the
// memory cap.
func childEnv(opt Options) []string {
	var env []string
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, opt.Env...)
	return append(env, EnvMemoryMB+"="+strconv.Itoa(opt.MemoryMB))
}

func exitText(ps *os.ProcessState, err error) string {
	if ps == nil {
		return err.Error()
	}
	return ps.String()
}

func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	return ps.ExitCode()
}

func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// trailing counts the non-white-space bytes written to it.
type trailing struct{ n int64 }

func (t *trailing) Write(p []byte) (int, error) {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			t.n++
		}
	}
	return len(p), nil
}

// capReader reads at most left bytes; past that it fails and remembers it.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

var errOutputTooLarge = errors.New("worker output too large")

func (c *capReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, errOutputTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.over = true
		return n + int(c.left), errOutputTooLarge
	}
	return n, err
}

// tailBuffer keeps the first head and the last max-head bytes written to it: a Go crash puts
// the reason ("fatal error: out of memory", "panic: …") first and pages of goroutines after.
type tailBuffer struct {
	max   int
	first []byte
	buf   []byte
	total int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	t.total += int64(n)
	head := t.max / 4
	if len(t.first) < head {
		k := min(head-len(t.first), len(p))
		t.first = append(t.first, p[:k]...)
		p = p[k:]
	}
	keep := t.max - head
	if len(p) >= keep {
		t.buf = append(t.buf[:0], p[len(p)-keep:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - keep; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) String() string {
	if skipped := t.total - int64(len(t.first)+len(t.buf)); skipped > 0 {
		return fmt.Sprintf("%s\n…(%d bytes left out)…\n%s", t.first, skipped, t.buf)
	}
	return string(t.first) + string(t.buf)
}
