#include "sim/evq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define EV_NONE UINT32_MAX
#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
/* The heap array is offset by EV_OFS entries inside a 64-byte aligned block
 * so that children 4k+1..4k+4 sit at block indices 4k+4..4k+7: one line. */
#define EV_OFS 3
#define EV_PAD 4 /* sentinel entries kept after the last one */
/* Narrow keys: (t - tbase) << EV_RANK_BITS | (seq - sbase). The time field
 * stays below EV_TSPAN - 1 so that no key equals the sentinel's ~0. */
#define EV_TSPAN ((uint64_t)1 << (64 - EV_RANK_BITS))
#define EV_RSPAN ((uint64_t)1 << EV_RANK_BITS)
#define EV_RMASK (EV_RSPAN - 1)

static const ev_hent ev_sentinel = {UINT64_MAX, UINT64_MAX};

/* The far tier: see "Far tier" below. */
#ifndef EV_CH
#define EV_CH 16 /* entries per chunk (256 bytes, four lines) */
#endif
#define EV_FAR (1u << 31)        /* pos[] flag: the entry is in chunk slot pos & ~EV_FAR */
#ifndef EV_FAR_ON
#define EV_FAR_ON 8192           /* heap size from which ev_run starts the far tier */
#endif
#ifndef EV_FAR_K
#define EV_FAR_K 64              /* events per bucket aimed at when a rung is made */
#endif
#ifndef EV_FAR_SPLIT
#define EV_FAR_SPLIT 1024        /* a bucket with more (and width > 1 ns) gets a finer rung */
#endif
#ifndef EV_FAR_MAXNB
#define EV_FAR_MAXNB (1u << 16)  /* buckets per rung at most */
#endif
_Static_assert(EV_CH >= 1 && (EV_CH & (EV_CH - 1)) == 0, "EV_CH must be a power of two");
typedef struct ev_chunk {
    ev_hent e[EV_CH];
} ev_chunk;

#define EV_INLINE static inline __attribute__((always_inline))

/* a < b in the order of the current key form (`wide` a compile-time
 * constant at every call site, so each loop is compiled once per form). */
EV_INLINE int ev_lt(ev_hent a, ev_hent b, int wide)
{
    if (wide)
        return (((unsigned __int128)a.k << 64) | a.x) < (((unsigned __int128)b.k << 64) | b.x);
    return a.k < b.k;
}
static inline uint32_t ev_hslot(ev_hent e) { return (uint32_t)e.x & SLOT_MASK; }
static inline sim_time ev_htime(const ev_sim *sim, ev_hent e)
{
    return sim->wide ? (sim_time)e.k : sim->tbase + (sim_time)(e.k >> EV_RANK_BITS);
}

/* Arrays from this size on are placed on 2 MiB pages where the kernel
 * offers them (transparent huge pages on request): at large P a sift
 * touches a dozen random 4 KiB pages, each a TLB miss. */
#define EV_HUGE_MIN ((size_t)1 << 20)
#define EV_HUGE_PAGE ((size_t)2 << 20)

