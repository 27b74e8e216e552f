package config

import (
	"path/filepath"
	"strings"
)

// localRepoPath reports whether url names a repository by a local path
// (what git clone takes as a directory) rather than by a URL: no
// "scheme://" and not the scp-like "host:path" form, where a colon comes
// before any slash.
func localRepoPath(url string) bool {
	if strings.Contains(url, "://") {
		return false
	}
	colon, slash := strings.IndexByte(url, ':'), strings.IndexByte(url, '/')
	return colon < 0 || (slash >= 0 && slash < colon)
}

// resolveRepoURL makes a relative local repository path absolute against
// dir, the directory of the pipeline file that names it: the worker runs
// elsewhere, and the same file must mean the same repository wherever it
// is read from.
func resolveRepoURL(url, dir string) string {
	if url == "" || !localRepoPath(url) || filepath.IsAbs(url) || strings.HasPrefix(url, "~") {
		return url
	}
	return filepath.Join(dir, url)
}
