package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// Binding is the hosts one app serves on one listener of its gateway workload.
type Binding struct {
	Workload *Workload
	App      *App
	Listener Listener
	Hosts    []string
	// Locked is true when the HostBindings lock recorded every host of the binding.
	Locked bool
	// Shared, on an HTTPS binding, is the Gateway that serves it from one
	// server with the other apps presenting the same certificate on this
	// workload; nil when the app's own Gateway serves it.
	Shared *SharedGateway
}

// holder is whoever holds a host on a listener: an app, a hand-written
// Gateway, or the lock's record of an app this render does not see.
type holder struct {
	app    *App
	claim  *Claim
	record *LockEntry
	lock   *Lock
}

func (h holder) String() string {
	switch {
	case h.app != nil:
		return fmt.Sprintf("AppIntent %s (%s)", h.app.Key(), where(h.app.Obj))
	case h.record != nil:
		return fmt.Sprintf("app %s, which the HostBindings lock records (%s %s) and this render does not include", h.record.App, where(h.lock.Obj), h.record.Field)
	}
	written := ""
	if h.claim.Written != "" {
		written = fmt.Sprintf(", written %q", h.claim.Written)
	}
	return fmt.Sprintf("%s %s (%s%s)", h.claim.Obj.Ref, h.claim.Field, where(h.claim.Obj), written)
}

// named names the claim's host as its Gateway writes it, and as pilot reads
// it when that differs.
func (c *Claim) named() string {
	if c.Written == "" {
		return fmt.Sprintf("%q", c.Host)
	}
	return fmt.Sprintf("%q (%s to pilot, which compares hosts lowercased and without a trailing dot)", c.Written, c.Host)
}

// Allocate binds every app's hosts to listeners of its gateway so that no
// host is served twice on one listener of one workload (Istio's IST0145):
//   - hand-written Gateways in the input hold their hosts as they are;
//   - bindings recorded in the lock stay where they are;
//   - the rest take, app by app, the first listener of the pool where none of
//     their hosts is already held (the same host, compared as pilot does:
//     case-insensitively, without a trailing dot). Hosts that only overlap
//     through a wildcard share a listener: Envoy picks the most specific one
//     for each request, on HTTP virtual hosts and TLS server names alike (an
//     exact host, then the longest wildcard suffix, then "*"), so
//     "shop.example.com", "*.example.com" and "*" all get 80 and 443 (Kiali's
//     KIA0301 still warns about them: it treats any overlap as a conflict).
//     Apps with only concrete hosts go first, then the rest in app order, so
//     of two apps on the same wildcard the first keeps the first port;
//   - the same concrete host in two apps on one workload is an error.
//
// All hosts of an app share one listener per protocol, so the app's plain-HTTP
// server can redirect to exactly one HTTPS port. Hosts are indexed in sets
// that answer lookups without scanning, so allocation is linear in the number
// of hosts times the pool size.
func Allocate(m *Model, opts Options) ([]Binding, manifest.Diagnostics) {
	appsOf := map[*Workload][]*App{}
	for _, a := range m.Apps {
		appsOf[a.Workload] = append(appsOf[a.Workload], a)
	}
	claimsOf := map[*Workload][]*Claim{}
	for i := range m.Claims {
		c := &m.Claims[i]
		claimsOf[c.Workload] = append(claimsOf[c.Workload], c)
	}
	var bindings []Binding
	var diags manifest.Diagnostics
	seen := m.appKeys()
	for _, w := range m.Workloads {
		a := &allocator{w: w, lock: m.Locks[w.Key()], seen: seen, opts: opts, sets: map[int]*hostname.Set[holder]{}}
		a.run(appsOf[w], claimsOf[w])
		bindings = append(bindings, a.bindings...)
		diags = append(diags, a.diags...)
	}
	sort.SliceStable(bindings, func(i, j int) bool {
		if bindings[i].App.Key() != bindings[j].App.Key() {
			return bindings[i].App.Key() < bindings[j].App.Key()
		}
		return bindings[i].Listener.Protocol < bindings[j].Listener.Protocol
	})
	return bindings, diags
}

type allocator struct {
	w        *Workload
	lock     *Lock
	seen     map[string]bool // the apps of this render, by key
	opts     Options
	sets     map[int]*hostname.Set[holder] // by target port
	bindings []Binding
	diags    manifest.Diagnostics
}