/* A 64-byte aligned block of at least `bytes`, zeroed; aborts on OOM. */
static void *ev_alloc(size_t bytes, const char *what)
{
    void *mem = NULL;
    size_t align = 64;
    bytes = (bytes + 63) & ~(size_t)63;
    if (bytes >= EV_HUGE_MIN) {
        align = EV_HUGE_PAGE;
        bytes = (bytes + EV_HUGE_PAGE - 1) & ~(EV_HUGE_PAGE - 1);
    }
    if (posix_memalign(&mem, align, bytes) != 0) {
        fprintf(stderr, "vmsim: internal error: out of memory (%s)\n", what);
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    if (align == EV_HUGE_PAGE)
        (void)madvise(mem, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    memset(mem, 0, bytes);
    return mem;
}

static void ev_grow_heap(ev_sim *sim, uint32_t cap)
{
    size_t bytes = ((size_t)cap + EV_OFS + EV_PAD) * sizeof(ev_hent);
    void *mem = ev_alloc(bytes, "event heap");
    ev_hent *heap = (ev_hent *)mem + EV_OFS;
    if (sim->n)
        memcpy(heap, sim->heap, sim->n * sizeof(ev_hent));
    for (uint32_t k = sim->n; k < cap + EV_PAD; k++)
        heap[k] = ev_sentinel;
    free(sim->heap_mem);
    sim->heap_mem = mem;
    sim->heap = heap;
    sim->cap = cap;
}

/* Grows the record pool and the position array to cap slots (old of them in
 * use), 64-byte aligned so that no 32-byte record straddles two cache lines
 * (one miss per fired event, not two). */
static void ev_grow_recs(ev_sim *sim, uint32_t old, uint32_t cap)
{
    void *mem = ev_alloc((size_t)cap * sizeof(ev_rec), "event records");
    void *pos = ev_alloc((size_t)cap * sizeof(uint32_t), "event positions");
    if (old) {
        memcpy(mem, sim->recs, (size_t)old * sizeof(ev_rec));
        memcpy(pos, sim->pos, (size_t)old * sizeof(uint32_t));
    }
    free(sim->recs);
    free(sim->pos);
    sim->recs = mem;
    sim->pos = pos;
}

void ev_init(ev_sim *sim, uint32_t hint)
{
    memset(sim, 0, sizeof *sim);
    sim->end = SIM_TIME_MAX;
    sim->free_head = EV_NONE;
    sim->park = EV_NONE;
    if (hint < 64)
        hint = 64;
    ev_grow_heap(sim, hint);
    ev_grow_recs(sim, 0, hint);
    sim->seq = 1;
    sim->sbase = 1;
    sim->bkey = UINT64_MAX;
    sim->far_on = sim->far_at = EV_FAR_ON;
    sim->far_off = EV_FAR_ON / 4;
    sim->chunk_free = EV_NONE;
}

void ev_free(ev_sim *sim)
{
    free(sim->heap_mem);
    free(sim->recs);
    free(sim->pos);
    free(sim->bk);
    free(sim->chunks);
    free(sim->cnext);
    free(sim->cown);
    sim->bk = NULL;
    sim->chunks = NULL;
    sim->cnext = sim->cown = NULL;
    sim->bk_cap = sim->chunk_cap = 0;
    sim->pos = NULL;
    sim->heap_mem = NULL;
    sim->heap = NULL;
    sim->recs = NULL;
    sim->n = sim->cap = sim->nrec = 0;
}

uint64_t ev_bytes(const ev_sim *sim)
{
    return (uint64_t)sim->cap * (sizeof(ev_hent) + sizeof(ev_rec) + sizeof(uint32_t)) +
           (uint64_t)sim->chunk_cap * (sizeof(ev_chunk) + 2 * sizeof(uint32_t)) +
           (uint64_t)sim->bk_cap * sizeof(ev_bucket);
}

/* The key of an event at time t (>= now) with the next insertion sequence.
 * A narrow key that would not fit first gets room by rebasing the pending
 * keys (ev_make_room), or the set switches to wide keys for good. */
static inline ev_hent ev_key(ev_sim *sim, sim_time t, uint32_t slot);

static void ev_fill_hole(ev_sim *sim);
static void ev_far_stop(ev_sim *sim);

/* Makes room for a narrow key at time t with sequence sim->seq: moves tbase
 * to now and sbase to the oldest pending sequence, subtracting the same
 * amount from every pending key (order is unchanged, no sift). If that
 * leaves less than half of either span free, switches to wide keys instead,
 * so rebases are at least 2^(63 - EV_RANK_BITS) ns or 2^(EV_RANK_BITS - 1)
 * insertions apart and cost O(1) amortised. Can't fail. */
static void ev_make_room(ev_sim *sim, sim_time t)
{
    ev_fill_hole(sim);
    ev_far_stop(sim); /* every key in the heap, where the loops below reach it */
    ev_hent *h = sim->heap;
    uint64_t rmin = sim->seq - sim->sbase;
    for (uint32_t i = 0; i < sim->n; i++)
        if ((h[i].k & EV_RMASK) < rmin)
            rmin = h[i].k & EV_RMASK;
    uint64_t nsbase = sim->sbase + rmin, dt = (uint64_t)(sim->now - sim->tbase);
    if ((uint64_t)(t - sim->now) >= EV_TSPAN / 2 || sim->seq - nsbase >= EV_RSPAN / 2) {
        ev_force_wide(sim);
        return;
    }
    uint64_t d = (dt << EV_RANK_BITS) + rmin;
    for (uint32_t i = 0; i < sim->n; i++)
        h[i].k -= d;
    sim->tbase = sim->now;
    sim->sbase = nsbase;
    sim->rebases++;
}

/* Switches to wide keys (time, seq << 24 | slot), rewriting every pending
 * entry in place: the order is the same. Can't fail. */
void ev_force_wide(ev_sim *sim)
{
    if (sim->wide)
        return;
    if (sim->far) {
        ev_fill_hole(sim);
        ev_far_stop(sim);
    }
    ev_hent *h = sim->heap;
    for (uint32_t i = 0; i < sim->n; i++) {
        uint64_t t = (uint64_t)sim->tbase + (h[i].k >> EV_RANK_BITS);
        uint64_t seq = sim->sbase + (h[i].k & EV_RMASK);
        h[i].x = (seq << SLOT_BITS) | ev_hslot(h[i]);
        h[i].k = t;
    }
    sim->wide = 1;
    sim->far_at = UINT32_MAX; /* the far tier works on narrow keys only */
}

static inline ev_hent ev_key(ev_sim *sim, sim_time t, uint32_t slot)
{
    uint64_t seq = sim->seq++;
    if (!sim->wide) {
        uint64_t dt = (uint64_t)(t - sim->tbase), rk = seq - sim->sbase;
        if (__builtin_expect(dt < EV_TSPAN - 1 && rk < EV_RSPAN, 1))
            return (ev_hent){(dt << EV_RANK_BITS) | rk, slot};
        sim->seq = seq; /* ev_make_room sees the sequence as not yet used */
        ev_make_room(sim, t);
        sim->seq = seq + 1;
        if (!sim->wide)
            return (ev_hent){((uint64_t)(t - sim->tbase) << EV_RANK_BITS) | (seq - sim->sbase),
                             slot};
    }
    return (ev_hent){(uint64_t)t, (seq << SLOT_BITS) | slot};
}

EV_INLINE void ev_place(ev_sim *sim, uint32_t i, ev_hent e)
{
    sim->heap[i] = e;
    sim->pos[ev_hslot(e)] = i;
}

EV_INLINE void ev_sift_up_w(ev_sim *sim, uint32_t i, ev_hent e, int wide)
{
    ev_hent *h = sim->heap;
    while (i > 0) {
        uint32_t p = (i - 1) >> 2;
        if (!ev_lt(e, h[p], wide))
            break;
        ev_place(sim, i, h[p]);
        i = p;
    }
    ev_place(sim, i, e);
}

/* The index of the smallest of the four siblings c..c+3, without branches:
 * two pairs, then the winners. Entries at n..n+3 are always the sentinel
 * (larger than any key), so every sibling group can be read whole. Narrow
 * keys compare as one 64-bit word each. */
EV_INLINE uint32_t ev_min4(const ev_hent *h, uint32_t c, int wide)
{
    const ev_hent *g = h + c;
    ev_hent a = g[0], b = g[1], x = g[2], y = g[3];
    uint32_t ba = ev_lt(b, a, wide), yx = ev_lt(y, x, wide);
    ev_hent m1, m2;
    m1.k = ba ? b.k : a.k;
    m2.k = yx ? y.k : x.k;
    if (wide) {
        m1.x = ba ? b.x : a.x;
        m2.x = yx ? y.x : x.x;
    } else {
        m1.x = m2.x = 0;
    }
    uint32_t i1 = ba, i2 = 2 + yx;
    uint32_t second = ev_lt(m2, m1, wide);
    return c + (i1 ^ ((i1 ^ i2) & -second));
}

/* Sifts e down from position i (top-down: stops as soon as e is in order;
 * for cancel and reschedule, where e often belongs near i). */
EV_INLINE void ev_sift_down_w(ev_sim *sim, uint32_t i, ev_hent e, int wide)
{
    ev_hent *h = sim->heap;
    uint32_t n = sim->n;
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        uint32_t m = ev_min4(h, c, wide);
        if (!ev_lt(h[m], e, wide))
            break;
        ev_place(sim, i, h[m]);
        i = m;
    }
    ev_place(sim, i, e);
}

/* Fills the vacant root with e: bottom-up, as in Floyd's heapsort - the hole
 * moves down along the smallest children to a leaf (one selection per level
 * and no comparison with e, so the loop exit is predictable), then e sifts
 * up from there. A new event usually belongs near the bottom (most entries
 * of a heap are), so the sift-up is short; an event that fires next (a
 * short delay, common in the model) stays at the root after one selection.
 * The record of the new root is prefetched as soon as it is known: it is the
 * next event to fire. */
EV_INLINE void ev_fill_root_w(ev_sim *sim, ev_hent e, int wide, int pf)
{
    ev_hent *h = sim->heap;
    uint32_t n = sim->n, i = 0;
    if (n > 1) {
        uint32_t m = ev_min4(h, 1, wide);
        ev_hent mv = h[m];
        if (!ev_lt(mv, e, wide)) { /* e fires next (a short delay): done */
            ev_place(sim, 0, e);
            return;
        }
        __builtin_prefetch(&sim->recs[ev_hslot(mv)]);
        ev_place(sim, 0, mv);
        i = m;
        for (uint32_t c; (c = 4 * i + 1) < n;) {
            /* the four sibling groups below c..c+3 are 4 consecutive lines:
             * fetch them while this level is decided (a miss at large P) */
            if (pf) {
                const char *gc = (const char *)(h + 4 * c + 1);
                __builtin_prefetch(gc);
                __builtin_prefetch(gc + 64);
                __builtin_prefetch(gc + 128);
                __builtin_prefetch(gc + 192);
            }
            m = ev_min4(h, c, wide);
            ev_place(sim, i, h[m]);
            i = m;
        }
    }
    ev_sift_up_w(sim, i, e, wide);
}

/* Heaps up to this many entries (64 KiB) stay in the first cache levels:
 * no prefetching below them. */
#define EV_PREFETCH_MIN 4096

static void ev_fill_root(ev_sim *sim, ev_hent e)
{
    int pf = sim->n > EV_PREFETCH_MIN;
    if (sim->wide) {
        if (pf)
            ev_fill_root_w(sim, e, 1, 1);
        else
            ev_fill_root_w(sim, e, 1, 0);
    } else {
        if (pf)
            ev_fill_root_w(sim, e, 0, 1);
        else
            ev_fill_root_w(sim, e, 0, 0);
    }
}
static void ev_sift_up(ev_sim *sim, uint32_t i, ev_hent e)
{
    if (sim->wide)
        ev_sift_up_w(sim, i, e, 1);
    else
        ev_sift_up_w(sim, i, e, 0);
}
static void ev_sift_down(ev_sim *sim, uint32_t i, ev_hent e)
{
    if (sim->wide)
        ev_sift_down_w(sim, i, e, 1);
    else
        ev_sift_down_w(sim, i, e, 0);
}
static int ev_less(const ev_sim *sim, ev_hent a, ev_hent b)
{
    return sim->wide ? ev_lt(a, b, 1) : ev_lt(a, b, 0);
}

/* ---- Far tier -------------------------------------------------------------
 * A ladder queue (Tang, Goh and Thng 2005) above the heap, used while many
 * events are pending (ev_run starts it once the heap holds more than
 * far_on = EV_FAR_ON entries, narrow keys only; it stops below far_off).
 * The pending events are split by time into disjoint intervals:
 *
 *   heap: [now, B)  <  finest rung  <  ...  <  rung 0  <  top: [T, inf)
 *
 * with B = bkey >> EV_RANK_BITS. Rung i is a row of nb unsorted buckets of
 * width 2^shift ns; its buckets before cur are empty and events go to the
 * bucket of their time, in the first rung (coarsest first) whose current
 * bucket starts at or before them; rung i + 1 covers exactly the bucket of
 * rung i before that rung's cur (so each rung ends where the next coarser
 * one's current bucket begins). Inserting into a bucket is an append, O(1).
 * When the heap runs empty, the finest rung's next non-empty bucket is
 * taken: with more than EV_FAR_SPLIT events (and a width above 1 ns) it is
 * spread over a new finer rung, otherwise its events are copied into the
 * heap (heapified in O(m)) and B moves to the bucket's end. An exhausted
 * rung is dropped; with no rung left, rung 0 is made over the top's span
 * (about EV_FAR_K events per bucket) and the top emptied into it.
 *
 * Order: the intervals are disjoint in time and a boundary never falls
 * between two events of one instant, so the heap always holds the least
 * (time, sequence) of all pending events at its root and the events fire in
 * exactly the order of the heap alone: by time, then insertion sequence.
 *
 * Buckets are stacks of 16-entry chunks (the newest partial, the others
 * full) from one pool with a free list; pos[slot] of a far event is
 * EV_FAR | (chunk * EV_CH + index), so cancel swaps the bucket's last entry
 * into the vacancy, O(1). The pool grows by doubling only when it runs out:
 * no allocation in the steady state. A rebase of the narrow keys or the
 * switch to wide keys first empties the far tier into the heap. */

static void ev_grow_chunks(ev_sim *sim)
{
    uint32_t old = sim->chunk_cap, cap = old ? old * 2 : 256;
    ev_chunk *c = ev_alloc((size_t)cap * sizeof(ev_chunk), "event chunks");
    uint32_t *nx = ev_alloc((size_t)cap * sizeof(uint32_t), "event chunks");
    uint32_t *ow = ev_alloc((size_t)cap * sizeof(uint32_t), "event chunks");
    if (old) {
        memcpy(c, sim->chunks, (size_t)old * sizeof(ev_chunk));
        memcpy(nx, sim->cnext, (size_t)old * sizeof(uint32_t));
        memcpy(ow, sim->cown, (size_t)old * sizeof(uint32_t));
    }
    free(sim->chunks);
    free(sim->cnext);
    free(sim->cown);
    sim->chunks = c;
    sim->cnext = nx;
    sim->cown = ow;
    for (uint32_t i = cap; i-- > old;) { /* the free list was empty */
        nx[i] = sim->chunk_free;
        sim->chunk_free = i;
    }
    sim->chunk_cap = cap;
}

static inline uint32_t ev_chunk_alloc(ev_sim *sim)
{
    if (sim->chunk_free == EV_NONE)
        ev_grow_chunks(sim);
    uint32_t c = sim->chunk_free;
    sim->chunk_free = sim->cnext[c];
    return c;
}

static inline void ev_chunk_release(ev_sim *sim, uint32_t c)
{
    sim->cnext[c] = sim->chunk_free;
    sim->chunk_free = c;
}

static void ev_grow_buckets(ev_sim *sim, uint32_t need)
{
    if (need <= sim->bk_cap)
        return;
    uint32_t cap = sim->bk_cap ? sim->bk_cap : 64;
    while (cap < need)
        cap *= 2;
    ev_bucket *b = ev_alloc((size_t)cap * sizeof *b, "event buckets");
    if (sim->bk_cap)
        memcpy(b, sim->bk, (size_t)sim->bk_cap * sizeof *b);
    free(sim->bk);
    sim->bk = b;
    sim->bk_cap = cap;
}

/* The narrow key where narrow time r begins, or ~0 past the narrow range. */
static inline uint64_t ev_rkey(uint64_t r)
{
    return r >= EV_TSPAN - 1 ? UINT64_MAX : r << EV_RANK_BITS;
}

/* The entry at position p (a heap index, or EV_FAR | chunk location). */
static inline ev_hent ev_at(const ev_sim *sim, uint32_t p)
{
    if (p & EV_FAR) {
        p &= ~EV_FAR;
        return sim->chunks[p / EV_CH].e[p % EV_CH];
    }
    return sim->heap[p];
}

EV_INLINE void ev_far_append(ev_sim *sim, uint32_t b, ev_hent e)
{
    uint32_t cnt = sim->bk[b].count, off = cnt & (EV_CH - 1), h = sim->bk[b].head;
    if (off == 0) { /* the newest chunk is full (or there is none) */
        uint32_t c = ev_chunk_alloc(sim);
        sim->cnext[c] = h;
        sim->cown[c] = b;
        sim->bk[b].head = h = c;
    }
    sim->chunks[h].e[off] = e;
    sim->pos[ev_hslot(e)] = EV_FAR | (h * EV_CH + off);
    sim->bk[b].count = cnt + 1;
    sim->nfar++;
}

/* The bucket of a far event with key k (k >= bkey). */
EV_INLINE uint32_t ev_far_bucket(const ev_sim *sim, uint64_t k)
{
    if (k >= sim->topkey)
        return 0;
    const ev_rung *g = sim->rung;
    while (k < g->curkey)
        g++;
    return g->b0 + (uint32_t)(((k >> EV_RANK_BITS) - g->start) >> g->shift);
}

/* Removes the far entry at chunk location loc: the bucket's last entry
 * takes its place. */
static void ev_far_remove(ev_sim *sim, uint32_t loc)
{
    uint32_t c = loc / EV_CH, off = loc % EV_CH, b = sim->cown[c];
    uint32_t h = sim->bk[b].head, lo = (sim->bk[b].count - 1) & (EV_CH - 1);
    if (c != h || off != lo) {
        ev_hent e = sim->chunks[h].e[lo];
        sim->chunks[c].e[off] = e;
        sim->pos[ev_hslot(e)] = EV_FAR | loc;
    }
    sim->bk[b].count--;
    if (lo == 0) {
        sim->bk[b].head = sim->cnext[h];
        ev_chunk_release(sim, h);
    }
    sim->nfar--;
}

/* Moves every entry of bucket b into rung ri's buckets, or (ri < 0) onto
 * the end of the heap array (not yet in heap order: see ev_heapify). */
static void ev_far_move(ev_sim *sim, uint32_t b, int ri)
{
    uint32_t c = sim->bk[b].head, cnt = sim->bk[b].count;
    uint32_t fill = cnt ? ((cnt - 1) & (EV_CH - 1)) + 1 : 0;
    sim->bk[b].head = EV_NONE;
    sim->bk[b].count = 0;
    sim->nfar -= cnt;
    while (c != EV_NONE) {
        uint32_t next = sim->cnext[c];
        if (ri < 0) {
            const ev_hent *src = sim->chunks[c].e;
            for (uint32_t j = 0; j < fill; j++) {
                uint32_t i = sim->n++;
                sim->heap[i] = src[j];
                sim->pos[ev_hslot(src[j])] = i;
                /* the record is read when the event fires, within the next
                 * few hundred events: fetch it now (at large P, a miss each) */
                __builtin_prefetch(&sim->recs[ev_hslot(src[j])]);
            }
        } else {
            const ev_rung *g = &sim->rung[ri];
            for (uint32_t j = 0; j < fill; j++) {
                ev_hent e = sim->chunks[c].e[j]; /* re-read: appends may grow the pool */
                uint64_t idx = ((e.k >> EV_RANK_BITS) - g->start) >> g->shift;
                ev_far_append(sim, g->b0 + (uint32_t)idx, e);
            }
        }
        ev_chunk_release(sim, c);
        c = next;
        fill = EV_CH;
    }
}

static void ev_sift_down(ev_sim *sim, uint32_t i, ev_hent e);

/* Puts heap[0..n) into heap order (Floyd: sift down from the last parent). */
static void ev_heapify(ev_sim *sim)
{
    if (sim->n < 2)
        return;
    for (uint32_t i = (sim->n - 2) / 4 + 1; i-- > 0;)
        ev_sift_down(sim, i, sim->heap[i]);
}

/* Starts the far tier: every heap entry moves to the top (the heap has no
 * hole). The first refill makes rung 0. */
static void ev_far_start(ev_sim *sim)
{
    ev_grow_buckets(sim, 1);
    sim->bk[0] = (ev_bucket){EV_NONE, 0};
    for (uint32_t i = 0; i < sim->n; i++) {
        ev_far_append(sim, 0, sim->heap[i]);
        sim->heap[i] = ev_sentinel;
    }
    sim->n = 0;
    sim->far = 1;
    sim->nrung = 0;
    sim->topkey = sim->bkey = ev_rkey((uint64_t)(sim->now - sim->tbase));
    sim->far_at = UINT32_MAX;
    sim->far_starts++;
}

/* Stops the far tier: every far entry joins the heap (which has no hole). */
static void ev_far_stop(ev_sim *sim)
{
    if (!sim->far)
        return;
    uint32_t nb = sim->nrung ? sim->rung[sim->nrung - 1].b0 + sim->rung[sim->nrung - 1].nb : 1;
    for (uint32_t b = 0; b < nb; b++)
        if (sim->bk[b].count)
            ev_far_move(sim, b, -1);
    ev_heapify(sim);
    sim->far = 0;
    sim->nrung = 0;
    sim->bkey = UINT64_MAX;
    sim->far_at = sim->wide ? UINT32_MAX : sim->far_on;
}

/* Makes rung ri: nb buckets of 2^shift ns from narrow time start, and
 * spreads bucket src over them. */
static void ev_rung_make(ev_sim *sim, uint32_t ri, uint64_t start, uint32_t shift, uint32_t nb,
                         uint32_t src)
{
    uint32_t b0 = ri ? sim->rung[ri - 1].b0 + sim->rung[ri - 1].nb : 1;
    ev_grow_buckets(sim, b0 + nb);
    for (uint32_t i = 0; i < nb; i++)
        sim->bk[b0 + i] = (ev_bucket){EV_NONE, 0};
    sim->rung[ri] = (ev_rung){start, shift, nb, 0, b0, ev_rkey(start)};
    sim->nrung = ri + 1;
    ev_far_move(sim, src, (int)ri);
}

/* The heap is empty and far events are pending: fills the heap with the
 * earliest bucket's events (see the comment above). */
static void ev_far_refill(ev_sim *sim)
{
    if (sim->nfar < sim->far_off) {
        ev_far_stop(sim);
        return;
    }
    for (;;) {
        if (sim->nrung == 0) { /* all far events are in the top */
            uint64_t rmin = UINT64_MAX, rmax = 0;
            uint32_t cnt = sim->bk[0].count, fill = ((cnt - 1) & (EV_CH - 1)) + 1;
            for (uint32_t c = sim->bk[0].head; c != EV_NONE; c = sim->cnext[c], fill = EV_CH)
                for (uint32_t j = 0; j < fill; j++) {
                    uint64_t r = sim->chunks[c].e[j].k >> EV_RANK_BITS;
                    rmin = r < rmin ? r : rmin;
                    rmax = r > rmax ? r : rmax;
                }
            uint64_t span = rmax - rmin + 1, target = cnt / EV_FAR_K;
            if (target < 1)
                target = 1;
            if (target > EV_FAR_MAXNB)
                target = EV_FAR_MAXNB;
            uint32_t shift = 0;
            while (((span - 1) >> shift) + 1 > target)
                shift++;
            uint32_t nb = (uint32_t)(((span - 1) >> shift) + 1);
            sim->topkey = ev_rkey(rmin + ((uint64_t)nb << shift));
            ev_rung_make(sim, 0, rmin, shift, nb, 0);
        }
        ev_rung *g = &sim->rung[sim->nrung - 1];
        while (g->cur < g->nb && sim->bk[g->b0 + g->cur].count == 0)
            g->cur++;
        if (g->cur == g->nb) { /* exhausted: its coarser rung (or the top) goes on */
            sim->nrung--;
            continue;
        }
        uint32_t b = g->b0 + g->cur;
        uint64_t bstart = g->start + ((uint64_t)g->cur << g->shift);
        g->cur++;
        g->curkey = ev_rkey(bstart + ((uint64_t)1 << g->shift));
        uint32_t cnt = sim->bk[b].count;
        if (cnt > EV_FAR_SPLIT && g->shift > 0 && sim->nrung < EV_MAX_RUNGS) {
            uint32_t ls = 1; /* a finer rung of 2^ls buckets over bucket b */
            while (ls < g->shift && ((uint32_t)1 << ls) < cnt / EV_FAR_K &&
                   ((uint32_t)1 << ls) < EV_FAR_MAXNB)
                ls++;
            ev_rung_make(sim, sim->nrung, bstart, g->shift - ls, (uint32_t)1 << ls, b);
            sim->spawns++;
            continue;
        }
        ev_far_move(sim, b, -1);
        ev_heapify(sim);
        sim->bkey = g->curkey;
        return;
    }
}

/* Adds e to the pending set (a hole at the root may stay: no sift reaches it). */
static void ev_insert(ev_sim *sim, ev_hent e)
{
    if (e.k >= sim->bkey) {
        ev_far_append(sim, ev_far_bucket(sim, e.k), e);
    } else {
        uint32_t i = sim->n++;
        ev_sift_up(sim, i, e);
    }
}

void ev_set_far_threshold(ev_sim *sim, uint32_t on_at)
{
    sim->far_on = on_at;
    sim->far_off = on_at / 4;
    if (!sim->far && !sim->wide)
        sim->far_at = on_at;
}

static void ev_move(ev_sim *sim, uint32_t i, ev_hent e);

/* A free record slot: the free list's head, or a new one (growing the
 * arrays when they are full). */
static uint32_t ev_new_slot(ev_sim *sim)
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
            ev_grow_recs(sim, sim->nrec, cap);
        }
        slot = sim->nrec++;
        sim->recs[slot].gen = 1;
    } else {
        sim->free_head = sim->pos[slot];
    }
    return slot;
}

