package render

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// Lock is the HostBindings object of one gateway: the bindings an earlier
// `edgegate lock` recorded, which later renders keep in place.
type Lock struct {
	Obj *manifest.Object
	// Gateway is the IngressGateway the bindings belong to, "namespace/name".
	Gateway string
	Entries []LockEntry
}

// LockEntry is one recorded binding: host on port, held by app.
type LockEntry struct {
	Protocol Protocol
	Port     int
	Host     string
	App      string // namespace/name
	Field    string // where in the HostBindings object
}

// records reports whether the lock records a binding of app.
func (l *Lock) records(app string) bool {
	for _, e := range l.Entries {
		if e.App == app {
			return true
		}
	}
	return false
}

// parseLocks decodes and validates every HostBindings object, before apps
// are resolved to gateways: an app the lock records on a gateway this render
// does not declare must not land on the built-in one.
func (m *Model) parseLocks(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	manifest.Sort(objs)
	for _, o := range objs {
		lock, d := decodeLock(o)
		diags = append(diags, d...)
		if lock != nil {
			m.parsed = append(m.parsed, lock)
		}
	}
	return diags
}

// decodeLock reads one HostBindings object; nil when it has errors.
func decodeLock(o *manifest.Object) (*Lock, manifest.Diagnostics) {
	var hb v1alpha1.HostBindings
	e := decodeObject(o, &hb)
	if len(e.diags) > 0 {
		return nil, e.diags
	}
	lock := &Lock{Obj: o, Gateway: hb.Spec.Gateway}
	for i, p := range hb.Spec.Ports {
		field := fmt.Sprintf("spec.ports[%d]", i)
		proto := Protocol(p.Protocol)
		if proto != HTTP && proto != HTTPS {
			e.add(field+".protocol", "must be HTTP or HTTPS, not %q", p.Protocol)
		}
		if p.Port < 1 || p.Port > 65535 {
			e.add(field+".port", "port %d is out of range 1-65535", p.Port)
		}
		for _, h := range slices.Sorted(maps.Keys(p.Hosts)) {
			if err := hostname.Validate(h); err != nil {
				e.add(field+".hosts", "%v", err)
			}
			app := p.Hosts[h]
			if ns, name, ok := strings.Cut(app, "/"); !ok || ns == "" || name == "" {
				e.add(field+".hosts."+h, "%q is not an app reference (namespace/name)", app)
			}
			lock.Entries = append(lock.Entries, LockEntry{Protocol: proto, Port: p.Port, Host: h, App: app, Field: field + ".hosts"})
		}
	}
	if hb.Spec.Gateway == "" {
		e.add("spec.gateway", "required: the IngressGateway these bindings belong to (namespace/name)")
	}
	if len(e.diags) > 0 {
		return nil, e.diags
	}
	return lock, nil
}

// attachLocks gives every workload of the render its lock. The lock of a
// gateway this render does not have is kept as it is (Unseen): a team
// rendering its app alone never drops another gateway's records.
func (m *Model) attachLocks() manifest.Diagnostics {
	var diags manifest.Diagnostics
	byKey := map[string]*Workload{}
	for _, w := range m.Workloads {
		byKey[w.Key()] = w
	}
	seen := map[string]*Lock{}
	for _, lock := range m.parsed {
		if other := seen[lock.Gateway]; other != nil {
			diags = append(diags, manifest.Errorf(lock.Obj, "spec.gateway", "gateway %s already has bindings in %s", lock.Gateway, where(other.Obj)))
			continue
		}
		seen[lock.Gateway] = lock
		if w, ok := byKey[lock.Gateway]; ok {
			m.Locks[w.Key()] = lock
			continue
		}
		m.Unseen = append(m.Unseen, lock)
		d := manifest.Warnf(lock.Obj, "spec.gateway", "gateway %q is not in this render: its bindings are kept as they are (`edgegate lock --prune` over every gateway and app removes them)", lock.Gateway)
		d.Severity = manifest.Info // a team's render sees one gateway of the platform's lock
		diags = append(diags, d)
	}
	return diags
}

