// Package pgtest starts a throwaway PostgreSQL server for a test: the
// machine's own initdb and pg_ctl, a free port on 127.0.0.1, a superuser with
// a random password, and nothing left behind when the test ends.
// Only tests import it.
package pgtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireEnv, when set, turns missing PostgreSQL binaries from a skipped
// test into a failed one, so that CI cannot pass without PostgreSQL.
const RequireEnv = "SIGNALMAN_REQUIRE_POSTGRES"

// debianBinDirs is where Debian's postgresql packages put the server
// binaries, one directory per major version, outside PATH.
const debianBinDirs = "/usr/lib/postgresql/*/bin"

// superuser is the name of the server's superuser.
const superuser = "signalman"

// Server is a running PostgreSQL server.
type Server struct {
	// Addr is the host:port the server listens on.
	Addr string
	// User and Password are the superuser's credentials.
	User, Password string
	// data is the server's data directory.
	data string
}

// URL is the address of database on s for a client, with TLS off:
// postgres://signalman:PASSWORD@127.0.0.1:PORT/DATABASE?sslmode=disable.
func (s *Server) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(s.User, s.Password),
		Host:     s.Addr,
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// PID is the process ID of the server's postmaster, the parent of every
// backend process, from the postmaster.pid file of its data directory.
func (s *Server) PID() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL's process ID: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL's process ID: postmaster.pid begins %q", first)
	}
	return pid, nil
}

// Start starts a PostgreSQL server that lives until t ends, then is stopped
// and removed. It skips t when no PostgreSQL binaries are installed, unless
// SIGNALMAN_REQUIRE_POSTGRES is set, which makes that a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findBinDir()
	if err != nil {
		if os.Getenv(RequireEnv) == "" {
			t.Skipf("%v; install PostgreSQL (Debian: apt-get install postgresql) to run this test", err)
		}
		t.Fatalf("%v, and %s is set: install PostgreSQL (Debian: apt-get install postgresql)", err, RequireEnv)
	}
	cred, err := unprivilegedUser()
	if err != nil {
		t.Fatal(err)
	}

	dir, err := os.MkdirTemp("", "signalman-pgtest-")
	if err != nil {
		t.Fatalf("PostgreSQL for the test: %v", err)
	}
	pg := &cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), cred: cred}
	t.Cleanup(func() {
		if err := pg.stop(); err != nil {
			t.Errorf("stop PostgreSQL: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove PostgreSQL's directory: %v", err)
		}
	})
	if err := cred.own(dir); err != nil {
		t.Fatalf("PostgreSQL for the test: %v", err)
	}

	began := time.Now()
	password := randomPassword()
	if err := pg.initdb(password); err != nil {
		t.Fatal(err)
	}
	addr, err := pg.start()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL from %s at %s, ready in %v", bin, addr, time.Since(began).Round(time.Millisecond))
	return &Server{Addr: addr, User: superuser, Password: password, data: pg.data}
}

// findBinDir returns the first directory holding initdb, pg_ctl and
// postgres: that of pg_ctl on PATH (links resolved, since pg_ctl looks for
// postgres beside itself), then Debian's, newest major version first.
func findBinDir() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	debian, _ := filepath.Glob(debianBinDirs)
	slices.SortFunc(debian, func(a, b string) int { return majorVersion(b) - majorVersion(a) })
	dirs = append(dirs, debian...)
	for _, dir := range dirs {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL binaries (initdb, pg_ctl, postgres) on PATH or in %s", debianBinDirs)
}

// majorVersion is the version in a path such as .../postgresql/15/bin.
func majorVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "pw-" + hex.EncodeToString(b)
}

// cluster is one PostgreSQL data directory and the server running on it.
// Everything lives in dir: the data, the password file, the log and the
// Unix socket, so no system directory is touched.
type cluster struct {
	bin, dir, data string
	cred           *user
	running        bool
}

func (c *cluster) initdb(password string) error {
	pwfile := filepath.Join(c.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if err := c.cred.own(pwfile); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	defer os.Remove(pwfile)
	// Clients on 127.0.0.1 need the password; the socket, in a directory
	// only the server's user can enter, trusts.
	out, err := c.run("initdb", "-D", c.data, "-U", superuser, "--pwfile="+pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if err != nil {
		return fmt.Errorf("initdb in %s: %w\n%s", c.data, err, out)
	}
	return nil
}

// start starts the server on a free port, retrying if another process takes
// the port between the probe and the server's bind.
func (c *cluster) start() (string, error) {
	logFile := filepath.Join(c.dir, "postgres.log")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return "", fmt.Errorf("start PostgreSQL: %w", err)
		}
		// Durability settings off: the data dies with the test anyway.
		// Temporal opens many connections, so raise the limit.
		settings := strings.Join([]string{
			"-c listen_addresses=127.0.0.1",
			"-p " + strconv.Itoa(port),
			"-k " + c.dir,
			"-c fsync=off",
			"-c synchronous_commit=off",
			"-c full_page_writes=off",
			"-c max_connections=400",
		}, " ")
		out, err := c.run("pg_ctl", "start", "-D", c.data, "-l", logFile, "-w", "-t", "60", "-o", settings)
		if err == nil {
			c.running = true
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
		}
		log, _ := os.ReadFile(logFile)
		lastErr = fmt.Errorf("pg_ctl start on port %d: %w\n%s\nserver log:\n%s", port, err, out, log)
		if !strings.Contains(string(log), "could not bind") {
			break
		}
	}
	return "", lastErr
}

func (c *cluster) stop() error {
	if !c.running {
		return nil
	}
	out, err := c.run("pg_ctl", "stop", "-D", c.data, "-m", "immediate", "-w", "-t", "30")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	c.running = false
	return nil
}

// run runs a PostgreSQL program from the binary directory as the cluster's
// user, in its directory (the test's may not be readable by that user).
func (c *cluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	c.cred.apply(cmd)
	// pg_ctl start sends the server's output to the log file; should a
	// server ever keep the pipe open, do not wait on it forever.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
