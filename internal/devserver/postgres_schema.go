package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.temporal.io/server/common/log"
	schematool "go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// pgSchema is one of the two databases of a PostgreSQL store and the
// Temporal schema kept in it.
type pgSchema struct {
	database string
	// name is the schema's directory in the server's embedded schema files.
	name string
	// supported is the version this server's code is written against.
	supported string

	// Found by inspect:
	exists  bool   // the database exists
	fresh   bool   // it holds no schema yet
	version string // the schema version it holds
}

// inspect finds out what sc's database holds and refuses what this server
// must not touch: a newer schema, or a database that belongs to something
// else.
func (s *pgSession) inspect(ctx context.Context, t *postgresTarget, sc *pgSchema) error {
	where := fmt.Sprintf("database %s on PostgreSQL at %s", sc.database, t.addr)
	if err := s.conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", sc.database).Scan(&sc.exists); err != nil {
		return fmt.Errorf("look for %s: %w", where, err)
	}
	if !sc.exists {
		sc.fresh = true
		return nil
	}
	db, conn, err := dialPostgres(ctx, t, sc.database)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", where, err)
	}
	defer db.Close()
	defer conn.Close()

	var versioned bool
	var tables int
	if err := conn.QueryRowContext(ctx, `SELECT to_regclass('schema_version') IS NOT NULL,
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())`).Scan(&versioned, &tables); err != nil {
		return fmt.Errorf("read the tables of %s: %w", where, err)
	}
	if !versioned {
		if tables > 0 {
			return fmt.Errorf("%s already holds tables (%d) but no Temporal schema version, so it belongs to something else; name another database in the URL", where, tables)
		}
		sc.fresh = true
		return nil
	}
	err = conn.QueryRowContext(ctx, "SELECT curr_version FROM schema_version WHERE version_partition = 0 AND db_name = $1", sc.database).Scan(&sc.version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s has a schema_version table without a version for %s: it was set up under another name or by another tool; name another database in the URL", where, sc.database)
	case err != nil:
		return fmt.Errorf("read the schema version of %s: %w", where, err)
	}
	found, ok := parseSchemaVersion(sc.version)
	if !ok {
		return fmt.Errorf("%s has Temporal schema version %q, which is not a version number; repair its schema_version table or name another database", where, sc.version)
	}
	supported, _ := parseSchemaVersion(sc.supported)
	if slices.Compare(found, supported) > 0 {
		return fmt.Errorf("%s has Temporal schema version %s, newer than %s, the newest this server supports: a newer Temporal server upgraded it; run a Signalman built with that server, or name another database",
			where, sc.version, sc.supported)
	}
	return nil
}

// migrate sets up sc's schema when the database holds none, then upgrades
// it to the supported version, with the server's own SQL tool
// (temporal-sql-tool setup-schema -v 0.0, then update-schema).
func (sc *pgSchema) migrate(t *postgresTarget, logger log.Logger) error {
	where := fmt.Sprintf("database %s on PostgreSQL at %s", sc.database, t.addr)
	found, _ := parseSchemaVersion(sc.version)
	supported, _ := parseSchemaVersion(sc.supported)
	if !sc.fresh && slices.Equal(found, supported) {
		return nil
	}
	conn, err := sqltool.NewConnection(t.sqlConfig(sc.database), logger)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", where, err)
	}
	defer conn.Close()
	if sc.fresh {
		setup := &schematool.SetupConfig{InitialVersion: "0.0"}
		if err := schematool.NewSetupSchemaTask(conn, setup, logger).Run(); err != nil {
			return sc.explain(t, fmt.Errorf("set up the Temporal schema in %s: %w", where, err))
		}
	}
	update := &schematool.UpdateConfig{DBName: sc.database, SchemaName: sc.name, TargetVersion: sc.supported}
	if err := schematool.NewUpdateSchemaTask(conn, update, logger).Run(); err != nil {
		return sc.explain(t, fmt.Errorf("upgrade the Temporal schema of %s to version %s: %w", where, sc.supported, err))
	}
	return nil
}

// explain adds what to do to a schema error the user can fix.
func (sc *pgSchema) explain(t *postgresTarget, err error) error {
	if sqlState(err) == "42501" { // insufficient_privilege
		return fmt.Errorf("%w; let user %s create tables in database %s (make it the owner), or name another database", err, t.user, sc.database)
	}
	return err
}

// parseSchemaVersion parses a version such as 1.19 or 1.2.3.
func parseSchemaVersion(v string) ([]int, bool) {
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return nil, false
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		nums[i] = n
	}
	return nums, true
}
