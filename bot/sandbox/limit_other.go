//go:build unix && !linux

package sandbox

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"syscall"
)

// capMemory only sets the GC's soft limit outside Linux: there is no portable way to measure the
// runtime's reservations, and RLIMIT_AS is not enforced everywhere. The timeout still applies.
func capMemory(budgetMB string) error {
	mb := DefaultMemoryMB
	if budgetMB != "" {
		n, err := strconv.Atoi(budgetMB)
		if err != nil || n <= 0 {
			return fmt.Errorf("bad %s %q", EnvMemoryMB, budgetMB)
		}
		mb = n
	}
	debug.SetMemoryLimit(int64(mb) << 20)
	return nil
}

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
