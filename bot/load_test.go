package bot_test

// Issue 8, part 3: load. 200 concurrent signed callbacks on loopback are all acknowledged within
// the platforms' deadlines and become 200 jobs (runs in CI). The burst of 1,000 village
// workbooks against the real binary is long: `go test ./bot/ -run Long -long` or .ci/long.

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/calc/ledger"
	"zengshou/connectors/local"
)

var longRuns = flag.Bool("long", false, "run the long load and fault tests (also ZENGSHOU_LONG=1); see .ci/long")

func longEnabled() bool { return *longRuns || os.Getenv("ZENGSHOU_LONG") == "1" }

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1)*p + 0.5)
	return s[i]
}

// 200 signed callbacks at once — Feishu (encrypted and signed), WeCom (WXBizMsgCrypt) and
// DingTalk (robot sign) — on loopback: every one answered 200 within its platform's deadline
// (Feishu 3 s, WeCom 5 s, DingTalk 3 s), none lost: 200 jobs in the store.
func TestLoadConcurrentSignedCallbacksAllAcknowledged(t *testing.T) {
	const n = 200
	h := newHarness(t, nil)
	srv := fxAllPlatforms(t, h)
	deadline := map[string]time.Duration{"feishu": 3 * time.Second, "wecom": 5 * time.Second, "dingtalk": 3 * time.Second}
	// Requests are built (encrypted, signed) before the clock starts: the platform does that.
	reqs := make([]fxDelivery, n)
	for i := range reqs {
		reqs[i] = fxDeliveries(t, srv, h.clock.Now(), 1000+i)[i%3]
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reqs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			t0 := time.Now()
			codes[i], _ = fxPost(t, client, reqs[i].url, reqs[i].body, reqs[i].hdr)
			lat[i] = time.Since(t0)
		}(i)
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	byPlatform := map[string][]time.Duration{}
	for i, r := range reqs {
		byPlatform[r.name] = append(byPlatform[r.name], lat[i])
		if codes[i] != 200 {
			t.Errorf("%s callback %d: HTTP %d", r.name, i, codes[i])
		}
		if lat[i] > deadline[r.name] {
			t.Errorf("%s callback %d acknowledged after %v, past the %v deadline", r.name, i, lat[i], deadline[r.name])
		}
	}
	if got := h.jobCount(); got != n {
		t.Fatalf("jobs: %d, want %d (none lost, none doubled)", got, n)
	}
	t.Logf("%d concurrent signed callbacks in %v: p50 %v, p99 %v, max %v", n, wall.Round(time.Millisecond),
		percentile(lat, 0.5).Round(time.Microsecond), percentile(lat, 0.99).Round(time.Microsecond), percentile(lat, 1).Round(time.Microsecond))
	for _, p := range []string{"feishu", "wecom", "dingtalk"} {
		d := byPlatform[p]
		t.Logf("  %-8s %3d: p50 %v, p99 %v", p, len(d), percentile(d, 0.5).Round(time.Microsecond), percentile(d, 0.99).Round(time.Microsecond))
	}
}

// procRSS returns the resident set (KiB) of pid and all its descendants, and pid's own VmHWM.
func procRSS(pid int) (treeKB, hwmKB int) {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		rest := s[strings.LastIndexByte(s, ')')+2:] // state ppid …
		f := strings.Fields(rest)
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			children[pp] = append(children[pp], p)
		}
	}
	status := func(p int, key string) int {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, key+":") {
				v, _ := strconv.Atoi(strings.Fields(line)[1])
				return v
			}
		}
		return 0
	}
	var walk func(p int)
	walk = func(p int) {
		treeKB += status(p, "VmRSS")
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return treeKB, status(pid, "VmHWM")
}

