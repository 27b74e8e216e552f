package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

func TestStartServesPasswordLogins(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	db, err := sql.Open("postgres", s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var who string
	if err := db.QueryRowContext(ctx, "SELECT current_user").Scan(&who); err != nil {
		t.Fatalf("query %s: %v", s.Addr, err)
	}
	if who != s.User {
		t.Errorf("current_user = %q, want %q", who, s.User)
	}

	wrong := *s
	wrong.Password = "wrong"
	bad, err := sql.Open("postgres", wrong.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.PingContext(ctx); err == nil {
		t.Error("a wrong password was accepted")
	}
}

func TestPIDIsTheBackendsParent(t *testing.T) {
	s := Start(t)
	db, err := sql.Open("postgres", s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var backend int
	if err := db.QueryRow("SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(backend), "stat"))
	if err != nil {
		t.Skipf("no /proc to read the backend's parent from: %v", err)
	}
	// The parent is the fourth field, after the command in parentheses.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	pid, err := s.PID()
	if err != nil {
		t.Fatal(err)
	}
	if fields[1] != strconv.Itoa(pid) {
		t.Errorf("PID() = %d, but the backend's parent is %s", pid, fields[1])
	}
}

func TestFindBinDirPrefersNewestDebianVersion(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		want int
	}{
		{filepath.Join("usr", "lib", "postgresql", "15", "bin"), 15},
		{filepath.Join("opt", "bin"), 0},
	} {
		if got := majorVersion(tt.dir); got != tt.want {
			t.Errorf("majorVersion(%s) = %d, want %d", tt.dir, got, tt.want)
		}
	}
}

func TestHasBinariesNeedsAllThree(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"initdb", "pg_ctl"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if hasBinaries(dir) {
		t.Error("a directory without postgres counts as a PostgreSQL installation")
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if !hasBinaries(dir) {
		t.Error("a directory with initdb, pg_ctl and postgres does not count")
	}
}
