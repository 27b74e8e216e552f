package devserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives/timestamp"
	"go.temporal.io/server/schema/sqlite"
)

// dbFile is the SQLite database inside the data directory; it holds both the
// default (executions, history) and the visibility store.
const dbFile = "temporal.db"

// sqliteStores configures a server to keep everything in the SQLite
// database db, on one history shard.
func sqliteStores(db *config.SQL) *stores {
	const name = "sqlite"
	return &stores{
		defaultStore:    name,
		visibilityStore: name,
		shards:          1,
		dataStores:      map[string]config.DataStore{name: {SQL: db}},
	}
}

// storeConfig returns the SQLite settings for the database file at path.
//
// The SQLite plugin keeps one connection per distinct setting for the life of
// the process, even after the server stops: a restart in the same process
// reuses it, which is fine as long as the file is not deleted in between.
func storeConfig(path string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		ConnectAttributes: map[string]string{
			"mode": "rwc",
			// WAL keeps every committed transaction across a crash of the
			// process and needs far fewer fsyncs than the rollback journal.
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
}

// ensureSchema creates the database at path with the Temporal schema if it
// does not exist yet. The schema is built in a temporary file that is renamed
// into place, so an interrupted first start leaves no half-made database.
func ensureSchema(path string) error {
	if strings.ContainsAny(path, "?#%") {
		return fmt.Errorf("database path %s: the characters ?, # and %% are not supported in the data directory", path)
	}
	switch _, err := os.Stat(path); {
	case err == nil:
		return nil
	case !os.IsNotExist(err):
		return fmt.Errorf("check database %s: %w", path, err)
	}

	dir := filepath.Dir(path)
	stale, _ := filepath.Glob(filepath.Join(dir, dbFile+".*.tmp"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
	tmp, err := os.CreateTemp(dir, dbFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	_ = tmp.Close()

	// The rollback journal (not WAL) while building: the plugin never closes
	// this connection, and with WAL the schema could sit in a -wal file that
	// the rename would leave behind.
	cfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      tmp.Name(),
		ConnectAttributes: map[string]string{"mode": "rwc"},
	}
	if err := sqlite.SetupSchema(cfg); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("create Temporal schema in %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("create database %s: %w", path, err)
	}
	return nil
}

// ensureNamespace registers namespace directly in the database before the
// server starts, so it is usable the moment the frontend answers (a namespace
// registered through the API only shows up after the namespace cache
// refreshes). It does nothing if the namespace exists. The helpers come with
// the server's SQLite schema but work through any SQL plugin, PostgreSQL's too.
func ensureNamespace(cfg *config.SQL, cluster, namespace string, retention time.Duration, attrs map[string]enumspb.IndexedValueType) error {
	ns, err := sqlite.NewNamespaceConfig(cluster, namespace, false, attrs)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", namespace, err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(retention)
	if err := sqlite.CreateNamespaces(cfg, ns); err != nil {
		return fmt.Errorf("register namespace %s: %w", namespace, err)
	}
	return nil
}
