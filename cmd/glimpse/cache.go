package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagecache"
)

// cachePrefetchDelay is how long after an image is queued for caching the prefetcher
// fetches it (see imagecache.Options.PrefetchDelay).
const cachePrefetchDelay = time.Second

// openImageCache opens the image cache in <data dir>/image-cache when cfg.CacheMaxSize is
// positive, starts its prefetcher (until ctx ends) and returns data with the cache in
// front of its downloads. With the cache off it returns data and a nil cache.
func openImageCache(ctx context.Context, cfg *Config, images glimpse.ImageService, data glimpse.ImageDataService,
	logger *slog.Logger) (glimpse.ImageDataService, *imagecache.Cache, error) {
	if cfg.CacheMaxSize <= 0 {
		return data, nil, nil
	}
	cache, err := imagecache.Open(filepath.Join(cfg.DataDir, "image-cache"), imagecache.Options{
		MaxSize: cfg.CacheMaxSize, PrefetchDelay: cachePrefetchDelay, Logger: logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("image cache: %w", err)
	}
	go cache.Run(ctx, images, data)
	return cache.Wrap(data), cache, nil
}
