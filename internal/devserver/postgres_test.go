package devserver

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/pgtest"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/api/adminservice/v1"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// capturingLogger logs everything into logs, and, like testLogger,
// warnings to stderr.
func capturingLogger(logs *syncBuffer) *slog.Logger {
	return slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}),
		testLogger().Handler(),
	))
}

// checkNoPassword fails t if the server logged the database password.
func checkNoPassword(t *testing.T, logs *syncBuffer, password string) {
	t.Helper()
	out := logs.String()
	if out == "" {
		t.Error("the server logged nothing at info level; the password check saw no logs")
	}
	if strings.Contains(out, password) {
		t.Errorf("the server logged the database password:\n%s", out)
	}
}

// pgQuery runs a query on database of pg and returns the first column of
// every row.
func pgQuery(t *testing.T, pg *pgtest.Server, database, query string, args ...any) []string {
	t.Helper()
	db, err := sql.Open("postgres", pg.URL(database))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s on database %s: %v", query, database, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func databases(t *testing.T, pg *pgtest.Server) []string {
	t.Helper()
	return pgQuery(t, pg, "postgres", "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")
}

func TestPostgresRestartKeepsHistory(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	logs := &syncBuffer{}
	o := Options{
		DB:               pg.URL("temporal"),
		SearchAttributes: testAttrs,
		DisableUI:        true,
		Logger:           capturingLogger(logs),
		LogLevel:         slog.LevelInfo,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	first := startTest(t, o)
	c := dial(t, first)
	w := runWorker(t, c, "test")
	var got string
	if err := run(ctx, t, c, "greet-pg", greet, "postgres").Get(ctx, &got); err != nil {
		t.Fatalf("greet: %v", err)
	}
	if got != "hello postgres" {
		t.Errorf("greet = %q, want %q", got, "hello postgres")
	}
	if err := run(ctx, t, c, "tag-shop-101", tagRelease, "shop", int64(101)).Get(ctx, nil); err != nil {
		t.Fatalf("tag: %v", err)
	}
	waitForList(ctx, t, c, `SignalmanProduct = "shop" AND SignalmanTrain = 101`, "tag-shop-101")
	w.Stop()
	c.Close()
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	if got, want := databases(t, pg), []string{"postgres", "temporal", "temporal_visibility"}; !slices.Equal(got, want) {
		t.Errorf("databases = %v, want %v", got, want)
	}
	for db, want := range map[string]string{"temporal": pgschema.Version, "temporal_visibility": pgschema.VisibilityVersion} {
		if got := pgQuery(t, pg, db, "SELECT curr_version FROM schema_version WHERE db_name = $1", db); !slices.Equal(got, []string{want}) {
			t.Errorf("schema version of %s = %v, want %s", db, got, want)
		}
	}

	second := startTest(t, o)
	c = dial(t, second)
	var last string
	for it := c.GetWorkflowHistory(ctx, "greet-pg", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT); it.HasNext(); {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of the workflow run before the restart: %v", err)
		}
		last = e.GetEventType().String()
		if done := e.GetWorkflowExecutionCompletedEventAttributes(); done != nil {
			if p := done.GetResult().GetPayloads(); len(p) != 1 || string(p[0].GetData()) != `"hello postgres"` {
				t.Errorf("completed event's result = %v, want \"hello postgres\"", p)
			}
		}
	}
	if last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED.String() {
		t.Errorf("last event of the workflow run before the restart = %s, want completed", last)
	}
	waitForList(ctx, t, c, `SignalmanProduct = "shop"`, "tag-shop-101")

	w = runWorker(t, c, "test")
	if err := run(ctx, t, c, "greet-again", greet, "again").Get(ctx, &got); err != nil {
		t.Fatalf("workflow after the restart: %v", err)
	}
	w.Stop()
	if err := second.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	checkNoPassword(t, logs, pg.Password)
}

