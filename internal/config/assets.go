package config

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
)

// AssetBucket is the S3 bucket (AWS S3, or a store that speaks its
// protocol) an environment's copy of each release's static assets goes
// to. Every file of the pipeline's asset directories becomes the object
// PREFIX/TREE/PATH, where TREE is the content hash of all of them and
// PATH the file's path in the repository; an object once written is
// never overwritten. The environment's deploy worker reaches the bucket
// with the credentials of its own environment (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, a profile, an instance role): none is in the file.
type AssetBucket struct {
	// Bucket names the bucket. Required.
	Bucket string `yaml:"bucket" json:"bucket"`
	// Prefix goes before the tree hash in every key, such as releases/.
	Prefix string `yaml:"prefix" json:"prefix,omitempty"`
	// Endpoint is the base URL of an S3-compatible store (MinIO, Ceph,
	// R2), which is then addressed path-style; empty is AWS S3.
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	// Region is the bucket's region; empty takes the deploy worker's
	// (AWS_REGION, its profile), or us-east-1 for a store at Endpoint.
	Region string `yaml:"region" json:"region,omitempty"`
}

func (p *Pipeline) validateAssets(ps *problems) {
	seen := make([]string, len(p.Assets))
	for i, dir := range p.Assets {
		at := item("assets", i)
		clean, problem := assetDir(dir)
		if problem != "" {
			ps.add(at, "%s", problem)
			continue
		}
		seen[i] = clean
		for j, other := range seen[:i] {
			if other == "" {
				continue
			}
			if clash := overlap(dir, clean, other, j); clash != "" {
				ps.add(at, "%s", clash)
				break
			}
		}
	}
	var buckets int
	for _, name := range slices.Sorted(maps.Keys(p.Environments)) {
		env := p.Environments[name]
		if env.Assets == nil {
			continue
		}
		buckets++
		at := child("environments", name) + ".assets"
		env.Assets.validate(at, ps)
		switch {
		case len(p.Assets) == 0:
			ps.add(at, "names a bucket, but the pipeline lists no assets; list the directories to upload at the top level, such as assets: [web/static], or remove %s", at)
		case env.Follow != "":
			ps.add(at, "is set, but %s follows %s and never deploys a release, which is when assets are uploaded; give the bucket to an environment releases go through", name, env.Follow)
		}
	}
	if len(p.Assets) > 0 && buckets == 0 {
		ps.add("assets", "lists directories, but no environment says where they go; give one a bucket, such as environments.prod.assets: {bucket: shop-assets}")
	}
}

// overlap says why the asset directory dir (clean once cleaned) may not
// be listed with assets[j], other; "" when they hold different files.
func overlap(dir, clean, other string, j int) string {
	switch {
	case other == clean:
		return fmt.Sprintf("%q is already assets[%d]; list each directory once", dir, j)
	case strings.HasPrefix(clean, other+"/"):
		return fmt.Sprintf("%q is inside assets[%d] (%s), whose files are uploaded already; list one of them", dir, j, other)
	case strings.HasPrefix(other, clean+"/"):
		return fmt.Sprintf("%q holds assets[%d] (%s), so its files would be listed twice; list one of them", dir, j, other)
	}
	return ""
}

// assetDir is dir, an asset directory as the file gives it, cleaned;
// or, when it is not a directory inside the repository, why not.
func assetDir(dir string) (string, string) {
	switch clean := path.Clean(dir); {
	case strings.TrimSpace(dir) == "":
		return "", "empty; name a directory of the repository, such as web/static"
	case path.IsAbs(dir) || strings.HasPrefix(dir, `\`) || len(dir) > 1 && dir[1] == ':':
		return "", fmt.Sprintf("%q is an absolute path; name a directory of the repository from its root, such as web/static", dir)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "", fmt.Sprintf("%q is outside the repository; name a directory inside it, from its root, such as web/static", dir)
	case clean == ".":
		return "", fmt.Sprintf("%q is the whole repository; name the directory that holds the assets, such as web/static", dir)
	case clean == ".git" || strings.HasPrefix(clean, ".git/"):
		return "", fmt.Sprintf("%q is git's own directory, not part of the tagged commit; name a directory of the repository, such as web/static", dir)
	default:
		return clean, ""
	}
}

func (b *AssetBucket) validate(at string, ps *problems) {
	switch {
	case b.Bucket == "":
		ps.add(at+".bucket", "missing; name the bucket the assets go to, such as bucket: shop-assets")
	case !validBucket(b.Bucket):
		ps.add(at+".bucket", "%q is not a bucket name (want 3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit)", b.Bucket)
	}
	if b.Prefix != "" {
		for _, part := range strings.Split(strings.TrimSuffix(b.Prefix, "/"), "/") {
			if part == "" || part == "." || part == ".." {
				ps.add(at+".prefix", "%q is not a key prefix (want names joined by /, with no empty, . or .. part and no leading /, such as releases/)", b.Prefix)
				break
			}
		}
	}
	if b.Endpoint != "" {
		u, err := url.Parse(b.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(at+".endpoint", "%q is not an http(s) URL (want the store's, such as https://minio.example.com:9000, or leave endpoint out for AWS S3)", b.Endpoint)
		}
	}
	if b.Region != "" && strings.ContainsAny(b.Region, " \t/") {
		ps.add(at+".region", "%q is not a region (want one such as us-east-1)", b.Region)
	}
}

// validBucket reports whether s can name an S3 bucket.
func validBucket(s string) bool {
	if len(s) < 3 || len(s) > 63 || strings.Trim(s, ".-") != s {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '-' {
			return false
		}
	}
	return true
}