ev_id ev_schedule(ev_sim *sim, sim_time t, ev_handler fn, void *ctx, uint64_t arg)
{
    uint32_t slot = sim->park;
    int reuse = slot != EV_NONE; /* take over the parked entry (see ev_cancel) */
    if (reuse)
        sim->park = EV_NONE;
    else
        slot = ev_new_slot(sim);
    ev_rec *r = &sim->recs[slot];
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    if (t < sim->now)
        t = sim->now; /* never schedule into the past */
    ev_hent e = ev_key(sim, t, slot); /* may rebase: read a parked position after */
    if (reuse) {
        ev_move(sim, sim->pos[slot], e);
    } else if (e.k >= sim->bkey) { /* later than the heap's interval (never while the far tier is off) */
        ev_far_append(sim, ev_far_bucket(sim, e.k), e);
    } else if (sim->hole) { /* replace the fired root */
        sim->hole = 0;
        ev_fill_root(sim, e);
        return ((uint64_t)r->gen << 32) | slot;
    } else {
        uint32_t i = sim->n++;
        ev_sift_up(sim, i, e);
    }
    /* a hole is no event, nor is a parked entry */
    uint32_t pending = sim->n - (uint32_t)sim->hole - (sim->park != EV_NONE) + sim->nfar;
    if (pending > sim->peak)
        sim->peak = pending;
    return ((uint64_t)r->gen << 32) | slot;
}

