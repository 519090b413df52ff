// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb in
// a temporary directory, listening only on a Unix socket there, stopped by
// Stop.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Cluster is a running throwaway PostgreSQL.
type Cluster struct {
	dir, bin string
	asUser   []string // runuser prefix when running as root
	admin    *sql.DB
	n        atomic.Int64
}

// BinDir finds the PostgreSQL server programs: pg_config --bindir, else
// the newest /usr/lib/postgresql/*/bin. Empty when none is installed.
func BinDir() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := string(out[:len(out)-1])
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(ms, func(i, j int) bool { return version(ms[i]) < version(ms[j]) })
	if len(ms) == 0 {
		return ""
	}
	return filepath.Dir(ms[len(ms)-1])
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// Start initialises and starts a cluster. As root (where initdb refuses to
// run) the server runs as the "postgres" OS user, which owns the
// directory.
func Start() (*Cluster, error) {
	bin := BinDir()
	if bin == "" {
		return nil, errors.New("PostgreSQL is not installed (apt-get install postgresql)")
	}
	dir, err := os.MkdirTemp("", "phoneprov-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off -c max_connections=300 -c max_pred_locks_per_transaction=256", dir)
	if out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	if c.admin, err = sql.Open("pgx", c.url("postgres")); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, prog)), args...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

func (c *Cluster) url(db string) string {
	return "postgres://postgres@/" + db + "?host=" + url.QueryEscape(c.dir) + "&sslmode=disable"
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.n.Add(1))
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return "", err
	}
	return c.url(name), nil
}

// Stop stops the server and removes its directory.
func (c *Cluster) Stop() {
	if c.admin != nil {
		c.admin.Close()
	}
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

// Env is the environment variable that switches the store of the tests to
// PostgreSQL: PHONEPROV_TEST_DATABASE=postgres.
const Env = "PHONEPROV_TEST_DATABASE"

// Wanted reports whether the tests should run on PostgreSQL.
func Wanted() bool { return os.Getenv(Env) == "postgres" }

// Main runs a package's tests (from TestMain) with a cluster started when
// Wanted, and sets *cluster to it (nil otherwise). Under CI=true a cluster
// that does not start fails the run; elsewhere the PostgreSQL run is
// skipped with a message.
func Main(m *testing.M, cluster **Cluster) int {
	if !Wanted() {
		return m.Run()
	}
	c, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if os.Getenv("CI") == "true" {
			return 1
		}
		fmt.Fprintln(os.Stderr, "pgtest: skipping the PostgreSQL run")
		return 0
	}
	defer c.Stop()
	*cluster = c
	return m.Run()
}

// StartForTest starts a cluster for one test, stopped at its end. Without
// PostgreSQL installed the test is skipped, except under CI=true where it
// fails.
func StartForTest(t testing.TB) *Cluster {
	t.Helper()
	c, err := Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// DatabaseForTest is a new database on c for one test.
func (c *Cluster) DatabaseForTest(t testing.TB) string {
	t.Helper()
	u, err := c.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}
