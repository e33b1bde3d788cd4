package main

// zengshou bench (issue 9): how fast a ledger goes through, against the excelize floor and
// against LibreOffice, measured in one run on this machine. Every stage runs as a child process
// (this binary again, or soffice) so that its wall time and peak RSS are its own
// (cmd.ProcessState.SysUsage: Maxrss of the child and its reaped descendants). --service drives
// the whole service in-process through the local connector with a burst of village workbooks.
//
// Measurement only: nothing here asserts a time; the targets are printed beside the figures.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"zengshou/bot"
	"zengshou/bot/sandbox"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors/local"
)

func init() {
	register(command{
		name: "bench",
		usage: "[--households 1000,10000,100000] [--office] [--runs N] [--keep] [--service [--workbooks 1000]]  " +
			"性能测试：对比 excelize 下限和 LibreOffice / benchmark against the excelize floor and LibreOffice",
		run: func(ctx context.Context, args []string) error { return runBench(ctx, os.Stdout, os.Stderr, args) },
	})
}

// Targets of issue 9, printed beside the figures.
const (
	targetFloorRatio    = 1.3  // b/a at 100k households
	targetRSSMiB        = 600  // peak RSS of zengshou calc at 100k households
	target1kSeconds     = 0.3  // zengshou calc end to end at 1k households
	targetWorkbooksMin  = 600. // service burst, workbooks per minute
	targetEvalPerSecond = 1e6  // rule evaluation alone, households per second per core
)

// evalStage is stage (d): bench-eval's figures for one ledger, or why they are missing.
type evalStage struct {
	evalRun
	err string
}

func (e evalStage) perSecond() float64 {
	if e.Median <= 0 {
		return 0
	}
	return float64(e.Households) / e.Median
}

// outputPerSecond is the households per second of writing out the same results with no rule
// logic (bench-eval's outputFloor): the most (d) could reach with results of this form.
func (e evalStage) outputPerSecond() float64 {
	if e.OutputMedian <= 0 {
		return 0
	}
	return float64(e.Households) / e.OutputMedian
}

// benchEvalStage runs bench-eval on the ledger in a child process.
func benchEvalStage(ctx context.Context, exe, in string, o benchOpts) evalStage {
	args := []string{"bench-eval", in, o.period}
	if o.config != "" {
		args = append(args, o.config)
	}
	var out bytes.Buffer
	if _, err := runMeasuredOut(ctx, &out, exe, args...); err != nil {
		return evalStage{err: err.Error()}
	}
	var r evalRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return evalStage{err: "bench-eval: " + err.Error()}
	}
	return evalStage{evalRun: r}
}