/* Frees slot's record (its ids go stale); its place in the heap, if any, is
 * the caller's business. */
static inline void ev_retire(ev_sim *sim, uint32_t slot)
{
    ev_rec *r = &sim->recs[slot];
    r->fn = NULL;
    r->gen++;
    if (r->gen == 0)
        r->gen = 1;
}

/* Frees slot's record and puts the slot on the free list. */
static inline void ev_release(ev_sim *sim, uint32_t slot)
{
    ev_retire(sim, slot);
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
    return r ? ev_htime(sim, ev_at(sim, sim->pos[(uint32_t)id])) : -1;
}

/* Completes a deferred pop of the fired root. */
static void ev_fill_hole(ev_sim *sim)
{
    if (!sim->hole)
        return;
    sim->hole = 0;
    ev_hent last = sim->heap[--sim->n];
    sim->heap[sim->n] = ev_sentinel;
    if (sim->n)
        ev_fill_root(sim, last);
}

/* Removes the entry at heap position i. */
static void ev_remove_at(ev_sim *sim, uint32_t i)
{
    ev_hent last = sim->heap[--sim->n];
    sim->heap[sim->n] = ev_sentinel;
    if (i == sim->n)
        return;
    if (i > 0 && ev_less(sim, last, sim->heap[(i - 1) >> 2]))
        ev_sift_up(sim, i, last);
    else
        ev_sift_down(sim, i, last);
}

