package firmware

import (
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Store. The zero value of each optional field selects
// its default.
type Config struct {
	// Dir is the store folder, e.g. DATA/firmware; created with mode 0700
	// when missing. Required.
	Dir string
	// MaxConcurrent is how many downloads Serve runs at once; one more is
	// answered 503 with Retry-After at once, so a boot storm cannot tie up
	// the server that also hands out configs. Default: 8.
	MaxConcurrent int
	// MaxSize is the largest image Add accepts, in bytes. Default: 512 MiB.
	MaxSize int64
	// MinRate is the slowest download tolerated, in bytes per second: Serve
	// sets a write deadline of Grace + size/MinRate, so a stalled phone
	// gives its slot back. Default: 16 KiB/s.
	MinRate int64
	// Grace is the time every download is allowed on top of size/MinRate.
	// Default: 30s.
	Grace time.Duration
	// OnRefused, when set, is called once for every download refused
	// because MaxConcurrent were running (e.g. to count a metric). It must
	// not block.
	OnRefused func()
	// Logger receives the repairs made by Open and blobs Serve could not
	// open. Default: slog.Default().
	Logger *slog.Logger
}

// Defaults for the optional Config fields.
const (
	DefaultMaxConcurrent = 8
	DefaultMaxSize       = 512 << 20
	DefaultMinRate       = 16 << 10
	DefaultGrace         = 30 * time.Second
)

// withDefaults returns cfg with every unset optional field at its default.
func (cfg Config) withDefaults() Config {
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.MinRate == 0 {
		cfg.MinRate = DefaultMinRate
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// validate checks cfg before anything touches the disk.
func (cfg Config) validate() error {
	switch {
	case cfg.Dir == "":
		return ErrNoDir
	case cfg.MaxConcurrent < 0:
		return fmt.Errorf("%w: %d", ErrMaxConcurrent, cfg.MaxConcurrent)
	case cfg.MaxSize < 0:
		return fmt.Errorf("%w: %d", ErrMaxSize, cfg.MaxSize)
	case cfg.MinRate < 0:
		return fmt.Errorf("%w: %d", ErrMinRate, cfg.MinRate)
	case cfg.Grace < 0:
		return fmt.Errorf("%w: %s", ErrGrace, cfg.Grace)
	}
	return nil
}
