package localpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// attachTimeout is how long Open waits for the PostgreSQL of a registry that is still
// starting up.
var attachTimeout = 30 * time.Second

// Open is Start for the commands that may share a cluster: when another registry (a
// running `registry serve`) holds the data folder, it connects to that registry's
// PostgreSQL over its socket instead of refusing. Such a Server's Stop leaves the cluster
// running: it belongs to the registry that started it, which stops it when it exits.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	s, err := Start(ctx, dir, logger)
	if !errors.Is(err, ErrInUse) {
		return s, err
	}
	return attach(ctx, dir, logger)
}

// attach returns a Server for the cluster another registry runs in dir.
func attach(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.Default()
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	s := &Server{
		dir:     abs,
		pgdata:  filepath.Join(abs, "pgdata"),
		logPath: filepath.Join(abs, "postgres.log"),
		logger:  logger,
		exited:  make(chan struct{}),
	}
	s.socketDir, _ = socketDirFor(abs)
	// Stop has nothing to do: mark it done, so it neither signals the other registry's
	// postmaster nor removes its socket folder.
	s.stopOnce.Do(func() {})

	ctx, cancel := context.WithTimeout(ctx, attachTimeout)
	defer cancel()
	for {
		err := s.ping(ctx)
		if err == nil {
			logger.Info("using the PostgreSQL of the registry already running on the data folder", "folder", abs)
			return s, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("another registry is using data folder %s, and its PostgreSQL does not answer on %s: %v",
				abs, s.socketDir, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