// HostBindingsObjects renders the lock of every gateway, one HostBindings
// object per gateway, local configuration. A lock is merged, never
// truncated: the records of apps this render does not see stay on the
// gateways it renders, and the locks of gateways it does not have stay as
// they are, unless opts.Prune (the platform's act over everything) drops them.
func HostBindingsObjects(m *Model, bindings []Binding, opts Options) []*manifest.Object {
	byWorkload := map[*Workload]map[Listener]map[string]string{}
	add := func(w *Workload, l Listener, host, app string) {
		ports := byWorkload[w]
		if ports == nil {
			ports = map[Listener]map[string]string{}
			byWorkload[w] = ports
		}
		hosts := ports[l]
		if hosts == nil {
			hosts = map[string]string{}
			ports[l] = hosts
		}
		hosts[host] = app
	}
	for _, b := range bindings {
		for _, h := range b.Hosts {
			add(b.Workload, b.Listener, h, b.App.Key())
		}
	}
	if !opts.Prune {
		seen := m.appKeys()
		for _, w := range m.Workloads {
			lock := m.Locks[w.Key()]
			if lock == nil {
				continue
			}
			for _, e := range lock.Entries {
				if !seen[e.App] {
					add(w, w.recorded(e), e.Host, e.App)
				}
			}
		}
	}
	var out []*manifest.Object
	for _, w := range m.Workloads {
		ports := byWorkload[w]
		if ports == nil {
			continue
		}
		listeners := make([]Listener, 0, len(ports))
		for l := range ports {
			listeners = append(listeners, l)
		}
		sort.Slice(listeners, func(i, j int) bool {
			if listeners[i].Port != listeners[j].Port {
				return listeners[i].Port < listeners[j].Port
			}
			return listeners[i].Protocol < listeners[j].Protocol
		})
		spec := v1alpha1.HostBindingsSpec{Gateway: w.Key()}
		for _, l := range listeners {
			spec.Ports = append(spec.Ports, v1alpha1.LockedPort{Port: l.Port, Protocol: string(l.Protocol), Hosts: ports[l]})
		}
		out = append(out, newObject(v1alpha1.APIVersion, v1alpha1.KindHostBindings, w.Namespace, w.Name,
			withAnnotations(map[string]string{manifest.LocalConfigAnnotation: "true"}), struct {
				Spec v1alpha1.HostBindingsSpec `yaml:"spec"`
			}{spec}))
	}
	if !opts.Prune {
		for _, lock := range m.Unseen {
			// Kept as it is, but always local configuration: never applied.
			if lock.Obj.Annotation(manifest.LocalConfigAnnotation) != "true" {
				lock.Obj.SetAnnotation(manifest.LocalConfigAnnotation, "true")
			}
			out = append(out, lock.Obj)
		}
	}
	manifest.Sort(out)
	return out
}

// appKeys are the apps this render sees, by key.
func (m *Model) appKeys() map[string]bool {
	keys := make(map[string]bool, len(m.Apps))
	for _, a := range m.Apps {
		keys[a.Key()] = true
	}
	return keys
}

// recorded is the listener a lock entry names: the pool's, else the port as
// written, translated as pilot translates it.
func (w *Workload) recorded(e LockEntry) Listener {
	if l, ok := w.listener(e.Protocol, e.Port); ok {
		return l
	}
	return Listener{Protocol: e.Protocol, Port: e.Port, Target: w.Resolve(e.Port)}
}

// LockChanges describes, one line each, how the locks written differ from
// the locks read: "+ gateway port/PROTOCOL host → app" for a new record,
// "-" for one removed (a moved binding is both), and "+ HostBindings
// gateway" or "- HostBindings gateway" for a gateway's whole object. The
// lines are sorted by gateway, port, protocol and host.
func LockChanges(m *Model, written []*manifest.Object) []string {
	type key struct {
		gateway string
		port    int
		proto   Protocol
		host    string
	}
	before, after := map[key]string{}, map[key]string{}
	objBefore, objAfter := map[string]bool{}, map[string]bool{}
	record := func(into map[key]string, objs map[string]bool, lock *Lock) {
		objs[lock.Gateway] = true
		for _, e := range lock.Entries {
			into[key{lock.Gateway, e.Port, e.Protocol, e.Host}] = e.App
		}
	}
	for _, lock := range m.Locks {
		record(before, objBefore, lock)
	}
	for _, lock := range m.Unseen {
		record(before, objBefore, lock)
	}
	for _, o := range written {
		if lock, diags := decodeLock(o); len(diags) == 0 {
			record(after, objAfter, lock)
		}
	}
	type change struct {
		key
		sign, app string
		object    bool
	}
	var changes []change
	for gw := range objAfter {
		if !objBefore[gw] {
			changes = append(changes, change{key: key{gateway: gw}, sign: "+", object: true})
		}
	}
	for gw := range objBefore {
		if !objAfter[gw] {
			changes = append(changes, change{key: key{gateway: gw}, sign: "-", object: true})
		}
	}
	for k, app := range after {
		if old, ok := before[k]; !ok || old != app {
			changes = append(changes, change{key: k, sign: "+", app: app})
		}
	}
	for k, app := range before {
		if now, ok := after[k]; !ok || now != app {
			changes = append(changes, change{key: k, sign: "-", app: app})
		}
	}
	sort.Slice(changes, func(i, j int) bool {
		a, b := changes[i], changes[j]
		switch {
		case a.gateway != b.gateway:
			return a.gateway < b.gateway
		case a.object != b.object:
			return a.object // the whole object before its records
		case a.port != b.port:
			return a.port < b.port
		case a.proto != b.proto:
			return a.proto < b.proto
		case a.host != b.host:
			return a.host < b.host
		}
		return a.sign == "-" // the old binding before the new
	})
	out := make([]string, len(changes))
	for i, c := range changes {
		if c.object {
			out[i] = fmt.Sprintf("%s HostBindings %s", c.sign, c.gateway)
			continue
		}
		out[i] = fmt.Sprintf("%s %s %d/%s %s → %s", c.sign, c.gateway, c.port, c.proto, c.host, c.app)
	}
	return out
}