func TestPostgresServersFormOneCluster(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	logs := &syncBuffer{}
	o := Options{
		DB:               pg.URL("cluster"),
		SearchAttributes: testAttrs,
		DisableUI:        true,
		Logger:           capturingLogger(logs),
		LogLevel:         slog.LevelInfo,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Both at once, as two machines booting would: the second creates
	// nothing twice, it waits for the first.
	servers := startTogether(t, o, 2)
	a, b := servers[0], servers[1]
	waitForRings(ctx, t, a, 2)

	// The workflow starts through a; its only worker polls through b.
	ca, cb := dial(t, a), dial(t, b)
	w := runWorker(t, cb, "test")
	var got string
	if err := run(ctx, t, ca, "across", greet, "cluster").Get(ctx, &got); err != nil {
		t.Fatalf("workflow started through %s, worked through %s: %v", a.FrontendAddr(), b.FrontendAddr(), err)
	}
	if got != "hello cluster" {
		t.Errorf("result = %q, want %q", got, "hello cluster")
	}
	desc, err := cb.DescribeWorkflowExecution(ctx, "across", "")
	if err != nil {
		t.Fatalf("describe through %s: %v", b.FrontendAddr(), err)
	}
	if s := desc.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("status through %s = %s, want completed", b.FrontendAddr(), s)
	}
	waitForList(ctx, t, cb, `WorkflowId = "across" AND ExecutionStatus = "Completed"`, "across")
	w.Stop()
	for _, s := range []*Server{b, a} {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}
	checkNoPassword(t, logs, pg.Password)
}

