package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
)

// What BenchmarkWaitingReleases needs of processes: the Temporal server in
// a process of its own, and the memory, CPU time and load that show what
// bounded a figure.

// serverProc is a Temporal server alone in a process: the worker binary
// with --dev --roles none, its log in a file rather than in this process's
// memory.
type serverProc struct {
	addr string
	pid  int
}

// startServerProc starts a server on SQLite, or on the PostgreSQL database
// db when given, and waits until it serves; it stops with tb.
func startServerProc(tb testing.TB, db string) *serverProc {
	tb.Helper()
	dir := tb.TempDir()
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	s := &serverProc{addr: e2e.FreePort(tb)}
	cmd := exec.Command(e2e.Bin.Worker, "--dev", "--db", db, "--roles", "none", "--address", s.addr,
		"--ui", "", "--metrics", "", "--data", filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start the server process: %v", err)
	}
	s.pid = cmd.Process.Pid
	exited := make(chan struct{})
	var exitErr error
	go func() {
		exitErr = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out, _ := os.ReadFile(logPath)
		if bytes.Contains(out, []byte(`"msg":"serving no role"`)) {
			return s
		}
		select {
		case <-exited:
			tb.Fatalf("the server process ended (%v):\n%s", exitErr, e2e.LastLines(string(out), 40))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the server process did not serve in 3 minutes:\n%s", e2e.LastLines(string(out), 40))
		}
	}
}

// memSampler follows this process's memory while a load runs.
type memSampler struct {
	server  string
	reset   bool
	stopped chan struct{}
	peak    chan memPeak
}

// memPeak is the most memory a load took.
type memPeak struct {
	// heap is the Go heap and stacks in use, sampled.
	heap uint64
	// rssKiB is this process's peak RSS; serverKiB the server process's,
	// since it started.
	rssKiB, serverKiB int
}

// sampleMemory resets this process's peak RSS (VmHWM), where Linux lets
// it, and samples the Go heap and the RSS every 250 ms until stop.
func sampleMemory(serverPID int) *memSampler {
	m := &memSampler{
		server:  strconv.Itoa(serverPID),
		reset:   os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil,
		stopped: make(chan struct{}),
		peak:    make(chan memPeak, 1),
	}
	go func() {
		var p memPeak
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			p.heap = max(p.heap, goMemory())
			p.rssKiB = max(p.rssKiB, m.rss())
			select {
			case <-m.stopped:
				m.peak <- p
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// rss is this process's resident memory now, in KiB.
func (m *memSampler) rss() int {
	kib, _ := procStatusKiB("VmRSS")
	return kib
}

// stop ends the sampling and returns the peaks; the peak RSS is the
// kernel's where it was reset, else the largest sample.
func (m *memSampler) stop() memPeak {
	close(m.stopped)
	p := <-m.peak
	if hwm, ok := procStatusKiB("VmHWM"); ok && m.reset {
		p.rssKiB = hwm
	}
	p.serverKiB, _ = pidStatusKiB(m.server, "VmHWM")
	return p
}

// cpuSample is the CPU time used so far by this process (the worker), by
// the server process and by the whole machine.
type cpuSample struct {
	at                      time.Time
	worker, server, machine time.Duration
}

func sampleCPU(serverPID int) cpuSample {
	worker, _ := ownCPU(os.Getpid())
	server, _ := ownCPU(serverPID)
	machine, _ := machineCPU()
	return cpuSample{at: time.Now(), worker: worker, server: server, machine: machine}
}

// cores is the average number of cores busy with used over wall.
func cores(used, wall time.Duration) float64 { return used.Seconds() / wall.Seconds() }

func (a cpuSample) workerCores(b cpuSample) float64 { return cores(b.worker-a.worker, b.at.Sub(a.at)) }
func (a cpuSample) serverCores(b cpuSample) float64 { return cores(b.server-a.server, b.at.Sub(a.at)) }

// share says how the cores were used from a to b.
func (a cpuSample) share(b cpuSample) string {
	wall := b.at.Sub(a.at)
	rest := (b.machine - a.machine) - (b.worker - a.worker) - (b.server - a.server)
	return fmt.Sprintf("over %s, cores busy: worker %.2f, server %.2f, the rest (database, other processes) %.2f, of %d",
		wall.Round(time.Second), a.workerCores(b), a.serverCores(b), cores(rest, wall), runtime.NumCPU())
}

// logLoad logs the load average, and tells it on stderr as it happens.
func logLoad(b *testing.B, when string) {
	line := fmt.Sprintf("load average at %s: %s", when, loadAvg())
	fmt.Fprintln(os.Stderr, "load: "+line)
	b.Log(line)
}
