package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Test modes of the re-executed test binary (ZENGSHOU_SANDBOX_CHILD=1): a real child
// (ChildMain) or one that misbehaves in a chosen way.
const (
	envChild   = "ZENGSHOU_SANDBOX_CHILD"
	envMode    = "ZENGSHOU_SANDBOX_TEST_MODE"
	envPidFile = "ZENGSHOU_SANDBOX_TEST_PIDFILE"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(testChild())
	}
	// a secret of the service's environment, which the child must not see
	os.Setenv("ZENGSHOU_SECRET_FOR_TEST", "leak")
	os.Exit(m.Run())
}

func testChild() int {
	switch os.Getenv(envMode) {
	case "":
		return ChildMain(os.Stdin, os.Stdout)
	case "hang": // start a grandchild in our process group, then never answer
		cmd := exec.Command("sleep", "300")
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.WriteFile(os.Getenv(envPidFile), fmt.Appendf(nil, "%d %d", os.Getpid(), cmd.Process.Pid), 0o600)
		select {}
	case "garbage":
		fmt.Print("<html>502 Bad Gateway</html>")
	case "partial":
		fmt.Print(`{"result":{"ledger":{"sheets":[`)
	case "trailing":
		fmt.Print(`{"result":{"ledger":{"sheets":[],"inputs":{"households":[]},"errors":[]}}} and more`)
	case "flood": // far more output than the parent accepts
		b := []byte(strings.Repeat("x", 1<<20))
		for i := 0; i < 200; i++ {
			if _, err := os.Stdout.Write(b); err != nil {
				return 1
			}
		}
	case "stderr-flood": // megabytes of stderr, then die
		line := []byte(strings.Repeat("噪", 100) + "\n")
		for i := 0; i < 20000; i++ {
			os.Stderr.Write(line)
		}
		fmt.Fprintln(os.Stderr, "panic: the last words")
		return 2
	case "signal":
		syscall.Kill(os.Getpid(), syscall.SIGKILL) // as the kernel OOM killer does
		select {}
	case "setup":
		fmt.Fprintln(os.Stderr, "sandbox: cap memory: simulated")
		return ExitSetup
	case "alloc": // cap like ChildMain, then allocate past the cap
		if err := capMemory(os.Getenv(EnvMemoryMB)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return ExitSetup
		}
		b := make([]byte, 4<<30)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println(len(b))
	case "env":
		json.NewEncoder(os.Stdout).Encode(response{Error: strings.Join(append(os.Args[1:], os.Environ()...), "\n")})
	default:
		return 99
	}
	return 0
}

// childOptions re-execute the test binary as the child.
func childOptions(extraEnv ...string) Options {
	return Options{Env: append([]string{envChild + "=1"}, extraEnv...), Timeout: 60 * time.Second}
}

var (
	badDir    = filepath.Join("..", "..", "testdata", "bad")
	goodDir   = filepath.Join("..", "..", "calc", "ledger", "testdata", "ledgers")
	goodFiles = []string{"messy.xlsx", "multi.xlsx", "employment.xlsx"}
)

// goodOptions are the options the service passes (a valid period).
func goodOptions(t testing.TB) ledger.ReadOptions {
	return ledger.ReadOptions{Period: calc.Period{Year: 2026, Quarter: 3}, Limits: ledger.Limits{TmpDir: t.TempDir()}}
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// inProcess is ledger.Read's result in this process, as JSON.
func inProcess(t testing.TB, path string, ro ledger.ReadOptions) string {
	t.Helper()
	led, err := ledger.Read(path, ro)
	if err != nil {
		t.Fatalf("in-process read %s: %v", path, err)
	}
	return jsonOf(t, led)
}

// checkGood reads a good ledger through the child and compares it with the in-process read.
func checkGood(t *testing.T, name, want string) {
	t.Helper()
	led, err := Read(context.Background(), childOptions(), filepath.Join(goodDir, name), goodOptions(t))
	if err != nil {
		t.Fatalf("good ledger %s after a bad file: %v", name, err)
	}
	if got := jsonOf(t, led); got != want {
		t.Fatalf("good ledger %s through the sandbox differs from the in-process read:\n got %.400s\nwant %.400s", name, got, want)
	}
}

func TestGoodLedgersSameAsInProcess(t *testing.T) {
	for _, name := range goodFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(goodDir, name)
			want := inProcess(t, path, goodOptions(t))
			checkGood(t, name, want)
			if !strings.Contains(want, `"kind":"households"`) && !strings.Contains(want, `"kind":"laborers"`) {
				t.Fatalf("%s: no ledger sheet recognized: %.300s", name, want)
			}
		})
	}
}

