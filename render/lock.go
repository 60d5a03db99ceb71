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
	Obj     *manifest.Object
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

func (m *Model) buildLocks(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	byKey := map[string]*Workload{}
	for _, w := range m.Workloads {
		byKey[w.Key()] = w
	}
	manifest.Sort(objs)
	for _, o := range objs {
		var hb v1alpha1.HostBindings
		e := decodeObject(o, &hb)
		if len(e.diags) > 0 {
			diags = append(diags, e.diags...)
			continue
		}
		lock := &Lock{Obj: o}
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
		diags = append(diags, e.diags...)
		if len(e.diags) > 0 {
			continue
		}
		w, ok := byKey[hb.Spec.Gateway]
		switch {
		case hb.Spec.Gateway == "":
			diags = append(diags, manifest.Errorf(o, "spec.gateway", "required: the IngressGateway these bindings belong to (namespace/name)"))
		case !ok:
			diags = append(diags, manifest.Warnf(o, "spec.gateway", "no gateway %q in this render; its bindings are ignored (edgegate lock drops them)", hb.Spec.Gateway))
		case m.Locks[w.Key()] != nil:
			diags = append(diags, manifest.Errorf(o, "spec.gateway", "gateway %s already has bindings in %s", w.Key(), where(m.Locks[w.Key()].Obj)))
		default:
			m.Locks[w.Key()] = lock
		}
	}
	return diags
}

// HostBindingsObjects renders the lock of every workload that has bindings,
// one HostBindings object per gateway, local configuration.
func HostBindingsObjects(workloads []*Workload, bindings []Binding) []*manifest.Object {
	byWorkload := map[*Workload]map[Listener]map[string]string{}
	for _, b := range bindings {
		ports := byWorkload[b.Workload]
		if ports == nil {
			ports = map[Listener]map[string]string{}
			byWorkload[b.Workload] = ports
		}
		hosts := ports[b.Listener]
		if hosts == nil {
			hosts = map[string]string{}
			ports[b.Listener] = hosts
		}
		for _, h := range b.Hosts {
			hosts[h] = b.App.Key()
		}
	}
	var out []*manifest.Object
	for _, w := range workloads {
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
	return out
}

// LockChanges describes, one line each, how the bindings differ from the
// locks read: "+ gateway port/PROTOCOL host → app" for a new binding, "-" for
// one dropped. The lines are sorted.
func LockChanges(m *Model, bindings []Binding) []string {
	type key struct {
		gateway string
		port    int
		proto   Protocol
		host    string
	}
	before := map[key]string{}
	for gw, lock := range m.Locks {
		for _, e := range lock.Entries {
			before[key{gw, e.Port, e.Protocol, e.Host}] = e.App
		}
	}
	after := map[key]string{}
	for _, b := range bindings {
		for _, h := range b.Hosts {
			after[key{b.Workload.Key(), b.Listener.Port, b.Listener.Protocol, h}] = b.App.Key()
		}
	}
	type change struct {
		key
		sign, app string
	}
	var changes []change
	for k, app := range after {
		if old, ok := before[k]; !ok || old != app {
			changes = append(changes, change{k, "+", app})
		}
	}
	for k, app := range before {
		if now, ok := after[k]; !ok || now != app {
			changes = append(changes, change{k, "-", app})
		}
	}
	sort.Slice(changes, func(i, j int) bool {
		a, b := changes[i], changes[j]
		switch {
		case a.gateway != b.gateway:
			return a.gateway < b.gateway
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
		out[i] = fmt.Sprintf("%s %s %d/%s %s → %s", c.sign, c.gateway, c.port, c.proto, c.host, c.app)
	}
	return out
}
