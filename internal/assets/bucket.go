package assets

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Where is an S3 bucket: its name, and for a store other than AWS S3 its
// endpoint (addressed path-style) and region.
type Where struct {
	Bucket, Endpoint, Region string
}

// Bucket is an S3 bucket reached with the credentials and region of the
// process's environment (the SDK's default chain: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role), never with
// credentials given by a caller.
type Bucket struct {
	name   string
	client *s3.Client
}

// sumKey is the object metadata (x-amz-meta-sha256) that holds the
// SHA-256 of an asset's content, by which an existing object is known.
const sumKey = "sha256"

// immutable is the Cache-Control of every asset: its key names its
// content, which never changes.
const immutable = "public, max-age=31536000, immutable"

// Open returns the bucket w. A region left out is the environment's, or
// us-east-1 for a store at an endpoint; AWS S3 with no region at all is
// an ErrInvalid.
func Open(ctx context.Context, w Where) (*Bucket, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if w.Region != "" {
		opts = append(opts, awsconfig.WithRegion(w.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: the AWS configuration of this worker: %w", w.Bucket, err)
	}
	if cfg.Region == "" {
		if w.Endpoint == "" {
			return nil, invalid("bucket %s: no region; set region under the environment's assets, or AWS_REGION on its deploy worker", w.Bucket)
		}
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if w.Endpoint == "" {
			return
		}
		o.BaseEndpoint = aws.String(w.Endpoint)
		o.UsePathStyle = true
		// Stores that speak S3 do not all know its newer checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Bucket{name: w.Bucket, client: client}, nil
}

// URL is key's address as people write it: s3://bucket/key.
func (b *Bucket) URL(key string) string { return "s3://" + b.name + "/" + key }

// Stat reports whether key exists and, if so, the SHA-256 of its content
// as recorded when Put wrote it ("" for an object Put did not write).
func (b *Bucket) Stat(ctx context.Context, key string) (sum string, found bool, err error) {
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if status(err) == http.StatusNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up %s: %w", b.URL(key), err)
	}
	for k, v := range out.Metadata {
		if strings.EqualFold(k, sumKey) {
			return v, true, nil
		}
	}
	return "", true, nil
}

// errExists is a Put that found the key taken.
var errExists = errors.New("the key exists")

// Put writes the file at file, whose content has the SHA-256 sum, as key,
// unless key exists (errExists): a store that knows conditional writes
// refuses to overwrite an object even when another writer came first.
func (b *Bucket) Put(ctx context.Context, key, file, sum string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	kind := mime.TypeByExtension(path.Ext(key))
	if kind == "" {
		kind = "application/octet-stream"
	}
	_, err = b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.name),
		Key:           aws.String(key),
		Body:          f,
		ContentLength: aws.Int64(info.Size()),
		ContentType:   aws.String(kind),
		CacheControl:  aws.String(immutable),
		Metadata:      map[string]string{sumKey: sum},
		IfNoneMatch:   aws.String("*"),
	})
	switch {
	case err == nil:
		return nil
	case status(err) == http.StatusPreconditionFailed, status(err) == http.StatusConflict:
		return errExists
	}
	return fmt.Errorf("write %s: %w", b.URL(key), err)
}

// status is the HTTP status of a failed S3 call, 0 when it got no answer.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
