package registry

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/distribution/distribution/v3/registry/storage"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
)

// uploadMaxAge is how long an unfinished blob upload is kept: long enough
// for any push that is still running, short enough that a crashed push does
// not leave its parts on disk for good.
const uploadMaxAge = 24 * time.Hour

// repositoriesRoot is where distribution keeps repositories, and their
// unfinished uploads, in its storage.
const repositoriesRoot = "/docker/registry/v2/repositories"

// purgeUploads deletes the parts of blob uploads started more than
// uploadMaxAge ago. It runs once per Start: the local registry restarts with
// the worker far more often than distribution's daily purge would run.
func purgeUploads(ctx context.Context, driver storagedriver.StorageDriver, logger *slog.Logger) {
	if _, err := driver.Stat(ctx, repositoriesRoot); err != nil {
		// A fresh store has no repositories, so nothing to purge.
		var notFound storagedriver.PathNotFoundError
		if !errors.As(err, &notFound) {
			logger.Warn("registry could not purge old uploads", "err", err)
		}
		return
	}
	_, errs := storage.PurgeUploads(ctx, driver, time.Now().Add(-uploadMaxAge), true)
	if ctx.Err() != nil {
		return
	}
	for _, err := range errs {
		logger.Warn("registry could not purge old uploads", "err", err)
	}
}
