package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// processRecord is what the process target knows of an instance, on disk in
// Dir/instances/<product>/<env>/<service>/<id>.json so that a restarted
// worker finds the instances its predecessor started.
type processRecord struct {
	Instance
	// StartTicks is when the process started, in clock ticks since boot
	// (field 22 of /proc/<pid>/stat). With the PID it names the process,
	// which the PID alone stops doing once the process is gone and the PID
	// is reused.
	StartTicks uint64 `json:"start_ticks"`
	// Argv is the command line run.
	Argv []string `json:"argv"`
}

// serviceDir is the directory of the records and logs of a service.
func (p *Process) serviceDir(product, env, service string) string {
	return filepath.Join(p.Dir, "instances", product, env, service)
}

// recordPath is the record of an instance; the log is beside it.
func (p *Process) recordPath(in Instance) (string, error) {
	for _, s := range []string{in.Product, in.Env, in.Service} {
		if !nameRE.MatchString(s) {
			return "", fmt.Errorf("instance %q: %q is not a product, environment or service name", in.ID, s)
		}
	}
	if !idRE.MatchString(in.ID) {
		return "", fmt.Errorf("instance of %s: %q is not an instance id", in.where(), in.ID)
	}
	return filepath.Join(p.serviceDir(in.Product, in.Env, in.Service), in.ID+".json"), nil
}

// logPath is where an instance's output goes, beside its record.
func logPath(record string) string {
	return strings.TrimSuffix(record, ".json") + ".log"
}

// writeRecord writes rec atomically: a reader sees the old record or the new
// one, never part of one, even after a crash.
func writeRecord(path string, rec processRecord) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFileSynced(path, append(data, '\n'))
}

// readRecord reads the record at path; a missing one is fs.ErrNotExist.
func readRecord(path string) (processRecord, error) {
	var rec processRecord
	data, err := os.ReadFile(path)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("instance record %s: %w", path, err)
	}
	return rec, nil
}

// readRecords reads every record in a service's directory, in name order.
func readRecords(dir string) ([]processRecord, []string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var recs []processRecord
	var paths []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		rec, err := readRecord(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // stopped meanwhile
		}
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
		paths = append(paths, path)
	}
	return recs, paths, nil
}

// removeRecord forgets an instance; one already forgotten is not an error.
func removeRecord(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeFileSynced writes data to path through a temporary file that is
// flushed to disk and renamed into place.
func writeFileSynced(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir flushes a directory's entries, so a rename or removal in it
// survives a crash of the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

// sortInstances orders instances by start time, then id.
func sortInstances(ins []Instance) {
	slices.SortFunc(ins, func(a, b Instance) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
