package devicedb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Several phoneprov nodes on one PostgreSQL share what they must through
// the database: every write, the change feed (NOTIFY on feedChannel: each
// node's caches go stale when any node commits an admin change), the
// import lock, the files of cluster_files and the list of live nodes. On
// SQLite there is one node and these are local.

const feedChannel = "phoneprov_feed"

// feed is the node's side of the change feed.
type feed struct {
	node   string // this node's id, random per Open
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	subs   map[string][]func(string)
	syncs  map[string]chan struct{} // Sync's waiters, by nonce
}

// NodeID names this store's node in the cluster (random per Open).
func (s *Store) NodeID() string { return s.feed.node }

func newNodeID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startFeed LISTENs on the feed; it returns when the first LISTEN is in
// place, and goes on (reconnecting) until Close.
func (s *Store) startFeed(dsn string) error {
	ctx, cancel := context.WithCancel(context.Background())
	s.feed.cancel, s.feed.done = cancel, make(chan struct{})
	conn, err := listenFeed(ctx, dsn)
	if err != nil {
		cancel()
		close(s.feed.done)
		return fmt.Errorf("listening for changes: %w", err)
	}
	go func() {
		defer close(s.feed.done)
		for ctx.Err() == nil {
			for conn != nil {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					conn.Close(context.Background())
					conn = nil
					break
				}
				s.onFeed(n.Payload)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			if conn, _ = listenFeed(ctx, dsn); conn != nil {
				// What changed while not listening is unknown: every
				// cache goes stale.
				s.gen.Add(1)
			}
		}
	}()
	return nil
}