// groupThousands is n rounded, with thousands separators: 1,234,567.
func groupThousands(n float64) string {
	s := strconv.FormatInt(int64(n+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

type benchOpts struct {
	households []int
	runs       int
	seed       int64
	period     string
	config     string
	office     bool
	soffice    string
	keep       bool
	dir        string
	service    bool
	workbooks  int
	wbHouses   int
	chats      int
}

// stageRun is one measured child process.
type stageRun struct {
	wall time.Duration
	cpu  time.Duration // user + sys
	rss  int64         // KiB
}

// stage is the runs of one stage at one size.
type stage struct {
	n       int
	name    string
	runs    []stageRun
	skipped string // why it did not run
	failed  string
}

func (s *stage) median() stageRun {
	if len(s.runs) == 0 {
		return stageRun{}
	}
	rs := slices.Clone(s.runs)
	slices.SortFunc(rs, func(a, b stageRun) int { return int(a.wall - b.wall) })
	m := rs[len(rs)/2]
	for _, r := range rs {
		m.rss = max(m.rss, r.rss) // peak: the worst run
	}
	return m
}

func (s *stage) ok() bool { return len(s.runs) > 0 && s.failed == "" && s.skipped == "" }

func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		mult := 1
		if strings.HasSuffix(f, "k") {
			f, mult = strings.TrimSuffix(f, "k"), 1000
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q：应为正整数 / want a positive integer", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func runBench(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("bench", stderr)
	hh := fs.String("households", "100000", "户数，可用逗号分隔多个（如 1k,10k,100k） / households `N[,N…]`, a comma-separated list")
	var o benchOpts
	fs.IntVar(&o.runs, "runs", 1, "每个阶段运行次数（取中位数，内存取最大） / runs per stage (median wall, max RSS)")
	fs.Int64Var(&o.seed, "seed", 1, "生成台账的随机种子 / generator seed")
	fs.StringVar(&o.period, "period", "2026Q3", "计算季度 / period passed to calc")
	fs.StringVar(&o.config, "config", "", "配置文件 / config file passed to calc and the service")
	fs.BoolVar(&o.office, "office", false, "同时测 LibreOffice 打开并另存 / also time soffice --convert-to xlsx")
	fs.StringVar(&o.soffice, "soffice", "", "soffice 路径（默认在 PATH 中查找） / soffice path")
	fs.BoolVar(&o.keep, "keep", false, "保留生成的文件 / keep the generated files")
	fs.StringVar(&o.dir, "dir", "", "工作目录（默认临时目录） / work directory (default: a temp dir)")
	fs.BoolVar(&o.service, "service", false, "服务吞吐：经本地连接器处理一批村级台账 / service burst through the local connector")
	fs.IntVar(&o.workbooks, "workbooks", 1000, "--service 的台账数 / workbooks in the burst")
	fs.IntVar(&o.wbHouses, "workbook-households", 200, "--service 每本台账户数 / households per workbook")
	fs.IntVar(&o.chats, "chats", 100, "--service 的群数 / chats the burst is spread over")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) > 0 || o.runs < 1 || o.workbooks < 1 || o.wbHouses < 1 || o.chats < 1 {
		return &exitError{code: 2, msg: "用法 / usage: zengshou bench [--households 1k,10k,100k] [--office] [--runs N] [--keep] [--service [--workbooks 1000]]"}
	}
	if o.households, err = parseIntList(*hh); err != nil {
		return &exitError{code: 2, msg: "--households " + err.Error()}
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zengshou-bench-"); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	if !o.keep && o.dir == "" {
		defer os.RemoveAll(dir)
	}
	exe, err := os.Executable()
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	printBenchEnv(stdout, o)
	if o.service {
		return benchService(ctx, stdout, dir, o)
	}
	return benchLedgers(ctx, stdout, exe, dir, o)
}

func printBenchEnv(w io.Writer, o benchOpts) {
	xv := "?"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/xuri/excelize/v2" {
				xv = d.Version
			}
		}
	}
	fmt.Fprintf(w, "环境 / env: %s, excelize %s, %s/%s, %d CPU, GOMAXPROCS=%d\n", runtime.Version(), xv, runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), runtime.GOMAXPROCS(0))
}

// runMeasured runs a child to completion and returns its wall time, CPU and peak RSS.
func runMeasured(ctx context.Context, name string, args ...string) (stageRun, error) {
	return runMeasuredOut(ctx, io.Discard, name, args...)
}

// runMeasuredOut is runMeasured with the child's standard output written to out.
func runMeasuredOut(ctx context.Context, out io.Writer, name string, args ...string) (stageRun, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var errb bytes.Buffer
	cmd.Stdout = out
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var r stageRun
	r.wall = wall
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.rss = ru.Maxrss // KiB on Linux
			r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return r, fmt.Errorf("%s: %v %s", filepath.Base(name), err, msg)
	}
	return r, nil
}