// need is one listener an app needs: its hosts on one protocol.
type need struct {
	app    *App
	proto  Protocol
	locked *Listener       // the port the lock holds it on, if any
	inLock map[string]bool // hosts the lock records for it
}

func (a *allocator) set(target int) *hostname.Set[holder] {
	s := a.sets[target]
	if s == nil {
		s = &hostname.Set[holder]{}
		a.sets[target] = s
	}
	return s
}

func (a *allocator) run(apps []*App, claims []*Claim) {
	for _, c := range claims {
		a.set(c.Listener.Target).Add(c.Host, holder{claim: c})
	}
	// The lock's records of apps this render does not see (a team rendering
	// its app alone) hold their hosts where they are, as hand-written
	// Gateways do, unless the lock is being pruned of them.
	if a.lock != nil && !a.opts.Prune {
		for i := range a.lock.Entries {
			e := &a.lock.Entries[i]
			if !a.seen[e.App] {
				a.set(a.w.recorded(*e).Target).Add(hostname.Canonical(e.Host), holder{record: e, lock: a.lock})
			}
		}
	}
	apps = a.rejectDuplicateHosts(apps, claims)

	var locked, free []need
	for _, app := range apps {
		for _, proto := range app.Protocols() {
			n, ok := a.fromLock(app, proto)
			if !ok {
				continue
			}
			if n.locked != nil {
				locked = append(locked, n)
			} else {
				free = append(free, n)
			}
		}
	}
	// Locked bindings first, in app order; then the rest, concrete-only apps
	// before apps with wildcards (only the same wildcard twice moves one).
	sort.SliceStable(free, func(i, j int) bool {
		wi, wj := hasWildcard(free[i].app.Spec.Hosts), hasWildcard(free[j].app.Spec.Hosts)
		return !wi && wj
	})
	for _, n := range locked {
		a.place(n, []Listener{*n.locked})
	}
	for _, n := range free {
		a.place(n, a.w.Pools[n.proto])
	}
	if a.lock == nil && len(a.bindings) > 0 && !a.opts.Locked && !a.opts.Relock {
		d := manifest.Warnf(a.w.Obj, "", "gateway %s has no HostBindings lock, so bindings may move when apps are added or removed: run `%s`", a.w.Key(), a.opts.lockCommand())
		a.diags = append(a.diags, d)
	}
}

// rejectDuplicateHosts reports every concrete host that two apps (or an app
// and a hand-written Gateway) claim on this workload and drops the apps that
// lose it: moving one of them to another port would hand the host to
// whichever port a client happens to use. A hand-written Gateway keeps its
// hosts; among apps, the one the lock records keeps the host, and without a
// lock record none does, so a newcomer can never take a host over by sorting
// first.
func (a *allocator) rejectDuplicateHosts(apps []*App, claims []*Claim) []*App {
	fixed := map[string]*Claim{}
	for _, c := range claims {
		if _, ok := fixed[c.Host]; !ok && !hostname.IsWildcard(c.Host) {
			fixed[c.Host] = c
		}
	}
	claimants := map[string][]*App{}
	for _, app := range apps {
		for _, h := range app.Spec.Hosts {
			if !hostname.IsWildcard(h) {
				claimants[h] = append(claimants[h], app)
			}
		}
	}
	rejected := map[*App]bool{}
	for _, app := range apps {
		for i, h := range app.Spec.Hosts {
			if hostname.IsWildcard(h) {
				continue
			}
			if owner := a.lockedOwner(h); owner != "" && owner != app.Key() && (!a.opts.Relock || (!a.seen[owner] && !a.opts.Prune)) {
				// The lock settles ownership even when the owner is not in this
				// render (a team rendering alone): a newcomer never takes a host
				// over. Re-locking releases it only when the owner is rendered
				// and gave it up, or when a prune over everything drops the owner.
				a.diags = append(a.diags, manifest.Errorf(app.Obj, fmt.Sprintf("spec.hosts[%d]", i),
					"host %q on gateway %s belongs to app %s, which the HostBindings lock (%s) records for it: a concrete host belongs to one app; if %s gave it up, remove it from the lock with `edgegate lock --prune` over every app of the gateway",
					h, a.w.Key(), owner, where(a.lock.Obj), owner))
				rejected[app] = true
				continue
			}
			var others []string
			if c := fixed[h]; c != nil {
				if a.lockedOwner(h) == app.Key() && c.Obj.Namespace != app.Namespace {
					// The lock records the host for this app: another
					// namespace's hand-written Gateway is the one taking it,
					// so the error is its own (the file its team changed).
					a.diags = append(a.diags, manifest.Errorf(c.Obj, c.Field,
						"host %s on gateway %s belongs to app %s (%s), which the HostBindings lock (%s) records for it: a concrete host belongs to one app, and Istio would merge this Gateway's routes into that app's; serve a host of your own",
						c.named(), a.w.Key(), app.Key(), where(app.Obj), where(a.lock.Obj)))
					rejected[app] = true
					continue
				}
				others = append(others, holder{claim: c}.String())
			} else {
				if len(claimants[h]) < 2 || a.lockedOwner(h) == app.Key() {
					continue
				}
				for _, other := range claimants[h] {
					if other != app {
						others = append(others, holder{app: other}.String())
					}
				}
			}
			a.diags = append(a.diags, manifest.Errorf(app.Obj, fmt.Sprintf("spec.hosts[%d]", i),
				"host %q is also claimed on gateway %s by %s: a concrete host belongs to one app", h, a.w.Key(), strings.Join(others, ", ")))
			rejected[app] = true
		}
	}
	kept := apps[:0:0]
	for _, app := range apps {
		if !rejected[app] {
			kept = append(kept, app)
		}
	}
	return kept
}