func listenFeed(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+feedChannel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func (s *Store) stopFeed() {
	if s.feed.cancel != nil {
		s.feed.cancel()
		<-s.feed.done
	}
}

// onFeed handles one message: "change" (an admin change committed on
// some node), "lock UNIX" (the import lock, 0 = released), or a topic of
// Subscribe.
func (s *Store) onFeed(msg string) {
	topic, payload, _ := strings.Cut(msg, " ")
	switch topic {
	case "change":
		s.gen.Add(1)
		return
	case "sync":
		s.feed.mu.Lock()
		if ch, ok := s.feed.syncs[payload]; ok {
			close(ch)
			delete(s.feed.syncs, payload)
		}
		s.feed.mu.Unlock()
		return
	case "lock":
		holder, until, _ := strings.Cut(payload, " ")
		if holder == s.feed.node {
			return
		}
		u, _ := strconv.ParseInt(until, 10, 64)
		s.locked.Store(u)
		s.lockedRemote.Store(u != 0)
		return
	}
	s.feed.mu.Lock()
	fns := append([]func(string){}, s.feed.subs[topic]...)
	s.feed.mu.Unlock()
	for _, fn := range fns {
		fn(payload)
	}
}

// Subscribe calls fn with the payload of every Broadcast of topic, on
// this node (from any node). fn runs on the feed's goroutine: keep it
// short.
func (s *Store) Subscribe(topic string, fn func(payload string)) {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.subs == nil {
		s.feed.subs = map[string][]func(string){}
	}
	s.feed.subs[topic] = append(s.feed.subs[topic], fn)
}

// Sync returns once this node has handled every Broadcast committed
// before the call (PostgreSQL delivers notifications in commit order: it
// sends itself one and waits for it, at most until ctx ends). Counters
// shared over the feed call it before a decision, so that one made here
// sees what was counted elsewhere just before. On SQLite it returns at
// once.
func (s *Store) Sync(ctx context.Context) error {
	if !s.pg {
		return nil
	}
	nonce := newNodeID()
	ch := make(chan struct{})
	s.feed.mu.Lock()
	if s.feed.syncs == nil {
		s.feed.syncs = map[string]chan struct{}{}
	}
	s.feed.syncs[nonce] = ch
	s.feed.mu.Unlock()
	defer func() {
		s.feed.mu.Lock()
		delete(s.feed.syncs, nonce)
		s.feed.mu.Unlock()
	}()
	if err := s.notify(ctx, "sync "+nonce); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Broadcast sends payload on topic to every node's subscribers (this one
// included). On SQLite it calls this node's subscribers.
func (s *Store) Broadcast(ctx context.Context, topic, payload string) error {
	if strings.ContainsAny(topic, " ") || topic == "change" || topic == "lock" || topic == "sync" {
		return fmt.Errorf("broadcast: bad topic %q", topic)
	}
	return s.notify(ctx, topic+" "+payload)
}

// changed marks an admin change committed outside writeOnce's own
// notification: this node's caches and, on PostgreSQL, every node's go
// stale.
func (s *Store) changed(ctx context.Context) {
	s.gen.Add(1)
	if s.pg {
		_ = s.notify(ctx, "change "+s.feed.node)
	}
}

func (s *Store) notify(ctx context.Context, msg string) error {
	if !s.pg {
		go s.onFeed(msg)
		return nil
	}
	_, err := s.w.ExecContext(ctx, `SELECT pg_notify(?, ?)`, feedChannel, msg)
	return err
}

// ShareFiles makes the named files of dir the same on every node: under a
// cluster-wide lock it writes the database's copy of each over the local
// file, runs create (which makes the files still missing, as a first node
// does), and stores the files the database lacks. On SQLite (one node) it
// only runs create.
func (s *Store) ShareFiles(ctx context.Context, dir string, names []string, create func() error) error {
	if !s.pg {
		return create()
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	const lockKey = 0x70686f6e66 // "phonf"
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, int64(lockKey)); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(?)`, int64(lockKey))
	have := map[string]bool{}
	for _, n := range names {
		var sealed []byte
		err := conn.QueryRowContext(ctx, `SELECT body_enc FROM cluster_files WHERE name = ?`, n).Scan(&sealed)
		if noRows(err) {
			continue
		}
		if err != nil {
			return err
		}
		body, err := s.box.open(sealed)
		if err != nil {
			return fmt.Errorf("shared file %s: %w (every node needs the same secret.key)", n, err)
		}
		p := filepath.Join(dir, n)
		if cur, err := os.ReadFile(p); err != nil || !bytes.Equal(cur, []byte(body)) {
			if err := writeFileAtomic(p, []byte(body)); err != nil {
				return err
			}
		}
		have[n] = true
	}
	if err := create(); err != nil {
		return err
	}
	for _, n := range names {
		if have[n] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_files (name, body_enc, updated_at) VALUES (?,?,?)
			ON CONFLICT (name) DO NOTHING`, n, s.box.seal(string(b)), s.now().Unix()); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Node is one phoneprov node serving the account.
type Node struct {
	ID        string            `json:"id"`
	Host      string            `json:"host"`
	Ports     map[string]string `json:"ports"`
	Started   time.Time         `json:"started_at"`
	Heartbeat time.Time         `json:"heartbeat_at"`
}

// Announce records (or refreshes) this node with its host and ports; a
// node is live while its heartbeat is recent (LiveNodes); nodes silent
// for a day are removed. Its statements run outside the write
// transactions, so that a long import on another node never holds the
// heartbeat.
func (s *Store) Announce(ctx context.Context, host string, ports map[string]string) error {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(ports)) {
		fmt.Fprintf(&b, "%s=%s;", k, ports[k])
	}
	now := s.now().Unix()
	_, err := s.w.ExecContext(ctx, `INSERT INTO nodes (id, host, ports, started_at, heartbeat_at) VALUES (?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, ports = excluded.ports, heartbeat_at = excluded.heartbeat_at`,
		s.feed.node, host, b.String(), now, now)
	if err == nil {
		// Nodes that died without leaving are forgotten after a day.
		_, err = s.w.ExecContext(ctx, `DELETE FROM nodes WHERE heartbeat_at < ?`, now-24*3600)
	}
	return err
}

// Leave removes this node from the list (at a clean shutdown).
func (s *Store) Leave(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM nodes WHERE id = ?`, s.feed.node)
	return err
}

// LiveNodes lists the nodes whose heartbeat is at most maxAge old, by
// host.
func (s *Store) LiveNodes(ctx context.Context, maxAge time.Duration) ([]Node, error) {
	now := s.now()
	rows, err := s.r.QueryContext(ctx, `SELECT id, host, ports, started_at, heartbeat_at FROM nodes
		WHERE heartbeat_at >= ? ORDER BY host, id`, now.Add(-maxAge).Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		var ports string
		var st, hb int64
		if err := rows.Scan(&n.ID, &n.Host, &ports, &st, &hb); err != nil {
			return nil, err
		}
		n.Ports = map[string]string{}
		for _, kv := range strings.Split(ports, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				n.Ports[k] = v
			}
		}
		n.Started, n.Heartbeat = time.Unix(st, 0).UTC(), time.Unix(hb, 0).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// Shared reports whether the database may be shared by several nodes
// (PostgreSQL).
func (s *Store) Shared() bool { return s.pg }