// startTogether starts n servers with o at the same time, each on a free
// frontend port.
func startTogether(t *testing.T, o Options, n int) []*Server {
	t.Helper()
	o.FrontendAddr = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range n {
		wg.Go(func() { servers[i], errs[i] = Start(ctx, o) })
	}
	wg.Wait()
	for i, s := range servers {
		if s == nil {
			continue
		}
		t.Logf("server %d at %s", i, s.FrontendAddr())
		t.Cleanup(func() {
			if err := s.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
		})
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	t.Logf("%d servers started together in %v", n, time.Since(began).Round(time.Millisecond))
	return servers
}

// waitForRings waits until every service's membership ring, as s's
// frontend sees it, has n members.
func waitForRings(ctx context.Context, t *testing.T, s *Server, n int) {
	t.Helper()
	conn, err := grpc.NewClient(s.FrontendAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	admin := adminservice.NewAdminServiceClient(conn)
	var counts map[string]int32
	for ctx.Err() == nil {
		resp, err := admin.DescribeCluster(ctx, &adminservice.DescribeClusterRequest{})
		if err != nil {
			t.Fatalf("describe cluster through %s: %v", s.FrontendAddr(), err)
		}
		counts = map[string]int32{}
		for _, ring := range resp.GetMembershipInfo().GetRings() {
			counts[ring.GetRole()] = ring.GetMemberCount()
		}
		full := len(counts) == 4
		for _, c := range counts {
			full = full && c == int32(n)
		}
		if full {
			t.Logf("membership rings: %v", counts)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("membership rings = %v, want %d members in each of the 4", counts, n)
}

func TestPostgresRefusals(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	_ = closed.Close()

	schemaVersionTable := `CREATE TABLE schema_version(version_partition INT NOT NULL, db_name VARCHAR(255) NOT NULL,
		creation_time TIMESTAMP, curr_version VARCHAR(64), min_compatible_version VARCHAR(64),
		PRIMARY KEY (version_partition, db_name))`
	pgQuery(t, pg, "postgres", "CREATE DATABASE newer")
	pgQuery(t, pg, "newer", schemaVersionTable)
	pgQuery(t, pg, "newer", "INSERT INTO schema_version VALUES (0, 'newer', now(), '99.1', '99.1')")
	pgQuery(t, pg, "postgres", "CREATE DATABASE shop")
	pgQuery(t, pg, "shop", "CREATE TABLE orders (id int)")

	// A user who may create databases but not tables in half_visibility:
	// the main database gets created and its schema set up, then the
	// visibility schema fails.
	pgQuery(t, pg, "postgres", "CREATE ROLE limited LOGIN CREATEDB PASSWORD 'limited-pw'")
	pgQuery(t, pg, "postgres", "CREATE DATABASE half_visibility")
	pgQuery(t, pg, "half_visibility", "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
	limited := *pg
	limited.User, limited.Password = "limited", "limited-pw"

	wrong := *pg
	wrong.Password = "wrong-" + pg.Password
	unreachable := *pg
	unreachable.Addr = closedAddr

	for _, tt := range []struct {
		name, db, password string
		want               []string
	}{
		{"unreachable", unreachable.URL("temporal"), pg.Password, []string{"cannot reach PostgreSQL at " + closedAddr + ":"}},
		{"wrong_password", wrong.URL("temporal"), wrong.Password, []string{"PostgreSQL at " + pg.Addr + " refused user " + pg.User}},
		{"newer_schema", pg.URL("newer"), pg.Password, []string{"database newer", "schema version 99.1", "newer than " + pgschema.Version}},
		{"foreign_database", pg.URL("shop"), pg.Password, []string{"database shop", "already holds tables (1) but no Temporal schema version"}},
		{"failed_schema_removes_what_it_created", limited.URL("half"), limited.Password, []string{"database half_visibility", "permission denied", "the databases this start created (half) were removed"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := databases(t, pg)
			dataDir := filepath.Join(t.TempDir(), "unused")
			began := time.Now()
			s, err := Start(context.Background(), Options{DB: tt.db, DataDir: dataDir, FrontendAddr: "127.0.0.1:0", DisableUI: true, Logger: testLogger()})
			if err == nil {
				_ = s.Stop()
				t.Fatal("started")
			}
			t.Logf("refused in %v: %v", time.Since(began).Round(time.Millisecond), err)
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q", want)
				}
			}
			if strings.Contains(err.Error(), tt.password) {
				t.Error("error quotes the password")
			}
			if after := databases(t, pg); !slices.Equal(after, before) {
				t.Errorf("databases = %v after the refusal, %v before", after, before)
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("data directory %s was created (%v)", dataDir, err)
			}
		})
	}
	if got := pgQuery(t, pg, "newer", "SELECT curr_version FROM schema_version"); !slices.Equal(got, []string{"99.1"}) {
		t.Errorf("schema version of the refused database = %v, want it untouched", got)
	}
}

func TestStartRejectsBadClusterOptions(t *testing.T) {
	t.Parallel()
	db := "postgres://u:p@127.0.0.1:" + strconv.Itoa(1) + "/temporal"
	for _, tt := range []struct {
		name string
		o    Options
		want string
	}{
		{"bad_url", Options{DB: "mysql://u:p@127.0.0.1/temporal"}, "not postgres"},
		{"cluster_without_db", Options{DataDir: t.TempDir(), ClusterAddr: "127.0.0.1"}, "without a database URL"},
		{"cluster_address_not_ip", Options{DB: db, ClusterAddr: "db.internal"}, "cluster address"},
		{"cluster_address_wildcard", Options{DB: db, ClusterAddr: "0.0.0.0"}, "cluster address"},
		{"frontend_on_loopback_only", Options{DB: db, ClusterAddr: "10.1.2.3"}, "reachable from this machine only"},
		{"ports_clash", Options{DB: db, ClusterPorts: ClusterPorts{History: 7301, MatchingMembership: 7301}}, "both 7301"},
		{"port_out_of_range", Options{DB: db, ClusterPorts: ClusterPorts{Worker: 70000}}, "0 to 65535"},
		{"membership_port_above_smallint", Options{DB: db, ClusterPorts: ClusterPorts{HistoryMembership: 40000}}, "0 to 32767"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Start(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
