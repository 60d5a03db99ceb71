// Package model is what edgegate's checks share: the index of the objects
// of a run (decoded once: Gateways, VirtualServices, workloads, Services,
// Secrets, Namespaces, intents), the reporter a check writes its findings
// to, and the models more than one check reads — gateway workloads and
// their identity, the gateway references of VirtualServices, the service
// registry, the hosts a Gateway exposes, host ownership, TLS credentials
// and the HTTP match algebra. A check imports this package and nothing of
// another check; what two checks need is here, with one owner.
package model
