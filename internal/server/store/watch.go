package store

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Change is set whenever a row of one of the tables it watches is inserted, updated or deleted through
// the Writer pool: by a statement, a trigger or a foreign key action (a cascade), whether the
// transaction then commits or not. SQLite reports each row to the writer connection's pre-update
// hook, which also turns off the optimization that would empty a table without visiting its rows.
// Memory that mirrors those tables (the server's authentication cache) takes it after each commit.
type Change struct {
	tables []string
	set    atomic.Bool
}

// Take reports whether a watched table changed since the last Take, and clears it.
func (c *Change) Take() bool { return c.set.Swap(false) }

// watches are the Changes of one Store; the hook of every writer connection reports to them.
type watches struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*Change]
}

func (w *watches) add(c *Change) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var list []*Change
	if old := w.list.Load(); old != nil {
		list = slices.Clone(*old)
	}
	list = append(list, c)
	w.list.Store(&list)
}

func (w *watches) changed(table string) {
	list := w.list.Load()
	if list == nil {
		return
	}
	for _, c := range *list {
		if slices.Contains(c.tables, table) {
			c.set.Store(true)
		}
	}
}

// hook registers the pre-update hook on a new writer connection: every connection the pool opens
// reports, so none writes unseen.
func (w *watches) hook(conn driver.Conn) error {
	h, ok := conn.(sqlite.HookRegisterer)
	if !ok {
		return fmt.Errorf("the sqlite driver's connection %T cannot report changes", conn)
	}
	h.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) { w.changed(d.TableName) })
	return nil
}

// Watch returns a Change for the given tables, set from now on by every row written to them through
// Writer.
func (s *Store) Watch(tables ...string) *Change {
	c := &Change{tables: tables}
	s.watches.add(c)
	return c
}