func findSoffice(path string) string {
	if path != "" {
		return path
	}
	for _, n := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func benchLedgers(ctx context.Context, w io.Writer, exe, dir string, o benchOpts) error {
	soffice := ""
	if o.office {
		soffice = findSoffice(o.soffice)
		if soffice == "" {
			fmt.Fprintln(w, "LibreOffice 未安装，跳过 / LibreOffice not installed, skipped")
		}
	}
	loProfile := "file://" + filepath.Join(dir, "lo-profile")
	if soffice != "" { // first start builds the profile: a warm-up run that is not timed
		tiny := filepath.Join(dir, "warmup.xlsx")
		if err := ledger.GenerateFile(tiny, 10, o.seed, ledger.GenOptions{}); err == nil {
			_, _ = runMeasured(ctx, soffice, "--headless", "--norestore", "-env:UserInstallation="+loProfile,
				"--convert-to", "xlsx", "--outdir", filepath.Join(dir, "office-warmup"), tiny)
		}
	}
	var all [][]*stage
	var evals []evalStage
	for _, n := range o.households {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		in := filepath.Join(dir, fmt.Sprintf("ledger-%d.xlsx", n))
		t0 := time.Now()
		if err := ledger.GenerateFile(in, n, o.seed, ledger.GenOptions{}); err != nil {
			return &exitError{code: 1, msg: "生成台账失败：" + err.Error()}
		}
		st, _ := os.Stat(in)
		fmt.Fprintf(w, "生成 / generated %s: %d户, %.1f MB, %.2f s\n", filepath.Base(in), n, float64(st.Size())/1e6, time.Since(t0).Seconds())
		a := &stage{n: n, name: "(a) excelize 下限 floor"}
		b := &stage{n: n, name: "(b) zengshou calc"}
		c := &stage{n: n, name: "(c) LibreOffice 打开+另存"}
		if !o.office {
			c.skipped = "未要求 (--office)"
		} else if soffice == "" {
			c.skipped = "LibreOffice 未安装，跳过"
		}
		for run := 0; run < o.runs; run++ {
			measure := func(s *stage, name string, args ...string) {
				if s.failed != "" || s.skipped != "" {
					return
				}
				r, err := runMeasured(ctx, name, args...)
				if err != nil {
					s.failed = err.Error()
					return
				}
				s.runs = append(s.runs, r)
			}
			measure(a, exe, "bench-floor", in, filepath.Join(dir, fmt.Sprintf("floor-%d.xlsx", n)))
			cargs := []string{"calc", in, "-o", filepath.Join(dir, fmt.Sprintf("calc-%d.xlsx", n)), "--period", o.period}
			if o.config != "" {
				cargs = append(cargs, "--config", o.config)
			}
			measure(b, exe, cargs...)
			measure(c, soffice, "--headless", "--norestore", "-env:UserInstallation="+loProfile,
				"--convert-to", "xlsx", "--outdir", filepath.Join(dir, "office"), in)
		}
		stages := []*stage{a, b, c}
		all = append(all, stages)
		printStages(w, stages)
		ev := benchEvalStage(ctx, exe, in, o)
		evals = append(evals, ev)
		if ev.err != "" {
			fmt.Fprintf(w, "  %-28s 失败 / failed: %s\n", "(d) 规则计算 rule evaluation", ev.err)
		} else {
			fmt.Fprintf(w, "  %-28s %7.3f s  %s户/秒/核 households/s per core（%d次取中位数 median of %d）\n", "(d) 规则计算 rule evaluation",
				ev.Median, groupThousands(ev.perSecond()), ev.Runs, ev.Runs)
			if ev.OutputMedian > 0 {
				fmt.Fprintf(w, "  %-28s %7.3f s  %s户/秒/核（同样的结果只写出、不含规则逻辑：(d) 的下限 the same results written out with no rule logic: the floor under (d)）\n",
					"(d′) 仅写出结果 output alone", ev.OutputMedian, groupThousands(ev.outputPerSecond()))
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "汇总 / summary")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "户数 N\t阶段 stage\t墙钟 wall s\tCPU s\t峰值内存 peak RSS MiB\t")
	for _, stages := range all {
		for _, s := range stages {
			if s.skipped != "" {
				continue
			}
			if s.failed != "" {
				fmt.Fprintf(tw, "%d\t%s\t失败 failed\t\t\t\n", s.n, s.name)
				continue
			}
			m := s.median()
			fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.0f\t\n", s.n, s.name, m.wall.Seconds(), m.cpu.Seconds(), float64(m.rss)/1024)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "比值与目标 / ratios and targets")
	for i, stages := range all {
		a, b, c := stages[0], stages[1], stages[2]
		n := o.households[i]
		line := fmt.Sprintf("N=%d:", n)
		if a.ok() && b.ok() {
			r := b.median().wall.Seconds() / a.median().wall.Seconds()
			line += fmt.Sprintf(" b/a = %.2f", r)
			if n >= 100000 {
				line += fmt.Sprintf("（目标 ≤ %.1f %s）", targetFloorRatio, mark(r <= targetFloorRatio))
			}
		}
		if b.ok() && c.ok() {
			r := b.median().wall.Seconds() / c.median().wall.Seconds()
			line += fmt.Sprintf("  b/c = %.2f（目标 < 1 %s）", r, mark(r < 1))
		}
		if b.ok() {
			m := b.median()
			if n >= 100000 {
				line += fmt.Sprintf("  calc RSS %.0f MiB（目标 ≤ %d %s）", float64(m.rss)/1024, targetRSSMiB, mark(m.rss <= targetRSSMiB*1024))
			}
			if n <= 1000 {
				line += fmt.Sprintf("  calc %.2f s（目标 ≤ %.1f s %s）", m.wall.Seconds(), target1kSeconds, mark(m.wall.Seconds() <= target1kSeconds))
			}
			line += fmt.Sprintf("  %.1f µs/户", m.wall.Seconds()*1e6/float64(n))
		}
		if ev := evals[i]; ev.err == "" && ev.Median > 0 {
			hs := ev.perSecond()
			line += fmt.Sprintf("  规则计算 %s户/秒/核（目标 ≥ %s %s）", groupThousands(hs), groupThousands(targetEvalPerSecond), mark(hs >= targetEvalPerSecond))
			if b.ok() {
				line += fmt.Sprintf("，占 calc 的 %.0f%%", 100*ev.Median/b.median().wall.Seconds())
			}
			if ev.OutputMedian > 0 {
				line += fmt.Sprintf("；仅写出结果已需 %.2f µs/户（上限 %s户/秒/核）", ev.OutputMedian*1e6/float64(ev.Households), groupThousands(ev.outputPerSecond()))
			}
		}
		fmt.Fprintln(w, line)
	}
	if o.keep || o.dir != "" {
		fmt.Fprintln(w, "文件保留在 / files kept in", dir)
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func printStages(w io.Writer, stages []*stage) {
	for _, s := range stages {
		switch {
		case s.skipped != "":
			fmt.Fprintf(w, "  %-28s %s\n", s.name, s.skipped)
		case s.failed != "":
			fmt.Fprintf(w, "  %-28s 失败 / failed: %s\n", s.name, s.failed)
		default:
			m := s.median()
			fmt.Fprintf(w, "  %-28s %7.2f s  CPU %7.2f s  %6.0f MiB\n", s.name, m.wall.Seconds(), m.cpu.Seconds(), float64(m.rss)/1024)
		}
	}
}

// benchService starts the service in-process on a fresh data directory, drops o.workbooks
// generated village workbooks into the local connector's inbox at once (each written as
// name.tmp and renamed, so the watcher never sees half a file) and waits until every one has
// its reply in outbox/messages.jsonl.
func benchService(ctx context.Context, w io.Writer, dir string, o benchOpts) error {
	cfg, err := config.Load(o.config)
	if err != nil {
		return &exitError{code: 1, msg: "配置有误 / config: " + err.Error()}
	}
	cfg.Local.Enabled = true
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o750); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	// Generate the burst first (not timed), hidden from the watcher by the .tmp suffix.
	t0 := time.Now()
	var pending [][2]string
	for i := 0; i < o.workbooks; i++ {
		chat := fmt.Sprintf("村%03d工作群", i%o.chats)
		cd := filepath.Join(data, "inbox", chat)
		if err := os.MkdirAll(cd, 0o750); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		final := filepath.Join(cd, fmt.Sprintf("台账%04d.xlsx", i))
		tmp := final + ".tmp"
		if err := ledger.GenerateFile(tmp, o.wbHouses, o.seed+int64(i), ledger.GenOptions{Villages: 1}); err != nil {
			return &exitError{code: 1, msg: "生成台账失败：" + err.Error()}
		}
		pending = append(pending, [2]string{tmp, final})
	}
	fmt.Fprintf(w, "生成 / generated %d workbooks × %d户 in %d chats: %.1f s\n", o.workbooks, o.wbHouses, o.chats, time.Since(t0).Seconds())

	exe, _ := os.Executable()
	so := sandbox.Options{Exe: exe, MemoryMB: cfg.Limits.ParseMemoryMB, Timeout: cfg.Limits.ParseTimeout}
	read := func(ctx context.Context, path string, ro ledger.ReadOptions) (*ledger.Ledger, error) {
		return sandbox.Read(ctx, so, path, ro) // as `zengshou serve` reads: in a sandboxed child
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var logBuf bytes.Buffer
	go func() {
		done <- bot.Run(sctx, bot.RunOptions{Config: cfg, DataDir: data, Addr: "127.0.0.1:0", Stdout: io.Discard,
			Log: bot.NewLogger(config.Log{Level: "warn", Format: "json"}, &logBuf), Read: read,
			Ready: func(addr string) { ready <- addr }})
	}()
	select {
	case <-ready:
	case err := <-done:
		return &exitError{code: 1, msg: fmt.Sprintf("服务启动失败 / service did not start: %v", err)}
	case <-time.After(60 * time.Second):
		return &exitError{code: 1, msg: "服务启动超时 / service did not start in 60 s"}
	}

	start := time.Now()
	for _, p := range pending {
		if err := os.Rename(p[0], p[1]); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	var replies, errs int
	var first time.Duration
	lastReport := time.Now()
	for {
		replies, errs = countReplies(filepath.Join(data, "outbox", "messages.jsonl"))
		if replies > 0 && first == 0 {
			first = time.Since(start)
		}
		if replies >= o.workbooks {
			break
		}
		if time.Since(lastReport) > 30*time.Second {
			fmt.Fprintf(w, "  … %d/%d 已回复 / replied after %.0f s\n", replies, o.workbooks, time.Since(start).Seconds())
			lastReport = time.Now()
		}
		select {
		case err := <-done:
			return &exitError{code: 1, msg: fmt.Sprintf("服务意外退出 / service stopped: %v", err)}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	perMin := float64(o.workbooks) / elapsed.Minutes()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "服务吞吐 / service burst (local connector, workers.count =", cfg.Workers.Count, ")")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "台账 workbooks\t%d × %d户\t\n", o.workbooks, o.wbHouses)
	fmt.Fprintf(tw, "回复 replies\t%d（其中错误 %d）\t\n", replies, errs)
	fmt.Fprintf(tw, "首个回复 first reply\t%.1f s\t\n", first.Seconds())
	fmt.Fprintf(tw, "全部回复 all replies\t%.1f s\t\n", elapsed.Seconds())
	fmt.Fprintf(tw, "吞吐 throughput\t%.0f 本/分钟 workbooks/min（目标 ≥ %.0f %s）\t\n", perMin, targetWorkbooksMin, mark(perMin >= targetWorkbooksMin))
	fmt.Fprintf(tw, "峰值内存 peak RSS\t服务进程 %.0f MiB；最大的解析子进程 %.0f MiB\t\n", float64(self.Maxrss)/1024, float64(kids.Maxrss)/1024)
	tw.Flush()
	if errs > 0 {
		fmt.Fprintf(w, "注意 / note: %d 本台账回复了错误 / workbooks answered with an error\n", errs)
	}
	return nil
}

// countReplies counts the reply and error messages in messages.jsonl (one per upload).
func countReplies(path string) (replies, errs int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m local.Message
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		switch m.Kind {
		case "reply":
			replies++
		case "error":
			replies++
			errs++
		}
	}
	return replies, errs
}
