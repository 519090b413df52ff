package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// ServerStats are the server's CPU and memory over the storm, from /proc.
type ServerStats struct {
	PID         int     `json:"pid"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	CPUPercent  float64 `json:"cpu_percent_of_one_core"`
	RSSBeforeMB float64 `json:"rss_before_mb"`
	RSSMaxMB    float64 `json:"rss_max_mb"`
	RSSAfterMB  float64 `json:"rss_after_mb"`
}

// clkTck is USER_HZ, 100 on every Linux platform Go supports.
const clkTck = 100

// cpuTicks reads utime+stime of a process.
func cpuTicks(pid int) (int64, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, err
	}
	st, err := p.Stat()
	if err != nil {
		return 0, err
	}
	return int64(st.UTime + st.STime), nil
}

// rssMB reads VmRSS of a process.
func rssMB(pid int) (float64, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, err
	}
	st, err := p.NewStatus()
	if err != nil {
		return 0, err
	}
	return float64(st.VmRSS) / (1 << 20), nil
}

// tcpListener is one listening TCP socket: its local address and port.
type tcpListener struct {
	ip   net.IP
	port int
}

// tcpListeners maps the socket inode ("socket:[N]") of every listening TCP
// socket to its address, from /proc/net/tcp and tcp6 (read by hand: procfs
// deprecates its reader of them for netlink).
func tcpListeners() map[string]tcpListener {
	out := map[string]tcpListener{}
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(l)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			hexIP, hexPort, _ := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil {
				out["socket:["+f[9]+"]"] = tcpListener{ip: procIP(hexIP), port: int(p)}
			}
		}
	}
	return out
}

// procIP decodes an address of /proc/net/tcp: 32-bit words in host
// (little-endian) order.
func procIP(h string) net.IP {
	b, err := hex.DecodeString(h)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil
	}
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b)
}

// listenerPID finds the process with a TCP socket listening on the port
// (and on host, or on every address, when host is an IP), by the socket's
// inode and the processes' fds.
func listenerPID(host string, port int) (int, error) {
	inodes := map[string]bool{}
	want := net.ParseIP(host)
	for ino, l := range tcpListeners() {
		if l.port == port && (want == nil || l.ip == nil || l.ip.IsUnspecified() || l.ip.Equal(want)) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no listener on port %d", port)
	}
	procs, err := procfs.AllProcs()
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		targets, err := p.FileDescriptorTargets()
		if err != nil {
			continue
		}
		for _, l := range targets {
			if inodes[l] {
				return p.PID, nil
			}
		}
	}
	return 0, fmt.Errorf("port %d: listener found but not its process (run as its user or give --pid)", port)
}

// listeningPorts lists the TCP ports the process listens on, ascending.
func listeningPorts(pid int) ([]int, error) {
	proc, err := procfs.NewProc(pid)
	if err != nil {
		return nil, err
	}
	targets, err := proc.FileDescriptorTargets()
	if err != nil {
		return nil, err
	}
	ls := tcpListeners()
	seen := map[int]bool{}
	var out []int
	for _, l := range targets {
		if l, ok := ls[l]; ok && !seen[l.port] {
			seen[l.port] = true
			out = append(out, l.port)
		}
	}
	sort.Ints(out)
	return out, nil
}

// serverPID is the process listening on the port of a base URL.
func serverPID(base string) (int, error) {
	u, err := url.Parse(base)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0, fmt.Errorf("%q: no port", base)
	}
	return listenerPID(u.Hostname(), port)
}

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// sampler follows a process's RSS until stopped.
type sampler struct {
	pid       int
	ticks0    int64
	start     time.Time
	rss0, max float64
	stop      chan struct{}
	done      sync.WaitGroup
}

func startSampler(pid int) (*sampler, error) {
	t, err := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	r, err := rssMB(pid)
	if err != nil {
		return nil, err
	}
	s := &sampler{pid: pid, ticks0: t, start: time.Now(), rss0: r, max: r, stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tk.C:
				if r, err := rssMB(pid); err == nil && r > s.max {
					s.max = r
				}
			}
		}
	}()
	return s, nil
}

func (s *sampler) finish() *ServerStats {
	close(s.stop)
	s.done.Wait()
	st := &ServerStats{PID: s.pid, RSSBeforeMB: s.rss0, RSSMaxMB: s.max}
	if t, err := cpuTicks(s.pid); err == nil {
		st.CPUSeconds = float64(t-s.ticks0) / clkTck
		st.CPUPercent = 100 * st.CPUSeconds / time.Since(s.start).Seconds()
	}
	if r, err := rssMB(s.pid); err == nil {
		st.RSSAfterMB = r
		st.RSSMaxMB = max(st.RSSMaxMB, r)
	}
	return st
}