// A generated ledger of a few thousand households — the size of a township — reads within the
// default memory cap, through the child, the same as in-process.
func TestLargerLedgerWithinCap(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("heavy: skipped with -race and -short")
	}
	path := filepath.Join(t.TempDir(), "township.xlsx")
	if err := ledger.GenerateFile(path, 5000, 7, ledger.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	ro := goodOptions(t)
	want := inProcess(t, path, ro)
	start := time.Now()
	led, err := Read(context.Background(), childOptions(), path, ro)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("5000 households through the child: %v, %d households, %d bytes of JSON", time.Since(start), len(led.Inputs.Households), len(want))
	if got := jsonOf(t, led); got != want {
		t.Fatal("sandbox result differs from the in-process read")
	}
}

func TestReadOptionsRoundTrip(t *testing.T) {
	ro := ledger.ReadOptions{
		Limits:         ledger.Limits{MaxFileBytes: 1, MaxUnzippedBytes: 2, MaxXMLBytes: 3, MaxEntries: 4, MaxRatio: 5, MaxRows: 6, MaxCols: 7, MaxCells: 8, LargeFileRows: 9, TmpDir: "/tmp/x"},
		Synonyms:       map[string][]string{"wage_income": {"打工收入", "务工收入"}},
		Templates:      []ledger.Template{{Name: "林东镇", Match: "abc", Kind: ledger.KindHouseholds, Fields: map[string]string{"其他": "-"}}},
		Password:       "p\"w",
		SofficePath:    "/usr/bin/soffice",
		SofficeTimeout: 90 * time.Second,
		Period:         calc.Period{Year: 2026, Quarter: 2},
		BlankRunStop:   77,
	}
	for _, in := range []ledger.ReadOptions{ro, {}} {
		raw, err := encodeReadOptions(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := decodeReadOptions(raw)
		if err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		if jsonOf(t, out) != jsonOf(t, in) || fmt.Sprintf("%+v", out) != fmt.Sprintf("%+v", in) {
			t.Fatalf("options changed on the way:\n got %+v\nwant %+v", out, in)
		}
	}
}

// expectation is the reply a bad file must get: a FileError (code, message substring) or, for a
// file that is readable but bad, what was read and the cell problems by sheet/row/column.
type expectation struct {
	code, msg  string // FileError
	households int    // readable: households read
	errors     []calc.DataError
	opt        func(*ledger.ReadOptions)
}

// heavy corpus files take seconds under the race detector; they are skipped with -race and
// -short (the parent's code is exercised by the light ones).
var heavy = map[string]bool{"gen/million_styled_rows.xlsx": true, "gen/bomb_lying.xlsx": true, "gen/cols_10000.xlsx": true, "gen/entries_2500.xlsx": true}

func de(sheet string, row int, column, msg string) calc.DataError {
	return calc.DataError{Sheet: sheet, Row: row, Column: column, Message: msg}
}

const hhSheet = "脱贫户收入台账"

// corpus is every bad file and the reply it must get. Files in testdata/bad are committed;
// the rest are generated into a temp dir (generated, below).
var corpus = map[string]expectation{
	"truncated.xlsx":              {code: "damaged", msg: "文件已损坏"},
	"random.xlsx":                 {code: "not_xlsx", msg: "这不是Excel工作簿"},
	"random_after_zip_magic.xlsx": {code: "damaged", msg: "文件已损坏"},
	"zero_bytes.xlsx":             {code: "empty", msg: "工作簿是空的"},
	"text_renamed.xlsx":           {code: "not_xlsx", msg: "这不是Excel工作簿"},
	"lying_size.xlsx":             {code: "zip_bomb", msg: "压缩包信息与实际不符"},
	"declares_8gib.xlsx":          {code: "too_large", msg: "文件解压后内容太大（超过512MB）"},
	"password.xlsx":               {code: "encrypted", msg: "文件设置了密码，无法读取"},
	"password.xlsx#wrong":         {code: "encrypted", msg: "配置的密码不正确", opt: func(o *ledger.ReadOptions) { o.Password = "wrong" }},
	"password.xlsx#right":         {households: 3, opt: func(o *ledger.ReadOptions) { o.Password = corpusPassword }},
	"legacy.xls":                  {code: "xls", msg: "这是旧版 .xls（或WPS .et）文件，请另存为 .xlsx"},
	"legacy.et":                   {code: "et", msg: "这是旧版 .xls（或WPS .et）文件，请另存为 .xlsx"},
	"ole_not_workbook.xlsx":       {code: "not_xlsx", msg: "这不是Excel工作簿"},
	"zip_not_workbook.xlsx":       {code: "not_xlsx", msg: "这不是Excel工作簿"},
	"path_traversal.xlsx":         {code: "damaged", msg: "文件已损坏"},
	"empty_workbook.xlsx":         {code: "no_ledger", msg: "没有找到可识别的台账。看到的工作表：“Sheet1”（空表）"},
	"no_ledger.xlsx":              {code: "no_ledger", msg: "没有找到可识别的台账。看到的工作表：“会议记录”"},
	// Reader follow-up: the 40,000-character 户主姓名 is taken silently. The 40,000-digit
	// income is 数值过大, its value clipped in the message.
	"long_cell.xlsx": {households: 3, errors: []calc.DataError{
		de(hhSheet, 5, "工资性收入", "‘工资性收入’的值“99999999999999999999…”数值过大"),
	}},
	"formula_errors.xlsx": {households: 4, errors: []calc.DataError{
		de(hhSheet, 3, "工资性收入", "‘工资性收入’的值“#DIV/0!”是公式错误值"),
		de(hhSheet, 4, "人均纯收入", "‘人均纯收入’的值“#REF!”是公式错误值"),
		de(hhSheet, 5, "家庭人口", "‘家庭人口’的值“#N/A”是公式错误值"),
	}},
	"dates_as_text.xlsx": {households: 5, errors: []calc.DataError{
		de("低保渐退", 4, "渐退期满时间", "‘渐退期满时间’的值“明年六月”不是日期"),
		de("低保渐退", 5, "渐退期满时间", "‘渐退期满时间’的值“2026-02-30”不是有效日期"),
		de("低保渐退", 6, "渐退期满时间", "‘渐退期满时间’的值“六月底”不是日期"),
	}},
	"ids_as_numbers.xlsx": {households: 4, errors: []calc.DataError{
		de(hhSheet, 3, "身份证号码", ledger.MsgIDAsNumber),
		de(hhSheet, 5, "身份证号码", ledger.MsgIDAsNumber),
	}},
	"duplicate_households.xlsx": {households: 4, errors: []calc.DataError{
		de(hhSheet, 7, "", "这一户（150422001002）在“脱贫户收入台账”第4行已出现，本行未计入"),
	}},
	// The cadre's own sheet named 汇总 is their data: read as households (only sheets carrying our
	// marker are ours; calc/ledger TestCadreSheetNamedLikeOursIsKept checks it is kept on write).
	"sheet_named_summary.xlsx": {households: 4},

	// generated at test time
	"gen/bomb_4gib.xlsx":           {code: "too_large", msg: "文件解压后内容太大"},
	"gen/bomb_ratio.xlsx":          {code: "zip_bomb", msg: "压缩比过高"},
	"gen/bomb_lying.xlsx":          {code: "zip_bomb", msg: "压缩包信息与实际不符"},
	"gen/million_styled_rows.xlsx": {households: 5},
	"gen/cols_10000.xlsx":          {households: 5},
	"gen/entries_2500.xlsx":        {code: "zip_bomb", msg: "为安全起见已拒绝读取"},
}

// generated makes the big files of the corpus in dir.
var generated = map[string]func(path string) error{
	"gen/bomb_4gib.xlsx":           func(p string) error { return writeBomb(p, 4096, 0) },   // 4 GiB of spaces, ~4 MB
	"gen/bomb_ratio.xlsx":          func(p string) error { return writeBomb(p, 400, 0) },    // 400 MiB honestly declared: ratio ~1000:1
	"gen/bomb_lying.xlsx":          func(p string) error { return writeBomb(p, 2048, 900) }, // 2 GiB declared as 900 bytes
	"gen/million_styled_rows.xlsx": millionRows,
	"gen/cols_10000.xlsx":          wideCols,
	"gen/entries_2500.xlsx":        manyEntries,
}

func corpusPath(t *testing.T, dir, name string) string {
	t.Helper()
	name, _, _ = strings.Cut(name, "#")
	if gen, ok := generated[name]; ok {
		p := filepath.Join(dir, filepath.Base(name))
		start := time.Now()
		if err := gen(p); err != nil {
			t.Fatalf("generate %s: %v", name, err)
		}
		fi, _ := os.Stat(p)
		t.Logf("generated %s: %d bytes in %v", name, fi.Size(), time.Since(start).Round(time.Millisecond))
		return p
	}
	return filepath.Join(badDir, name)
}

// TestCorpus runs every bad file through the child, checks the reply, then reads a good ledger
// through the same path and checks it is read normally.
func TestCorpus(t *testing.T) {
	if len(corpus) < 15 {
		t.Fatalf("corpus has %d files, want at least 15", len(corpus))
	}
	good := goodFiles[0]
	want := inProcess(t, filepath.Join(goodDir, good), goodOptions(t))
	for name, exp := range corpus {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			if heavy[name] && (raceEnabled || testing.Short()) {
				t.Skip("heavy: skipped with -race and -short")
			}
			t.Parallel()
			path := corpusPath(t, t.TempDir(), name)
			ro := goodOptions(t)
			if exp.opt != nil {
				exp.opt(&ro)
			}
			start := time.Now()
			led, err := Read(context.Background(), childOptions(), path, ro)
			t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
			checkReply(t, name, exp, led, err)
			checkGood(t, good, want)
		})
	}
}

