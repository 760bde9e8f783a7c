#include "sim/evq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

#define EV_NONE UINT32_MAX
#define EV_FREE UINT32_MAX
#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
/* The heap array is offset by EV_OFS entries inside a 64-byte aligned block
 * so that children 4k+1..4k+4 sit at block indices 4k+4..4k+7: one line. */
#define EV_OFS 3
#define EV_PAD 4 /* sentinel entries kept after the last one */
#define EV_SENTINEL (~(ev_hent)0)

static inline int ev_less(const ev_hent *a, const ev_hent *b) { return *a < *b; }
static inline sim_time ev_htime(ev_hent e) { return (sim_time)(uint64_t)(e >> 64); }
static inline uint32_t ev_hslot(ev_hent e) { return (uint32_t)e & SLOT_MASK; }
static inline ev_hent ev_hmake(sim_time t, uint64_t key) { return ((ev_hent)(uint64_t)t << 64) | key; }

static void ev_grow_heap(ev_sim *sim, uint32_t cap)
{
    void *mem = NULL;
    size_t bytes = ((size_t)cap + EV_OFS + EV_PAD) * sizeof(ev_hent);
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&mem, 64, bytes) != 0) {
        fprintf(stderr, "vmsim: internal error: out of memory (event heap)\n");
        exit(1);
    }
    ev_hent *heap = (ev_hent *)mem + EV_OFS;
    if (sim->n)
        memcpy(heap, sim->heap, sim->n * sizeof(ev_hent));
    for (uint32_t k = sim->n; k < cap + EV_PAD; k++)
        heap[k] = EV_SENTINEL;
    free(sim->heap_mem);
    sim->heap_mem = mem;
    sim->heap = heap;
    sim->cap = cap;
}

void ev_init(ev_sim *sim, uint32_t hint)
{
    memset(sim, 0, sizeof *sim);
    sim->end = SIM_TIME_MAX;
    sim->free_head = EV_NONE;
    if (hint < 64)
        hint = 64;
    ev_grow_heap(sim, hint);
    sim->recs = vs_xcalloc(hint, sizeof(ev_rec));
    sim->pos = vs_xcalloc(hint, sizeof(uint32_t));
    sim->seq = 1;
}

void ev_free(ev_sim *sim)
{
    free(sim->heap_mem);
    free(sim->recs);
    free(sim->pos);
    sim->pos = NULL;
    sim->heap_mem = NULL;
    sim->heap = NULL;
    sim->recs = NULL;
    sim->n = sim->cap = sim->nrec = 0;
}

uint64_t ev_bytes(const ev_sim *sim)
{
    return (uint64_t)sim->cap * (sizeof(ev_hent) + sizeof(ev_rec) + sizeof(uint32_t));
}

static inline void ev_place(ev_sim *sim, uint32_t i, ev_hent e)
{
    sim->heap[i] = e;
    sim->pos[ev_hslot(e)] = i;
}

static inline void ev_sift_up(ev_sim *sim, uint32_t i, ev_hent e)
{
    ev_hent *h = sim->heap;
    while (i > 0) {
        uint32_t p = (i - 1) >> 2;
        if (!ev_less(&e, &h[p]))
            break;
        ev_place(sim, i, h[p]);
        i = p;
    }
    ev_place(sim, i, e);
}

/* The smallest of the four siblings c..c+3, without branches: two pairs,
 * then the winners. Entries at n..n+3 are always EV_SENTINEL (larger than
 * any key), so every sibling group can be read whole. Returns its index and
 * stores the entry in *out. */
static inline uint32_t ev_min4(const ev_hent *h, uint32_t c, ev_hent *out)
{
    ev_hent a = h[c], b = h[c + 1], x = h[c + 2], y = h[c + 3];
    uint32_t ba = b < a, yx = y < x;
    ev_hent m1 = ba ? b : a, m2 = yx ? y : x;
    uint32_t i1 = c + ba, i2 = c + 2 + yx;
    uint32_t second = m2 < m1;
    *out = second ? m2 : m1;
    return i1 ^ ((i1 ^ i2) & -second);
}