/* Gives the pending (or parked) entry at position i the new key e: a sift
 * from its place, or a move between the heap and the far tier. A hole at
 * the root may stay: it holds the fired key, below every pending one, so no
 * sift reaches it. */
static void ev_move(ev_sim *sim, uint32_t i, ev_hent e)
{
    if (i & EV_FAR) {
        ev_far_remove(sim, i & ~EV_FAR);
        ev_insert(sim, e);
    } else if (e.k >= sim->bkey) {
        ev_remove_at(sim, i);
        ev_far_append(sim, ev_far_bucket(sim, e.k), e);
    } else if (ev_less(sim, e, sim->heap[i]))
        ev_sift_up(sim, i, e);
    else
        ev_sift_down(sim, i, e);
}

ev_id ev_reschedule(ev_sim *sim, ev_id id, sim_time t, ev_handler fn, void *ctx, uint64_t arg)
{
    ev_rec *r = ev_lookup(sim, id);
    if (!r)
        return ev_schedule(sim, t, fn, ctx, arg);
    if (t < sim->now)
        t = sim->now;
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    uint32_t slot = (uint32_t)id;
    ev_hent e = ev_key(sim, t, slot); /* may rebase: read the position after */
    ev_move(sim, sim->pos[slot], e);
    return id;
}

