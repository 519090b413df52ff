package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/tlsca"
	"github.com/phoneprov/phoneprov/sip"
	sipdns "github.com/phoneprov/phoneprov/sip/dns"
)

// Several serve processes on one PostgreSQL ("nodes") serve one account.
// What they share goes through the database (devicedb); this file wires
// it: the files of the data directory every node needs the same copy of,
// the node's heartbeat, and registrations and re-syncs across nodes.

// sharedFiles are the data directory's files every node uses the same copy
// of: the local CA (phones trust it) and the admin token. secret.key is
// the one file the operator copies to every node.
var sharedFiles = []string{"ca.crt", "ca.key", "admin.token"}

// Node heartbeats: a node that has not announced itself for nodeTimeout
// is left out of the DNS SRV records.
const (
	heartbeatEvery = 2 * time.Second
	nodeTimeout    = 3 * heartbeatEvery
)

// joinCluster makes this node's shared files the cluster's: the first node
// creates them (CA, admin token), the others take its copies.
func joinCluster(ctx context.Context, store *devicedb.Store, c *serveConfig, hosts []string) error {
	return store.ShareFiles(ctx, c.Data, sharedFiles, func() error {
		if _, err := adminToken(filepath.Join(c.Data, "admin.token")); err != nil {
			return err
		}
		_, err := tlsca.Load(c.Data, hosts, time.Now())
		return err
	})
}

// heartbeat announces the node (host, ports) until ctx ends, then removes
// it from the list.
func heartbeat(ctx context.Context, store *devicedb.Store, host string, ports map[string]string, log *slog.Logger) {
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		if err := store.Announce(ctx, host, ports); err != nil && ctx.Err() == nil {
			log.Warn("node heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := store.Leave(lctx); err != nil {
				log.Warn("leaving the cluster", "err", err)
			}
			return
		case <-tick.C:
		}
	}
}

// nodeRegistrar is the registrar seen from the cluster: on a shared
// database the bindings of every node (each registrar writes its own
// behind, within a second), and a re-sync goes out from the node holding
// the device's registration.
type nodeRegistrar struct {
	r     *sip.Registrar
	store *devicedb.Store
	share *resyncShare // re-sync outcomes of every node; nil alone
}

func (n nodeRegistrar) shared() bool { return n.store != nil && n.store.Shared() }

func (n nodeRegistrar) bindings(mac string, userID int64) []devicedb.Binding {
	local := n.r.Bindings(mac, userID)
	if !n.shared() {
		return local
	}
	if m, err := devicedb.NormalizeMAC(mac); err == nil {
		mac = m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	all, err := n.store.LiveBindings(ctx, time.Now(), mac, userID)
	if err != nil {
		return local
	}
	seen := map[devicedb.BindingKey]bool{}
	for _, b := range local {
		seen[devicedb.BindingKey{AOR: b.AOR, Contact: b.Contact}] = true
	}
	out := local
	for _, b := range all {
		if seen[devicedb.BindingKey{AOR: b.AOR, Contact: b.Contact}] {
			continue
		}
		out = append(out, b)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].AOR != out[j].AOR {
			return out[i].AOR < out[j].AOR
		}
		return out[i].Contact < out[j].Contact
	})
	return out
}

// resync sends the NOTIFY from this node when it holds the device's
// registration, else asks the node that does (over the change feed).
func (n nodeRegistrar) resync(ctx context.Context, mac, event string) ([]devicedb.NotifyResult, error) {
	if !n.shared() || len(n.r.Bindings(mac, 0)) > 0 {
		res, err := n.r.Resync(ctx, mac, event)
		if err == nil {
			if info, ok := n.r.ResyncState(mac); ok {
				n.share.sent(ctx, mac, info)
			}
		}
		return res, err
	}
	if err := n.store.Broadcast(ctx, "resync", mac+" "+event); err != nil {
		return nil, err
	}
	// Its outcome reaches every node (resyncShare): GET .../resync.
	return []devicedb.NotifyResult{{Error: "forwarded to the node holding the registration"}}, nil
}

