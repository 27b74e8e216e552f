package deploy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
)

// Pruner is a target that keeps images for its instances (an unpacked
// file system, a pulled image) and can remove them.
type Pruner interface {
	// PruneImages removes what the target keeps of the images digests
	// names, except those an instance still uses, and returns what it
	// removed (or, dry, would remove) and the bytes freed.
	PruneImages(ctx context.Context, digests []string, dryRun bool) (removed, pruned []string, bytes int64, err error)
}

var (
	_ Pruner = (*Process)(nil)
	_ Pruner = (*Docker)(nil)
)

// PruneImages removes unpacked images from the image cache. An image an
// instance record of any product or environment names is kept.
func (p *Process) PruneImages(ctx context.Context, digests []string, dryRun bool) ([]string, []string, int64, error) {
	inUse, err := p.digestsInUse()
	if err != nil {
		return nil, nil, 0, err
	}
	var removed, pruned []string
	var freed int64
	for _, d := range digests {
		hex := strings.TrimPrefix(d, "sha256:")
		if hex == d || strings.ContainsAny(hex, `/\.`) || inUse[d] {
			continue
		}
		dir := filepath.Join(p.Dir, "images", hex)
		size, err := DirSize(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, pruned, freed, err
		}
		if !dryRun {
			unlock, err := lockFile(ctx, dir+".lock")
			if err != nil {
				return removed, pruned, freed, err
			}
			err = os.RemoveAll(dir)
			os.Remove(dir + ".lock")
			unlock()
			if err != nil {
				return removed, pruned, freed, err
			}
		}
		removed, pruned = append(removed, "unpacked image "+d), append(pruned, d)
		freed += size
	}
	return removed, pruned, freed, nil
}

// digestsInUse are the images the instance records name.
func (p *Process) digestsInUse() (map[string]bool, error) {
	dirs, err := filepath.Glob(filepath.Join(p.Dir, "instances", "*", "*", "*"))
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, dir := range dirs {
		recs, _, err := readRecords(dir)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			used[r.Digest] = true
		}
	}
	return used, nil
}

// DirSize is the total size of the files under dir.
func DirSize(dir string) (int64, error) {
	if _, err := os.Stat(dir); err != nil {
		return 0, err
	}
	var n int64
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, err
}

// PruneImages removes the engine's images of digests. The engine refuses
// to remove an image a container (of any site) uses; that one is kept.
func (d *Docker) PruneImages(ctx context.Context, digests []string, dryRun bool) ([]string, []string, int64, error) {
	want := map[string]bool{}
	for _, dg := range digests {
		want[dg] = true
	}
	list, err := d.Client.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return nil, nil, 0, err
	}
	var removed, pruned []string
	var freed int64
	for _, img := range list {
		match := ""
		for _, rd := range img.RepoDigests {
			if _, dg, ok := strings.Cut(rd, "@"); ok && want[dg] {
				match = dg
			}
		}
		if match == "" {
			continue
		}
		if !dryRun {
			_, err := d.Client.ImageRemove(ctx, img.ID, image.RemoveOptions{PruneChildren: true})
			switch {
			case cerrdefs.IsConflict(err), cerrdefs.IsNotFound(err):
				continue // in use, or gone meanwhile
			case err != nil:
				return removed, pruned, freed, err
			}
		}
		removed, pruned = append(removed, "docker image "+strings.Join(img.RepoDigests, ", ")), append(pruned, match)
		freed += img.Size
	}
	return removed, pruned, freed, nil
}