func checkReply(t *testing.T, name string, exp expectation, led *ledger.Ledger, err error) {
	t.Helper()
	if exp.code != "" {
		var fe *ledger.FileError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: want FileError %s, got %v (ledger %v)", name, exp.code, err, led != nil)
		}
		if fe.Code != exp.code || !strings.Contains(fe.Message, exp.msg) {
			t.Fatalf("%s: got FileError %s %q (%v), want %s containing %q", name, fe.Code, fe.Message, fe.Err, exp.code, exp.msg)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: want a ledger, got %v", name, err)
	}
	if got := len(led.Inputs.Households); got != exp.households {
		t.Errorf("%s: %d households, want %d", name, got, exp.households)
	}
	var got []calc.DataError
	for _, e := range led.Errors {
		if !e.Warning {
			got = append(got, e)
		}
	}
	if len(got) != len(exp.errors) {
		t.Fatalf("%s: %d cell problems, want %d:\n%s", name, len(got), len(exp.errors), trimJSON(jsonOf(t, got)))
	}
	for i, w := range exp.errors {
		g := got[i]
		if g.Sheet != w.Sheet || g.Row != w.Row || g.Column != w.Column || !strings.HasPrefix(g.Message, w.Message) {
			t.Errorf("%s: problem %d is %s/%d/%s %q, want %s/%d/%s %q", name, i, g.Sheet, g.Row, g.Column, trimJSON(g.Message), w.Sheet, w.Row, w.Column, w.Message)
		}
	}
}