// lockedOwner is the app the lock records for a concrete host, if any.
func (a *allocator) lockedOwner(host string) string {
	if a.lock == nil {
		return ""
	}
	for _, e := range a.lock.Entries {
		if e.Host == host {
			return e.App
		}
	}
	return ""
}

// fromLock looks up what the lock records for an app's protocol.
func (a *allocator) fromLock(app *App, proto Protocol) (need, bool) {
	n := need{app: app, proto: proto, inLock: map[string]bool{}}
	if a.lock == nil {
		return n, true
	}
	hosts := map[string]bool{}
	for _, h := range app.Spec.Hosts {
		hosts[h] = true
	}
	var entry *LockEntry
	for i := range a.lock.Entries {
		e := &a.lock.Entries[i]
		if e.App != app.Key() || e.Protocol != proto || !hosts[e.Host] {
			continue // a binding for an app, protocol or host that is gone
		}
		if entry != nil && entry.Port != e.Port {
			a.diags = append(a.diags, manifest.Errorf(a.lock.Obj, e.Field,
				"the lock puts hosts of app %s on %s ports %d and %d; an app's hosts share one port: keep one",
				app.Key(), proto, entry.Port, e.Port))
			return n, false
		}
		entry = e
		n.inLock[e.Host] = true
	}
	if entry == nil {
		return n, true
	}
	l, ok := a.w.listener(proto, entry.Port)
	if !ok {
		a.diags = append(a.diags, manifest.Errorf(a.lock.Obj, entry.Field,
			"locked %s port %d of app %s is not in the port pool of gateway %s (%s): restore it, or re-lock with `edgegate lock`",
			proto, entry.Port, app.Key(), a.w.Key(), poolString(a.w.Pools[proto])))
		return n, false
	}
	n.locked = &l
	return n, true
}

