package deploy

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

func TestListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if ok, err := listens(os.Getpid(), port); err != nil || !ok {
		t.Errorf("listens(own pid, own port) = %v, %v; want true", ok, err)
	}
	// Another process does not hold our port: a health check answered
	// there must not count for it.
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	if ok, err := listens(sleeper.Process.Pid, port); err != nil || ok {
		t.Errorf("listens(other pid, our port) = %v, %v; want false", ok, err)
	}
	// A process that is gone holds nothing: whoever answers, it is not it.
	sleeper.Process.Kill()
	sleeper.Wait()
	if ok, err := listens(sleeper.Process.Pid, port); err != nil || ok {
		t.Errorf("listens(ended pid, our port) = %v, %v; want false", ok, err)
	}
	l.Close()
	if ok, _ := listens(os.Getpid(), port); ok {
		t.Error("listens after close = true")
	}
}

// An entrypoint that is a wrapper (a shell that starts the service as its
// child) owns its port through the child: any process of the session the
// instance leads counts.
func TestListensInSession(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := exec.Command("sh", "-c", os.Args[0]+" -test.run=^TestHelperListen$ & wait")
	wrapper.Env = append(os.Environ(), "SIGNALMAN_LISTEN_PORT="+strconv.Itoa(port))
	wrapper.SysProcAttr = ownSession()
	if err := wrapper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { kill(wrapper.Process.Pid); wrapper.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := listens(wrapper.Process.Pid, port)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the wrapper's child listens on the port, but listens(wrapper) never said so")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Outside the session, the port is still someone else's.
	if ok, err := listens(os.Getpid(), port); err != nil || ok {
		t.Errorf("listens(test process, the child's port) = %v, %v; want false", ok, err)
	}
}

// TestHelperListen is not a test: TestListensInSession runs it as a
// wrapper's child, to listen on SIGNALMAN_LISTEN_PORT until killed.
func TestHelperListen(t *testing.T) {
	port := os.Getenv("SIGNALMAN_LISTEN_PORT")
	if port == "" {
		t.Skip("run by TestListensInSession only")
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		os.Exit(3)
	}
	defer l.Close()
	time.Sleep(time.Minute)
	os.Exit(0)
}