/* Sifts e down from position i (top-down: stops as soon as e is in order). */
static inline void ev_sift_down(ev_sim *sim, uint32_t i, ev_hent e)
{
    ev_hent *h = sim->heap;
    uint32_t n = sim->n;
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        ev_hent mv;
        uint32_t m = ev_min4(h, c, &mv);
        if (!(mv < e))
            break;
        ev_place(sim, i, mv);
        i = m;
    }
    ev_place(sim, i, e);
}

/* Fills the vacant root with e (e >= nothing in particular): bottom-up, as
 * in Floyd's heapsort - the hole moves down along the smallest children to
 * a leaf (one selection per level and no comparison with e, so the loop
 * exit is predictable), then e sifts up from there. A new event usually
 * belongs near the bottom (most entries of a heap are), so the sift-up is
 * short. The record of the new root is prefetched as soon as it is known:
 * it is the next event to fire. */
static inline void ev_fill_root(ev_sim *sim, ev_hent e)
{
    ev_hent *h = sim->heap;
    uint32_t n = sim->n, i = 0;
    if (n > 1) {
        ev_hent mv;
        uint32_t m = ev_min4(h, 1, &mv);
        __builtin_prefetch(&sim->recs[ev_hslot(mv < e ? mv : e)]);
        ev_place(sim, 0, mv);
        i = m;
        for (uint32_t c; (c = 4 * i + 1) < n;) {
            m = ev_min4(h, c, &mv);
            ev_place(sim, i, mv);
            i = m;
        }
    }
    ev_sift_up(sim, i, e);
}

ev_id ev_schedule(ev_sim *sim, sim_time t, ev_handler fn, void *ctx, uint64_t arg)
{
    uint32_t slot = sim->free_head;
    if (slot == EV_NONE) {
        if (sim->nrec >= EV_MAX_PENDING) {
            fprintf(stderr, "vmsim: internal error: more than %u events pending\n", EV_MAX_PENDING);
            exit(1);
        }
        if (sim->nrec == sim->cap) {
            uint32_t cap = sim->cap * 2;
            if (cap > EV_MAX_PENDING)
                cap = EV_MAX_PENDING;
            ev_grow_heap(sim, cap);
            sim->recs = vs_xreallocarray(sim->recs, cap, sizeof(ev_rec));
            sim->pos = vs_xreallocarray(sim->pos, cap, sizeof(uint32_t));
        }
        slot = sim->nrec++;
        sim->recs[slot].gen = 1;
    } else {
        sim->free_head = sim->pos[slot];
    }
    ev_rec *r = &sim->recs[slot];
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    if (t < sim->now)
        t = sim->now; /* never schedule into the past */
    ev_hent e = ev_hmake(t, (sim->seq++ << SLOT_BITS) | slot);
    if (sim->hole) { /* replace the fired root */
        sim->hole = 0;
        ev_fill_root(sim, e);
    } else {
        uint32_t i = sim->n++;
        if (sim->n > sim->peak)
            sim->peak = sim->n;
        ev_sift_up(sim, i, e);
    }
    return ((uint64_t)r->gen << 32) | slot;
}

static inline void ev_release(ev_sim *sim, uint32_t slot)
{
    ev_rec *r = &sim->recs[slot];
    r->fn = NULL;
    r->gen++;
    if (r->gen == 0)
        r->gen = 1;
    sim->pos[slot] = sim->free_head;
    sim->free_head = slot;
}

static inline ev_rec *ev_lookup(const ev_sim *sim, ev_id id)
{
    uint32_t slot = (uint32_t)id, gen = (uint32_t)(id >> 32);
    if (id == 0 || slot >= sim->nrec)
        return NULL;
    ev_rec *r = &sim->recs[slot];
    if (r->gen != gen || r->fn == NULL)
        return NULL;
    return r;
}

sim_time ev_time_of(const ev_sim *sim, ev_id id)
{
    ev_rec *r = ev_lookup(sim, id);
    return r ? ev_htime(sim->heap[sim->pos[id & 0xffffffffu]]) : -1;
}

/* Completes a deferred pop of the fired root. */
static inline void ev_fill_hole(ev_sim *sim)
{
    if (!sim->hole)
        return;
    sim->hole = 0;
    ev_hent last = sim->heap[--sim->n];
    sim->heap[sim->n] = EV_SENTINEL;
    if (sim->n)
        ev_fill_root(sim, last);
}