func trimJSON(s string) string {
	if r := []rune(s); len(r) > 600 {
		return string(r[:600]) + "…"
	}
	return s
}

// The OOM case: with the reader's zip checks relaxed (as if misconfigured with excelize's
// 16 GB default), the 6 KB file that declares an 8 GiB xl/styles.xml makes excelize
// pre-allocate 8 GiB; under the child's address-space cap the Go runtime dies with "fatal
// error: out of memory". The parent reports a FileError and the next good file reads normally.
func TestOutOfMemoryChildDies(t *testing.T) {
	if raceEnabled {
		t.Skip("no RLIMIT_AS under the race detector")
	}
	ro := goodOptions(t)
	ro.Limits.MaxUnzippedBytes = 16 << 30
	ro.Limits.MaxXMLBytes = 16 << 20
	ro.Limits.MaxRatio = 1 << 40
	start := time.Now()
	_, err := Read(context.Background(), childOptions(), filepath.Join(badDir, "declares_8gib.xlsx"), ro)
	var fe *ledger.FileError
	if !errors.As(err, &fe) || fe.Code != CodeTooLarge || fe.Message != MsgChildFailed {
		t.Fatalf("want FileError too_large %q, got %v", MsgChildFailed, err)
	}
	var ce *ChildError
	if !errors.As(err, &ce) || ce.Problem != "out of memory" || !strings.Contains(ce.Stderr, "fatal error: out of memory") {
		t.Fatalf("want the child dead of out of memory, got %#v", ce)
	}
	t.Logf("child died in %v: %v", time.Since(start).Round(time.Millisecond), err)
	checkGood(t, goodFiles[0], inProcess(t, filepath.Join(goodDir, goodFiles[0]), goodOptions(t)))
}