// The burst: 1,000 generated workbooks of 200 households each dropped at once into the local
// inbox of the real `zengshou serve` (default config: 2 workers, each parse in a sandboxed child
// with its memory cap) → every one answered; throughput and peak memory are reported.
func TestLongBurstOf1000VillageWorkbooks(t *testing.T) {
	if !longEnabled() {
		t.Skip("long: run with -long or ZENGSHOU_LONG=1 (.ci/long)")
	}
	total := 1000
	if v, err := strconv.Atoi(os.Getenv("ZENGSHOU_LONG_WORKBOOKS")); err == nil && v > 0 {
		total = v
	}
	const households, seeds, chats = 200, 20, 10
	dir := t.TempDir()
	src := t.TempDir()
	tGen := time.Now()
	var files [][]byte
	for s := 0; s < seeds; s++ {
		p := filepath.Join(src, fmt.Sprintf("%d.xlsx", s))
		if err := ledger.GenerateFile(p, households, int64(100+s), ledger.GenOptions{Quarter: 4, Villages: 1}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	t.Logf("generated %d distinct %d-household workbooks (%d KB each) in %v", seeds, households, len(files[0])>>10, time.Since(tGen).Round(time.Millisecond))

	cmd := serve(t, dir, "")
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
		}
	}()
	// Wait until the service has made its inbox.
	for i := 0; i < 300; i++ {
		if _, err := os.Stat(filepath.Join(dir, "inbox")); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var peakTree, hwm int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			tree, h := procRSS(cmd.Process.Pid)
			peakTree = max(peakTree, tree)
			hwm = max(hwm, h)
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()
	dropped := map[string]time.Time{}
	t0 := time.Now()
	for i := 0; i < total; i++ {
		chat := fmt.Sprintf("村%02d群", i%chats)
		d := filepath.Join(dir, "inbox", chat)
		os.MkdirAll(d, 0o755)
		name := fmt.Sprintf("台账%04d.xlsx", i)
		tmp := filepath.Join(d, name+".tmp")
		if err := os.WriteFile(tmp, files[i%seeds], 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(d, name)); err != nil {
			t.Fatal(err)
		}
		dropped[name] = time.Now()
	}
	t.Logf("dropped %d workbooks in %v", total, time.Since(t0).Round(time.Millisecond))
	limit := time.Now().Add(55 * time.Minute)
	var got []local.Message
	last := 0
	for time.Now().Before(limit) {
		got = replies(t, dir)
		if len(got) >= total {
			break
		}
		if len(got)/100 != last/100 {
			t.Logf("  %d/%d answered after %v", len(got), total, time.Since(t0).Round(time.Second))
		}
		last = len(got)
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
			t.Fatalf("the service exited (%v) with %d/%d answered\n%s", cmd.ProcessState, len(got), total, tail(b, 4000))
		default:
		}
		time.Sleep(2 * time.Second)
	}
	elapsed := time.Since(t0)
	close(stop)
	<-sampled
	answered := map[string]bool{}
	var lat []time.Duration
	errs := 0
	for _, m := range got {
		for name, at := range dropped {
			if strings.Contains(m.Text, "《"+name+"》") {
				if !answered[name] {
					lat = append(lat, m.Time.Sub(at))
				}
				answered[name] = true
				break
			}
		}
		if m.Kind == "error" {
			errs++
		}
	}
	t.Logf("burst of %d workbooks × %d households: all answered in %v = %.0f workbooks/minute; %d error replies",
		total, households, elapsed.Round(time.Second), float64(len(answered))/elapsed.Minutes(), errs)
	t.Logf("  drop→reply p50 %v, p99 %v", percentile(lat, 0.5).Round(time.Millisecond), percentile(lat, 0.99).Round(time.Millisecond))
	t.Logf("  peak RSS: service %d MB (VmHWM), service + parse children %d MB (sampled every 100 ms)", hwm>>10, peakTree>>10)
	if len(answered) != total || len(got) != total {
		t.Fatalf("answered %d distinct of %d (%d replies)", len(answered), total, len(got))
	}
	if errs > 0 {
		t.Errorf("%d workbooks got an error reply", errs)
	}
	// Bounded by the worker limit: 2 workers × parse_memory_mb (1024) plus the service itself.
	if peakTree>>10 > 2*1024+512 {
		t.Errorf("peak memory %d MB exceeds 2 workers × 1024 MB + 512 MB", peakTree>>10)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
