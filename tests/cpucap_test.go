package tests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cgroupRoot is where Linux mounts its control groups.
const cgroupRoot = "/sys/fs/cgroup"

// cpuPeriod is the period over which a CPU cap is enforced.
const cpuPeriod = 100 * time.Millisecond

// cpuCap is a control group that caps the CPU time of the processes put in
// it: cgroup v1's cpu controller (cpu.cfs_quota_us) or cgroup v2's
// (cpu.max).
type cpuCap struct {
	dir string
	v2  bool
}

// newCPUCap makes a control group named name whose processes get at most
// cores of CPU time (0.1: a tenth of one core) and removes it when tb
// ends, after the processes in it have ended. The error says why the
// machine lets the test make none.
func newCPUCap(tb testing.TB, name string, cores float64) (*cpuCap, error) {
	tb.Helper()
	c, err := cpuController()
	if err != nil {
		return nil, err
	}
	c.dir = filepath.Join(c.dir, name)
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("make control group %s: %w", c.dir, err)
	}
	tb.Cleanup(func() {
		// The group can only go once its processes have.
		for range 50 {
			if err := os.Remove(c.dir); err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Errorf("remove control group %s: its processes have not ended", c.dir)
	})
	period, quota := cpuPeriod.Microseconds(), int64(cores*float64(cpuPeriod.Microseconds()))
	if c.v2 {
		err = c.write("cpu.max", fmt.Sprintf("%d %d", quota, period))
	} else if err = c.write("cpu.cfs_period_us", strconv.FormatInt(period, 10)); err == nil {
		err = c.write("cpu.cfs_quota_us", strconv.FormatInt(quota, 10))
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// cpuController finds a writable cpu controller: cgroup v1's own
// hierarchy, or the root of a cgroup v2 hierarchy with cpu enabled for
// its children.
func cpuController() (*cpuCap, error) {
	v1 := filepath.Join(cgroupRoot, "cpu")
	if _, err := os.Stat(filepath.Join(v1, "cpu.cfs_quota_us")); err == nil {
		if err := writable(v1); err != nil {
			return nil, fmt.Errorf("cgroup v1's cpu controller: %w", err)
		}
		return &cpuCap{dir: v1}, nil
	}
	controllers, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers"))
	if err != nil {
		return nil, errors.New("neither cgroup v1's cpu controller nor a cgroup v2 hierarchy is mounted at " + cgroupRoot)
	}
	if !strings.Contains(" "+string(controllers)+" ", " cpu ") {
		return nil, errors.New("cgroup v2 has no cpu controller here")
	}
	c := &cpuCap{dir: cgroupRoot, v2: true}
	if err := c.write("cgroup.subtree_control", "+cpu"); err != nil {
		return nil, fmt.Errorf("cgroup v2's cpu controller: %w", err)
	}
	return c, nil
}

// writable checks that the test may make control groups in dir.
func writable(dir string) error {
	probe, err := os.MkdirTemp(dir, "signalman-probe-")
	if err != nil {
		return fmt.Errorf("make a control group in %s: %w", dir, err)
	}
	return os.Remove(probe)
}

// add moves a process, with all its threads, into the group.
func (c *cpuCap) add(pid int) error {
	return c.write("cgroup.procs", strconv.Itoa(pid))
}

// throttling reads how many enforcement periods the group has used CPU in
// and in how many of them it hit its cap.
func (c *cpuCap) throttling() (periods, throttled int64, err error) {
	b, err := os.ReadFile(filepath.Join(c.dir, "cpu.stat"))
	if err != nil {
		return 0, 0, fmt.Errorf("read the throttling of %s: %w", c.dir, err)
	}
	for line := range strings.Lines(string(b)) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		n, _ := strconv.ParseInt(value, 10, 64)
		switch name {
		case "nr_periods":
			periods = n
		case "nr_throttled":
			throttled = n
		}
	}
	return periods, throttled, nil
}

func (c *cpuCap) write(file, value string) error {
	if err := os.WriteFile(filepath.Join(c.dir, file), []byte(value), 0); err != nil {
		return fmt.Errorf("write %q to %s: %w", value, filepath.Join(c.dir, file), err)
	}
	return nil
}