// The cap holds whatever the child does: allocating 4 GiB under a 256 MiB budget kills it.
func TestMemoryCapAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("no RLIMIT_AS under the race detector")
	}
	opt := childOptions(envMode + "=alloc")
	opt.MemoryMB = 256
	_, err := Read(context.Background(), opt, "x.xlsx", ledger.ReadOptions{})
	var ce *ChildError
	if !isFileError(err, CodeTooLarge) || !errors.As(err, &ce) || ce.Problem != "out of memory" {
		t.Fatalf("want too_large out of memory, got %v", err)
	}
}

func isFileError(err error, code string) bool {
	var fe *ledger.FileError
	return errors.As(err, &fe) && fe.Code == code
}

// A child that never answers is killed at the timeout with its whole process group (the
// grandchild too), reaped (no zombie), and reported as a timeout.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pids")
	opt := childOptions(envMode+"=hang", envPidFile+"="+pidFile)
	opt.Timeout = 1500 * time.Millisecond
	start := time.Now()
	_, err := Read(context.Background(), opt, "x.xlsx", ledger.ReadOptions{})
	took := time.Since(start)
	var fe *ledger.FileError
	if !errors.As(err, &fe) || fe.Code != CodeTimeout || fe.Message != MsgTimeout {
		t.Fatalf("want FileError timeout, got %v", err)
	}
	if took > opt.Timeout+3*time.Second {
		t.Fatalf("took %v with a %v timeout", took, opt.Timeout)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	for _, p := range f {
		pid, _ := strconv.Atoi(p)
		waitGone(t, pid)
	}
	checkGood(t, goodFiles[0], inProcess(t, filepath.Join(goodDir, goodFiles[0]), goodOptions(t)))
}

// waitGone waits until pid no longer exists or is a zombie of someone else's (the grandchild,
// reparented to init, is reaped by init; our own child must be reaped by us).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 50; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return // gone
		}
		// state is the field after the ")" of the command name
		st := string(b)
		if j := strings.LastIndexByte(st, ')'); j > 0 && len(st) > j+2 {
			state := st[j+2]
			ppid := strings.Fields(st[j+2:])[1]
			if state == 'Z' && ppid != strconv.Itoa(os.Getpid()) {
				return // killed, waiting for its (new) parent to reap it
			}
			if state == 'Z' {
				t.Fatalf("pid %d is our zombie", pid)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pid %d still running after the timeout", pid)
}

// Children that misbehave become FileErrors (or, when the sandbox itself failed, plain errors),
// with bounded output kept.
func TestMisbehavingChildren(t *testing.T) {
	cases := []struct {
		mode     string
		code     string // "" = plain error
		problem  string
		maxOut   int64
		checkErr func(t *testing.T, ce *ChildError)
	}{
		{mode: "garbage", code: CodeTooLarge, problem: "bad response"},
		{mode: "partial", code: CodeTooLarge, problem: "bad response"},
		{mode: "trailing", code: CodeTooLarge, problem: "bad response"},
		{mode: "flood", code: CodeTooLarge, problem: "output over", maxOut: 4 << 20},
		{mode: "signal", code: CodeTooLarge, problem: "died", checkErr: func(t *testing.T, ce *ChildError) {
			if ce.Exit != "signal: killed" {
				t.Errorf("exit %q", ce.Exit)
			}
		}},
		{mode: "stderr-flood", code: CodeTooLarge, problem: "died", checkErr: func(t *testing.T, ce *ChildError) {
			if len(ce.Stderr) > stderrTail+100 || !strings.Contains(ce.Stderr, "panic: the last words") || !strings.Contains(ce.Error(), "panic: the last words") {
				t.Errorf("stderr tail %d bytes, error %q", len(ce.Stderr), ce.Error())
			}
		}},
		{mode: "setup", code: "", problem: "sandbox read: worker read: died"},
		{mode: "env", code: "", problem: "sandbox read: worker: "},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			opt := childOptions(envMode + "=" + c.mode)
			opt.MaxOutputBytes = c.maxOut
			if c.mode == "env" {
				opt.Args = []string{"-test.run=^$", "--prefix"}
			}
			_, err := Read(context.Background(), opt, "x.xlsx", ledger.ReadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			var fe *ledger.FileError
			var ce *ChildError
			errors.As(err, &ce)
			if c.code == "" {
				if errors.As(err, &fe) || !strings.Contains(err.Error(), c.problem) {
					t.Fatalf("want a plain error containing %q, got %v", c.problem, err)
				}
				if c.mode == "env" {
					env := err.Error()
					if strings.Contains(env, "ZENGSHOU_SECRET_FOR_TEST") || !strings.Contains(env, EnvMemoryMB+"=1024") ||
						!strings.Contains(env, "worker: -test.run=^$\n--prefix\nworker\nread\n") {
						t.Fatalf("child environment: %s", env)
					}
				}
				return
			}
			if !errors.As(err, &fe) || fe.Code != c.code || ce == nil || !strings.HasPrefix(ce.Problem, c.problem) {
				t.Fatalf("want FileError %s with problem %q, got %v", c.code, c.problem, err)
			}
			if strings.Contains(fe.Message, "panic") || strings.Contains(fe.Message, "worker") {
				t.Fatalf("cadre message leaks internals: %q", fe.Message)
			}
			if c.checkErr != nil {
				c.checkErr(t, ce)
			}
		})
	}
}