// place binds an app's hosts to the first candidate listener where none of
// them is held already. A host that only overlaps one held there (through a
// wildcard) does not count: Envoy gives each request to the most specific.
func (a *allocator) place(n need, candidates []Listener) {
	hosts := n.app.Spec.Hosts
	var firstConflict string
	for _, l := range candidates {
		if why := a.unredirectable(n, l); why != "" {
			if firstConflict == "" {
				firstConflict = why
			}
			continue
		}
		s := a.set(l.Target)
		conflict := ""
		for _, h := range hosts {
			if other, ok := s.Exact(h); ok {
				conflict = fmt.Sprintf("host %q is held by %s on port %d", h, other, l.Port)
				break
			}
		}
		if conflict != "" {
			if firstConflict == "" {
				firstConflict = conflict
			}
			continue
		}
		for _, h := range hosts {
			s.Add(h, holder{app: n.app})
		}
		b := Binding{Workload: a.w, App: n.app, Listener: l, Hosts: hosts, Locked: len(n.inLock) == len(hosts)}
		a.bindings = append(a.bindings, b)
		a.reportUnlocked(n, l)
		return
	}
	field := "spec.hosts"
	switch {
	case n.locked != nil:
		a.diags = append(a.diags, manifest.Errorf(n.app.Obj, field,
			"cannot keep the locked %s binding on gateway %s: %s; move the other app, or re-lock with `edgegate lock`",
			n.proto, a.w.Key(), firstConflict))
	case len(candidates) == 0:
		a.diags = append(a.diags, manifest.Errorf(n.app.Obj, field,
			"gateway %s has no %s port to bind to", a.w.Key(), n.proto))
	default:
		a.diags = append(a.diags, manifest.Errorf(n.app.Obj, field,
			"no free %s port on gateway %s: no port of its pool (%s) can take it (first: %s); widen the pool or use another gateway",
			n.proto, a.w.Key(), poolString(candidates), firstConflict))
	}
}

// unredirectable explains why listener l cannot serve need n, or returns "".
//
// An app's plain-HTTP listener redirects to its HTTPS port. Istio writes a
// redirect to port 443 without the port (443 is https's default), and Envoy
// then keeps the port of the request's Host: from HTTP port 8080, clients
// would land on https://host:8080, the plain listener again. For concrete
// hosts the redirect names the host, which drops the port; a wildcard host
// has no name to redirect to, so its HTTPS port cannot be 443 unless its HTTP
// port is 80 (whose Host carries no port).
func (a *allocator) unredirectable(n need, l Listener) string {
	tls := n.app.Spec.TLS
	if tls == nil || !*tls.HTTPSRedirect || !hasWildcard(n.app.Spec.Hosts) {
		return ""
	}
	for _, b := range a.bindings {
		if b.App != n.app {
			continue
		}
		switch {
		case n.proto == HTTPS && b.Listener.Protocol == HTTP && b.Listener.Port != defaultHTTPPort && l.Port == defaultHTTPSPort:
			return fmt.Sprintf("its wildcard hosts on HTTP port %d cannot be redirected to HTTPS port %d", b.Listener.Port, l.Port)
		case n.proto == HTTP && b.Listener.Protocol == HTTPS && b.Listener.Port == defaultHTTPSPort && l.Port != defaultHTTPPort:
			return fmt.Sprintf("its wildcard hosts on HTTP port %d cannot be redirected to HTTPS port %d", l.Port, b.Listener.Port)
		}
	}
	return ""
}

// reportUnlocked warns (or, with --locked, errors) about hosts bound without
// a record in the lock.
func (a *allocator) reportUnlocked(n need, l Listener) {
	if (a.lock == nil && !a.opts.Locked) || a.opts.Relock {
		return // one warning per gateway says there is no lock at all
	}
	var missing []string
	for _, h := range n.app.Spec.Hosts {
		if !n.inLock[h] {
			missing = append(missing, h)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("%s binding of %s on gateway %s port %d is not in the HostBindings lock",
		n.proto, quoteList(missing), a.w.Key(), l.Port)
	if a.opts.Locked {
		a.diags = append(a.diags, manifest.Errorf(n.app.Obj, "spec.hosts", "%s (--locked): run `%s` and commit the lock", msg, a.opts.lockCommand()))
	} else {
		a.diags = append(a.diags, manifest.Warnf(n.app.Obj, "spec.hosts", "%s: run `%s` to keep it there", msg, a.opts.lockCommand()))
	}
}

func hasWildcard(hosts []string) bool {
	for _, h := range hosts {
		if hostname.IsWildcard(h) {
			return true
		}
	}
	return false
}

func quoteList(hosts []string) string {
	q := make([]string, len(hosts))
	for i, h := range hosts {
		q[i] = fmt.Sprintf("%q", h)
	}
	return strings.Join(q, ", ")
}

// poolString writes a pool compactly: "80, 8080-8089".
func poolString(pool []Listener) string {
	var parts []string
	for i := 0; i < len(pool); {
		j := i
		for j+1 < len(pool) && pool[j+1].Port == pool[j].Port+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(pool[i].Port))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", pool[i].Port, pool[j].Port))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
