package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	// The driver of the server's postgres12 plugin, for the checks made
	// before the server's own tools take over.
	_ "github.com/lib/pq"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
)

const (
	// defaultPostgresDB is the database of a URL without a path.
	defaultPostgresDB = "temporal"
	// visibilitySuffix names the visibility database after the main one.
	visibilitySuffix = "_visibility"
	// postgresShards is the number of history shards of a new database,
	// fixed at its first start: several, so that the history services of
	// a cluster share the work.
	postgresShards = 4
	// maintenanceDB is where databases are created from when it exists.
	maintenanceDB = "postgres"
)

// postgresDBName is what Start accepts as a database name: lower case, so
// that it needs no quoting anywhere, and short enough for the suffix within
// PostgreSQL's 63 bytes.
var postgresDBName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,51}$`)

// postgresUser is what Start accepts as a user name: the server's plugin
// puts it into a URL unescaped.
var postgresUser = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// postgresTarget is a PostgreSQL server and the database to keep Temporal in.
type postgresTarget struct {
	addr     string // host:port
	user     string
	password string
	database string // the visibility database is database+visibilitySuffix
	// attrs are the URL's query parameters, passed on to the driver.
	attrs map[string]string
}

// parsePostgresURL parses a URL such as
// postgres://user:password@host:5432/temporal?sslmode=disable. Its errors
// never quote the password.
func parsePostgresURL(raw string) (*postgresTarget, error) {
	const want = "want postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable"
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the url.Error quotes the whole URL, password included
		}
		return nil, fmt.Errorf("database URL: %v; %s", err, want)
	}
	shown := u.Redacted()
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("database URL %s: scheme %q is not postgres; %s", shown, u.Scheme, want)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("database URL %s: no host; %s", shown, want)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return nil, fmt.Errorf("database URL %s: port %q is not a number from 1 to 65535", shown, port)
	}
	t := &postgresTarget{
		addr:     net.JoinHostPort(u.Hostname(), port),
		user:     u.User.Username(),
		database: strings.TrimPrefix(u.Path, "/"),
		attrs:    map[string]string{},
	}
	t.password, _ = u.User.Password()
	if t.user == "" {
		return nil, fmt.Errorf("database URL %s: no user; %s", shown, want)
	}
	if !postgresUser.MatchString(t.user) {
		return nil, fmt.Errorf("database URL %s: user %q: only letters, digits, _, . and - are supported", shown, t.user)
	}
	if t.database == "" {
		t.database = defaultPostgresDB
	}
	if !postgresDBName.MatchString(t.database) {
		return nil, fmt.Errorf("database URL %s: database %q: use lower-case letters, digits and _, at most 52 of them (%s%s must fit PostgreSQL's 63)",
			shown, t.database, t.database, visibilitySuffix)
	}
	for key, values := range u.Query() {
		if len(values) != 1 {
			return nil, fmt.Errorf("database URL %s: parameter %s is given %d times", shown, key, len(values))
		}
		t.attrs[key] = values[0]
	}
	return t, nil
}

// visibility is the name of the visibility database.
func (t *postgresTarget) visibility() string {
	return t.database + visibilitySuffix
}

// sqlConfig is the server's store configuration for database. Each of a
// server's four services has its own pools: a server opens at most
// 4*(8+4) = 48 connections.
func (t *postgresTarget) sqlConfig(database string) *config.SQL {
	maxConns := 8
	if strings.HasSuffix(database, visibilitySuffix) {
		maxConns = 4
	}
	return &config.SQL{
		PluginName:        postgresql.PluginName,
		DatabaseName:      database,
		ConnectAddr:       t.addr,
		ConnectProtocol:   "tcp",
		User:              t.user,
		Password:          t.password,
		ConnectAttributes: maps.Clone(t.attrs),
		MaxConns:          maxConns,
		MaxIdleConns:      maxConns,
		MaxConnLifetime:   time.Hour,
	}
}

// dsn is the driver's connection string for database.
func (t *postgresTarget) dsn(database string) string {
	q := url.Values{}
	for k, v := range t.attrs {
		q.Set(k, v)
	}
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "10")
	}
	u := url.URL{Scheme: "postgres", Host: t.addr, Path: "/" + database, RawQuery: q.Encode()}
	if t.password != "" {
		u.User = url.UserPassword(t.user, t.password)
	} else {
		u.User = url.User(t.user)
	}
	return u.String()
}

// postgresStores configures a server to keep everything in t.
func postgresStores(t *postgresTarget) *stores {
	const main, visibility = "postgres", "postgres-visibility"
	return &stores{
		defaultStore:    main,
		visibilityStore: visibility,
		shards:          postgresShards,
		dataStores: map[string]config.DataStore{
			main:       {SQL: t.sqlConfig(t.database)},
			visibility: {SQL: t.sqlConfig(t.visibility())},
		},
	}
}

// pgSession is a connection to the PostgreSQL server that holds the lock
// under which a server starts on a database: one at a time, so that two
// never create a schema or register a namespace at once.
type pgSession struct {
	db   *sql.DB
	conn *sql.Conn
}

// close releases the lock.
func (s *pgSession) close() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.db.Close()
}

// openPostgres connects to t's server, waits until no other server is
// starting on t's database, and creates the databases and schemas that are
// missing or upgrades them. It checks both databases before it changes
// anything, and on failure removes the databases it created. Close the
// session once the server has started.
func openPostgres(ctx context.Context, t *postgresTarget, logger log.Logger) (*pgSession, error) {
	s, err := connectPostgres(ctx, t)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	if err := s.lock(ctx, t, logger); err != nil {
		return nil, err
	}

	schemas := []*pgSchema{
		{database: t.database, name: "postgresql/v12/temporal", supported: pgschema.Version},
		{database: t.visibility(), name: "postgresql/v12/visibility", supported: pgschema.VisibilityVersion},
	}
	for _, sc := range schemas {
		if err := s.inspect(ctx, t, sc); err != nil {
			return nil, err
		}
	}
	var created []string
	for _, sc := range schemas {
		if sc.exists {
			continue
		}
		if _, err := s.conn.ExecContext(ctx, `CREATE DATABASE "`+sc.database+`"`); err != nil {
			err = fmt.Errorf("create database %s on PostgreSQL at %s: %w", sc.database, t.addr, err)
			if sqlState(err) == "42501" { // insufficient_privilege
				err = fmt.Errorf("%w; give user %s the CREATEDB privilege, or create the database for it", err, t.user)
			}
			return nil, s.undo(created, err)
		}
		created = append(created, sc.database)
	}
	for _, sc := range schemas {
		if err := sc.migrate(t, logger); err != nil {
			return nil, s.undo(created, err)
		}
	}
	ok = true
	return s, nil
}

// connectPostgres connects to the maintenance database, or, when the user
// may not, to the target database itself.
func connectPostgres(ctx context.Context, t *postgresTarget) (*pgSession, error) {
	var errs []string
	for _, database := range []string{maintenanceDB, t.database} {
		db, conn, err := dialPostgres(ctx, t, database)
		if err == nil {
			return &pgSession{db: db, conn: conn}, nil
		}
		switch sqlState(err) {
		case "":
			return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %v; start it, or correct the host and port in the database URL", t.addr, err)
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return nil, fmt.Errorf("PostgreSQL at %s refused user %s: %v; correct the user or password in the database URL", t.addr, t.user, err)
		case "3D000", "42501": // invalid_catalog_name, insufficient_privilege: try the next
			errs = append(errs, fmt.Sprintf("database %s: %v", database, err))
		default:
			return nil, fmt.Errorf("connect to PostgreSQL at %s as %s: %v", t.addr, t.user, err)
		}
	}
	return nil, fmt.Errorf("connect to PostgreSQL at %s as %s: %s; create database %s, or let the user connect to database %s",
		t.addr, t.user, strings.Join(errs, "; "), t.database, maintenanceDB)
}

// dialPostgres opens one connection to database.
func dialPostgres(ctx context.Context, t *postgresTarget, database string) (*sql.DB, *sql.Conn, error) {
	db, err := sql.Open("postgres", t.dsn(database))
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		_ = db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

// sqlState is the SQLSTATE of a PostgreSQL error, "" when err did not come
// from the server (it could not be reached).
func sqlState(err error) string {
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return pgErr.SQLState()
	}
	return ""
}

// lock takes the session-level advisory lock of t's database, waiting for
// the server that holds it. PostgreSQL releases it if this process dies.
func (s *pgSession) lock(ctx context.Context, t *postgresTarget, logger log.Logger) error {
	h := fnv.New64a()
	_, _ = h.Write([]byte("signalman devserver start " + t.database))
	key := int64(h.Sum64())
	waiting := false
	for {
		var got bool
		if err := s.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			return fmt.Errorf("lock database %s on PostgreSQL at %s: %w", t.database, t.addr, err)
		}
		if got {
			return nil
		}
		if !waiting {
			logger.Info("waiting for another Temporal server to start on the database: database " + t.database)
			waiting = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for another Temporal server starting on database %s at %s: %w", t.database, t.addr, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// undo drops the databases this start created, and returns err, saying so.
func (s *pgSession) undo(created []string, err error) error {
	if len(created) == 0 {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, database := range created {
		if _, dropErr := s.conn.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+database+`"`); dropErr != nil {
			return fmt.Errorf("%w; database %s, created by this start, could not be removed (%v): drop it before trying again", err, database, dropErr)
		}
	}
	return fmt.Errorf("%w; the databases this start created (%s) were removed", err, strings.Join(created, ", "))
}

// leaveCluster removes a stopped server's services, gossiping at host on
// ports, from the cluster's membership table. The server keeps them there
// for 20 seconds after its last heartbeat, and a server starting meanwhile
// would try to join them first and start 10 to 20 seconds late. Best
// effort: a failure only costs the next start that time.
func leaveCluster(t *postgresTarget, host string, ports ...int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, conn, err := dialPostgres(ctx, t, t.database)
	if err != nil {
		return
	}
	defer db.Close()
	defer conn.Close()
	for _, port := range ports {
		_, _ = conn.ExecContext(ctx, "DELETE FROM cluster_membership WHERE rpc_address = $1 AND rpc_port = $2", host, port)
	}
}