/* Removes the entry at heap position i. */
static void ev_remove_at(ev_sim *sim, uint32_t i)
{
    ev_hent last = sim->heap[--sim->n];
    sim->heap[sim->n] = EV_SENTINEL;
    if (i == sim->n)
        return;
    if (i > 0 && ev_less(&last, &sim->heap[(i - 1) >> 2]))
        ev_sift_up(sim, i, last);
    else
        ev_sift_down(sim, i, last);
}

ev_id ev_reschedule(ev_sim *sim, ev_id id, sim_time t, ev_handler fn, void *ctx, uint64_t arg)
{
    ev_rec *r = ev_lookup(sim, id);
    if (!r)
        return ev_schedule(sim, t, fn, ctx, arg);
    ev_fill_hole(sim);
    if (t < sim->now)
        t = sim->now;
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    uint32_t slot = (uint32_t)id, i = sim->pos[slot];
    ev_hent e = ev_hmake(t, (sim->seq++ << SLOT_BITS) | slot);
    if (e < sim->heap[i])
        ev_sift_up(sim, i, e);
    else
        ev_sift_down(sim, i, e);
    return id;
}

int ev_cancel(ev_sim *sim, ev_id id)
{
    ev_rec *r = ev_lookup(sim, id);
    if (!r)
        return 0;
    ev_fill_hole(sim);
    ev_remove_at(sim, sim->pos[(uint32_t)id]);
    ev_release(sim, (uint32_t)id);
    return 1;
}

ev_stop ev_run(ev_sim *sim)
{
    sim->stop_asked = 0;
    for (;;) {
        if (sim->n == 0)
            return EV_STOP_EMPTY;
        ev_hent top = sim->heap[0];
        sim_time t = ev_htime(top);
        if (t > sim->end) {
            sim->now = sim->end;
            return EV_STOP_TIME;
        }
        if (sim->budget && sim->processed >= sim->budget)
            return EV_STOP_BUDGET;
        if (sim->seq >= EV_MAX_SEQ)
            return EV_STOP_BUDGET;
        uint32_t slot = ev_hslot(top);
        ev_rec *r = &sim->recs[slot];
        ev_handler fn = r->fn;
        void *ctx = r->ctx;
        uint64_t arg = r->arg;
        ev_release(sim, slot);
        sim->hole = 1; /* the root is popped lazily: see ev_schedule */
        sim->now = t;
        sim->processed++;
        fn(sim, ctx, arg);
        ev_fill_hole(sim);
        if (sim->stop_asked)
            return EV_STOP_ASKED;
    }
}

ev_stop ev_run_guarded(ev_sim *sim, uint64_t max_same)
{
    const uint64_t chunk = max_same / 8 > 0 ? max_same / 8 : 1;
    uint64_t budget = sim->budget, stuck = 0;
    for (;;) {
        sim_time t0 = sim->now;
        uint64_t p0 = sim->processed, stop_at = p0 + chunk;
        if (budget && budget < stop_at)
            stop_at = budget;
        sim->budget = stop_at;
        ev_stop st = ev_run(sim);
        sim->budget = budget;
        if (st != EV_STOP_BUDGET || (budget && sim->processed >= budget))
            return st;
        /* a whole chunk at one instant counts towards being stuck */
        stuck = sim->now == t0 ? stuck + (sim->processed - p0) : 0;
        if (stuck >= max_same)
            return EV_STOP_STUCK;
    }
}

int ev_sanity(const ev_sim *sim)
{
    if (sim->hole)
        return 0;
    for (uint32_t i = 0; i < sim->n; i++) {
        uint32_t slot = ev_hslot(sim->heap[i]);
        if (slot >= sim->nrec || sim->pos[slot] != i || !sim->recs[slot].fn)
            return 0;
        if (i > 0 && ev_less(&sim->heap[i], &sim->heap[(i - 1) >> 2]))
            return 0;
    }
    uint32_t nfree = 0;
    for (uint32_t s = sim->free_head; s != EV_NONE; s = sim->pos[s]) {
        if (s >= sim->nrec || sim->recs[s].fn || ++nfree > sim->nrec)
            return 0;
    }
    return nfree + sim->n == sim->nrec;
}
