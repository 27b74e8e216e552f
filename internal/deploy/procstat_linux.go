package deploy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// procStat is what /proc/<pid>/stat says of a process.
type procStat struct {
	// State is R, S, D, Z (zombie: ended, not yet reaped), and so on.
	State byte
	// Session is the id of the process's session.
	Session int
	// StartTicks is when it started, in clock ticks since boot.
	StartTicks uint64
}

// readProcStat reads /proc/<pid>/stat.
func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name, field 2, is in parentheses and may hold anything,
	// spaces and parentheses too: the fields that follow start after the
	// last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	sid, err := strconv.Atoi(f[6-3])
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: session: %w", pid, err)
	}
	start, err := strconv.ParseUint(f[22-3], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return procStat{State: f[0][0], Session: sid, StartTicks: start}, nil
}

// listens reports whether process pid, or a process of the session it
// leads (an entrypoint that is a wrapper may leave listening to a child),
// holds a TCP socket listening on port: the instance it started answers
// its health check, not another process that took the port first.
func listens(pid, port int) (bool, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is field 10.
			if len(f) < 10 || f[3] != "0A" {
				continue
			}
			_, hexPort, ok := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return false, nil
	}
	held, err := holds(pid, inodes)
	if errors.Is(err, fs.ErrNotExist) {
		// The process is gone: whoever answers on the port, it is not it.
		return false, nil
	}
	if err != nil || held {
		return held, err
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return false, err
	}
	for _, d := range procs {
		other, err := strconv.Atoi(d.Name())
		if err != nil || other == pid {
			continue
		}
		if st, err := readProcStat(other); err != nil || st.Session != pid {
			continue
		}
		if held, _ := holds(other, inodes); held {
			return true, nil
		}
	}
	return false, nil
}

// holds reports whether process pid has one of the sockets open.
func holds(pid int, sockets map[string]bool) (bool, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, fd := range fds {
		if target, err := os.Readlink(dir + "/" + fd.Name()); err == nil && sockets[target] {
			return true, nil
		}
	}
	return false, nil
}
