//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ServerLock is the lock file beside a database that says servers run on it: each server holds it
// shared, for its lifetime, and the operator's tasks that must not run beside a server (a key
// rotation) hold it exclusively. The operating system releases it when a process dies, so a crashed
// server leaves nothing behind.
type ServerLock struct{ f *os.File }

// ErrServerRunning is the refusal of an exclusive lock while a server holds the database.
var ErrServerRunning = errors.New("a server is running on this database")

func lockFile(dbPath string, how int) (*ServerLock, error) {
	f, err := os.OpenFile(dbPath+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the database's lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrServerRunning
		}
		return nil, fmt.Errorf("lock %s.lock: %w", dbPath, err)
	}
	return &ServerLock{f: f}, nil
}

// LockShared is a running server's hold on its database.
func LockShared(dbPath string) (*ServerLock, error) { return lockFile(dbPath, syscall.LOCK_SH) }

// LockExclusive holds the database against any server; ErrServerRunning while one runs.
func LockExclusive(dbPath string) (*ServerLock, error) { return lockFile(dbPath, syscall.LOCK_EX) }

// Release lets the lock go.
func (l *ServerLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.f.Close()
}
