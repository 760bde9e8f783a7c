#include "models/topo.h"

#include "sim/mem.h"

void topo_build(world *w, const host_cfg *h)
{
    int per_socket = h->cores_per_socket * h->smt;
    int total = h->sockets * per_socket;
    int n = h->cores > 0 ? h->cores : total;
    w->npcpus = n;
    w->pcpus = vs_xcalloc((size_t)n, sizeof(pcpu));
    for (int i = 0; i < n; i++) {
        int socket, slot;
        if (h->spread) {
            socket = i % h->sockets;
            slot = i / h->sockets;
        } else {
            socket = i / per_socket;
            slot = i % per_socket;
        }
        pcpu *p = &w->pcpus[i];
        p->id = i;
        p->socket = socket;
        p->core = slot / h->smt;
        p->hw = socket * per_socket + slot;
    }
}

int topo_class(const world *w, int a, int b)
{
    const pcpu *pa = &w->pcpus[a], *pb = &w->pcpus[b];
    if (pa->socket == pb->socket)
        return pa->core == pb->core ? DIST_SAME_CORE : DIST_SAME_SOCKET;
    int hops = w->sc->host.hops[pa->socket][pb->socket];
    return hops <= 1 ? DIST_ONE_HOP : DIST_TWO_HOPS;
}

double topo_line_ns(const world *w, int a, int b) { return w->sc->host.line_ns[topo_class(w, a, b)]; }