// serveResyncs sends the re-syncs other nodes ask for to the devices
// registered on this node.
func serveResyncs(store *devicedb.Store, reg *sip.Registrar, share *resyncShare, log *slog.Logger) {
	store.Subscribe("resync", func(p string) {
		mac, event, _ := strings.Cut(p, " ")
		if len(reg.Bindings(mac, 0)) == 0 {
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := reg.Resync(ctx, mac, event); err != nil {
				log.Warn("re-sync asked by another node", "mac", mac, "err", err)
				return
			}
			log.Info("re-sync asked by another node sent", "mac", mac, "event", event)
			if info, ok := reg.ResyncState(mac); ok {
				share.sent(ctx, mac, info)
			}
		}()
	})
}

// publishNodes keeps the DNS responder's SRV records on the live nodes
// until ctx ends.
func publishNodes(ctx context.Context, store *devicedb.Store, d *sipdns.Server, log *slog.Logger) {
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		ns, err := store.LiveNodes(ctx, nodeTimeout)
		if err == nil {
			err = d.SetNodes(dnsNodes(ns))
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("publishing the live nodes in DNS", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// dnsNodes are the SRV targets of the nodes announced with an IP address
// (nodes announced by host name are left out: no A record to give).
func dnsNodes(ns []devicedb.Node) []sipdns.Node {
	var out []sipdns.Node
	for _, n := range ns {
		ip := net.ParseIP(n.Host)
		if ip == nil {
			continue
		}
		port := func(k string) int {
			_, p, _ := net.SplitHostPort(n.Ports[k])
			v, _ := strconv.Atoi(p)
			return v
		}
		prio, weight, _ := parseSRV(n.Ports["srv"])
		out = append(out, sipdns.Node{IP: ip, SIPUDPPort: port("sip"), SIPTCPPort: port("sip"), SIPSPort: port("sips"), STUNPort: port("stun"),
			Priority: prio, Weight: weight})
	}
	return out
}

// walkShare shares the MAC-walk throttle's counts between nodes: every
// unknown MAC asked of this node is told to all, and this node hears all
// told before, before it counts the MAC (two NOTIFYs; the throttle bounds
// how many a walker causes); those asked elsewhere count here. A nil
// *walkShare (one node) does nothing.
type walkShare struct {
	phones atomic.Pointer[provision.Phones]
	store  *devicedb.Store
	log    *slog.Logger
}

func newWalkShare(store *devicedb.Store, log *slog.Logger) *walkShare {
	w := &walkShare{store: store, log: log}
	store.Subscribe("walk", func(m string) {
		src, mac, _ := strings.Cut(m, " ")
		a, err := netip.ParseAddr(src)
		if p := w.phones.Load(); err == nil && p != nil && mac != "" {
			p.NoteUnknown(a, mac)
		}
	})
	return w
}

// onUnknown is the hook for ThrottleConfig.OnUnknown (nil for one node).
func (w *walkShare) onUnknown() func(netip.Addr, string) {
	if w == nil {
		return nil
	}
	return func(src netip.Addr, mac string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := w.store.Broadcast(ctx, "walk", src.String()+" "+mac)
		if err == nil {
			// The MACs asked of the other nodes before are counted here
			// before this one is.
			err = w.store.Sync(ctx)
		}
		if err != nil {
			w.log.Warn("sharing an unknown MAC with the other nodes", "err", err)
		}
	}
}

// serve starts counting the walks told by other nodes on p.
func (w *walkShare) serve(p *provision.Phones) {
	if w != nil {
		w.phones.Store(p)
	}
}

// parseSRV reads --srv: PRIORITY/WEIGHT, each 1-65535 (empty: defaults).
func parseSRV(s string) (prio, weight uint16, err error) {
	if s == "" {
		return 0, 0, nil
	}
	p, w, ok := strings.Cut(s, "/")
	pv, perr := strconv.ParseUint(p, 10, 16)
	wv, werr := strconv.ParseUint(w, 10, 16)
	if !ok || perr != nil || werr != nil || pv == 0 || wv == 0 {
		return 0, 0, fmt.Errorf("--srv %q: use PRIORITY/WEIGHT, two numbers 1-65535, e.g. 10/10", s)
	}
	return uint16(pv), uint16(wv), nil
}
