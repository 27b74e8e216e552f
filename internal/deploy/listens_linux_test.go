package deploy

import (
	"net"
	"os"
	"os/exec"
	"testing"
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
