package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"
)

// headroomBytes is added to the budget in the address-space cap: the runtime maps heap arenas
// in 64 MiB steps and grows its own metadata with the heap, and threads need stacks (8 MiB each
// when cgo creates them). Measured with Go 1.26 on linux/amd64: a child that keeps 700–900 MiB
// live under a 1024 MiB budget peaks at 60–140 MiB above start-up + budget.
const headroomBytes = 256 << 20

// capMemory limits the process's address space (RLIMIT_AS) to what it has reserved now plus
// the budget plus headroom, and sets the GC's soft limit to the budget. A Go process reserves
// ~1.2–1.5 GiB of address space at start-up that it never touches (arena hints, page-allocator
// summaries), so the cap must be relative to the measured start-up size, not absolute.
// Under the race detector (huge shadow mappings) only the soft limit is set.
func capMemory(budgetMB string) error {
	mb := DefaultMemoryMB
	if budgetMB != "" {
		n, err := strconv.Atoi(budgetMB)
		if err != nil || n <= 0 {
			return fmt.Errorf("bad %s %q", EnvMemoryMB, budgetMB)
		}
		mb = n
	}
	budget := uint64(mb) << 20
	debug.SetMemoryLimit(int64(budget))
	if raceEnabled {
		return nil
	}
	base, err := vmSize()
	if err != nil {
		return err
	}
	limit := base + budget + headroomBytes
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &cur); err != nil {
		return fmt.Errorf("get RLIMIT_AS: %w", err)
	}
	if cur.Max < limit { // already tighter (cannot raise a hard limit): keep it
		limit = cur.Max
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return fmt.Errorf("set RLIMIT_AS to %d: %w", limit, err)
	}
	return nil
}

// vmSize is the process's current virtual memory size (VmSize in /proc/self/status).
func vmSize() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read own status: %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmSize:")); ok {
			f := bytes.Fields(v)
			if len(f) == 2 && string(f[1]) == "kB" {
				n, err := strconv.ParseUint(string(f[0]), 10, 64)
				if err == nil {
					return n << 10, nil
				}
			}
		}
	}
	return 0, errors.New("no VmSize in /proc/self/status")
}

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