// The caller's context ending (shutdown) is not the file's fault.
func TestCallerCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	opt := childOptions(envMode+"=hang", envPidFile+"="+filepath.Join(t.TempDir(), "pids"))
	_, err := Read(ctx, opt, "x.xlsx", ledger.ReadOptions{})
	var fe *ledger.FileError
	if errors.As(err, &fe) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the caller's context error, got %v", err)
	}
}

func TestMissingExecutable(t *testing.T) {
	_, err := Read(context.Background(), Options{Exe: "/nonexistent/zengshou"}, "x.xlsx", ledger.ReadOptions{})
	var fe *ledger.FileError
	if err == nil || errors.As(err, &fe) {
		t.Fatalf("want a plain error, got %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 12} // 3 bytes of head, 9 of tail
	for _, s := range []string{"ab", "cdefgh", "ijklmnopqrstu", "v", "wxyz"} {
		tb.Write([]byte(s))
	}
	if got, want := tb.String(), "abc\n…(14 bytes left out)…\nrstuvwxyz"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	tb = &tailBuffer{max: 12}
	tb.Write([]byte("short"))
	if tb.String() != "short" {
		t.Fatalf("got %q", tb.String())
	}
}

// The committed corpus is what the generator makes (run with -update to rewrite it).
func TestCorpusFiles(t *testing.T) {
	if *update {
		if err := os.MkdirAll(badDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, cf := range corpusFiles {
		path := filepath.Join(badDir, cf.name)
		data := cf.make(t)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./bot/sandbox -run TestCorpusFiles -update)", err)
		}
		if !cf.random && string(got) != string(data) {
			t.Errorf("%s differs from the generator's output (go test ./bot/sandbox -run TestCorpusFiles -update)", cf.name)
		}
		if _, ok := corpus[cf.name]; !ok {
			t.Errorf("%s has no expected reply in corpus", cf.name)
		}
	}
}

// TestRealBinary runs the corpus's OOM case and a good ledger through a built zengshou binary
// (`zengshou worker read`): ZENGSHOU_BIN=$(go env GOPATH)/bin/zengshou go test ./bot/sandbox -run RealBinary
func TestRealBinary(t *testing.T) {
	bin := os.Getenv("ZENGSHOU_BIN")
	if bin == "" {
		t.Skip("set ZENGSHOU_BIN to a built zengshou binary")
	}
	opt := Options{Exe: bin}
	led, err := Read(context.Background(), opt, filepath.Join(goodDir, goodFiles[0]), goodOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, led), inProcess(t, filepath.Join(goodDir, goodFiles[0]), goodOptions(t)); got != want {
		t.Fatal("real binary's result differs from the in-process read")
	}
	ro := goodOptions(t)
	ro.Limits.MaxUnzippedBytes, ro.Limits.MaxRatio = 16<<30, 1<<40
	_, err = Read(context.Background(), opt, filepath.Join(badDir, "declares_8gib.xlsx"), ro)
	var ce *ChildError
	if !isFileError(err, CodeTooLarge) || !errors.As(err, &ce) || ce.Problem != "out of memory" {
		t.Fatalf("want the child dead of out of memory, got %v", err)
	}
	t.Log(err)
}
