package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc: Linux reports them in
// USER_HZ, 100 a second on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time a process has used: its own, that of its
// children it has waited for, and that of its children still running.
// PostgreSQL's is its postmaster's: every backend is one of its children.
func procCPU(pid int) (time.Duration, error) {
	own, _, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	total := own[0] + own[1] + own[2] + own[3]
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		child, err := strconv.Atoi(p.Name())
		if err != nil || child == pid {
			continue
		}
		times, ppid, err := procStat(child)
		if err != nil || ppid != pid {
			continue // not a child, or gone since the listing
		}
		total += times[0] + times[1]
	}
	return time.Duration(total) * clockTick, nil
}

// ownCPU is the CPU time process pid has used itself, its children's not
// counted.
func ownCPU(pid int) (time.Duration, error) {
	own, _, err := procStat(pid)
	return time.Duration(own[0]+own[1]) * clockTick, err
}

// procStat reads a process's user, system, waited-for children's user and
// system CPU times, in ticks, and its parent's ID.
func procStat(pid int) (times [4]int64, parent int, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return times, 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	// The command, in parentheses, may hold spaces; the fields after it
	// start with the state (field 3), the parent (4), and the times
	// utime, stime, cutime and cstime (14 to 17).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return times, 0, fmt.Errorf("CPU time of process %d: short /proc stat %q", pid, b)
	}
	parent, _ = strconv.Atoi(f[1])
	for i := range times {
		times[i], _ = strconv.ParseInt(f[11+i], 10, 64)
	}
	return times, parent, nil
}

// machineCPU reads the CPU time all of the machine's cores have spent
// busy, from /proc/stat.
func machineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("the machine's CPU time: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, fmt.Errorf("the machine's CPU time: /proc/stat begins %q", line)
	}
	var ticks, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 8 || i == 9 {
			continue // guest time, counted in user time already
		}
		ticks += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return time.Duration(ticks-idle) * clockTick, nil
}

// loadAvg is the machine's load average over 1, 5 and 15 minutes, as
// /proc/loadavg writes it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