int ev_cancel(ev_sim *sim, ev_id id)
{
    ev_rec *r = ev_lookup(sim, id);
    if (!r)
        return 0;
    uint32_t slot = (uint32_t)id, p = sim->pos[slot];
    if (!(p & EV_FAR) && sim->firing && sim->park == EV_NONE) {
        ev_retire(sim, slot); /* parked: the entry stays for the next schedule */
        sim->park = slot;
        return 1;
    }
    if (p & EV_FAR)
        ev_far_remove(sim, p & ~EV_FAR);
    else
        ev_remove_at(sim, p);
    ev_release(sim, slot);
    return 1;
}

/* Removes an entry still parked when the handler returns. */
static void ev_unpark(ev_sim *sim)
{
    uint32_t slot = sim->park;
    if (slot == EV_NONE)
        return;
    sim->park = EV_NONE;
    ev_remove_at(sim, sim->pos[slot]);
    sim->pos[slot] = sim->free_head;
    sim->free_head = slot;
}

ev_stop ev_run(ev_sim *sim)
{
    sim->stop_asked = 0;
    for (;;) {
        if (__builtin_expect(sim->n > sim->far_at, 0))
            ev_far_start(sim);
        if (sim->n == 0) {
            if (sim->nfar == 0)
                return EV_STOP_EMPTY;
            ev_far_refill(sim);
        }
        ev_hent top = sim->heap[0];
        sim_time t = ev_htime(sim, top);
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
        sim->firing = 1;
        fn(sim, ctx, arg);
        sim->firing = 0;
        ev_unpark(sim);
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

/* The far tier's invariants: the rungs tile [bkey, topkey) in time, each
 * far entry sits in the bucket of its time with pos[] naming its place,
 * buckets before a rung's cur are empty, the counts add up. */
static int ev_far_sane(const ev_sim *sim)
{
    if (sim->wide || sim->hole)
        return 0;
    uint64_t lim = sim->topkey; /* where the rung being checked must end */
    uint32_t b0 = 1;
    for (uint32_t i = 0; i < sim->nrung; i++) {
        const ev_rung *g = &sim->rung[i];
        if (g->b0 != b0 || g->cur > g->nb ||
            ev_rkey(g->start + ((uint64_t)g->cur << g->shift)) != g->curkey)
            return 0;
        if (ev_rkey(g->start + ((uint64_t)g->nb << g->shift)) != lim || g->curkey > lim)
            return 0;
        lim = g->curkey;
        b0 += g->nb;
    }
    if (lim != sim->bkey)
        return 0;
    uint64_t total = 0;
    for (uint32_t b = 0; b < b0; b++) {
        uint64_t lo = sim->topkey, hi = UINT64_MAX; /* keys allowed in bucket b: [lo, hi] */
        if (b > 0) {
            uint32_t ri = 0;
            while (b >= sim->rung[ri].b0 + sim->rung[ri].nb)
                ri++;
            const ev_rung *g = &sim->rung[ri];
            uint32_t idx = b - g->b0;
            if (idx < g->cur && sim->bk[b].count)
                return 0;
            lo = ev_rkey(g->start + ((uint64_t)idx << g->shift));
            hi = ev_rkey(g->start + ((uint64_t)(idx + 1) << g->shift)) - 1;
        }
        uint32_t cnt = sim->bk[b].count, fill = cnt ? ((cnt - 1) & (EV_CH - 1)) + 1 : 0, seen = 0;
        for (uint32_t c = sim->bk[b].head; c != EV_NONE; c = sim->cnext[c], fill = EV_CH) {
            if (c >= sim->chunk_cap || sim->cown[c] != b || seen + fill > cnt)
                return 0;
            for (uint32_t j = 0; j < fill; j++) {
                ev_hent e = sim->chunks[c].e[j];
                uint32_t slot = ev_hslot(e);
                if (slot >= sim->nrec || !sim->recs[slot].fn ||
                    sim->pos[slot] != (EV_FAR | (c * EV_CH + j)))
                    return 0;
                if (e.k < lo || e.k > hi || e.k < sim->bkey || ev_htime(sim, e) < sim->now)
                    return 0;
            }
            seen += fill;
        }
        if (seen != cnt)
            return 0;
        total += cnt;
    }
    return total == sim->nfar;
}

int ev_sanity(const ev_sim *sim)
{
    if (sim->hole)
        return 0;
    for (uint32_t i = 0; i < sim->n; i++) {
        uint32_t slot = ev_hslot(sim->heap[i]);
        if (slot >= sim->nrec || sim->pos[slot] != i || !sim->recs[slot].fn)
            return 0;
        if (i > 0 && ev_less(sim, sim->heap[i], sim->heap[(i - 1) >> 2]))
            return 0;
        if (ev_htime(sim, sim->heap[i]) < sim->now || sim->heap[i].k >= sim->bkey)
            return 0;
    }
    if (!sim->far ? sim->nfar != 0 || sim->bkey != UINT64_MAX : !ev_far_sane(sim))
        return 0;
    uint32_t nfree = 0;
    for (uint32_t s = sim->free_head; s != EV_NONE; s = sim->pos[s]) {
        if (s >= sim->nrec || sim->recs[s].fn || ++nfree > sim->nrec)
            return 0;
    }
    return nfree + sim->n + sim->nfar == sim->nrec;
}
