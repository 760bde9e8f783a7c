/* evq.h - the discrete-event core: simulated time, the pending-event set,
 * the event-record pool and the run loop.
 *
 * Time is integer nanoseconds (sim_time). Events are ordered by (time,
 * insertion sequence): two events at the same time fire in the order they
 * were scheduled, so a run is deterministic.
 *
 * Pending-event set: an array 4-ary min-heap of 16-byte entries (k, x),
 * children of entry k at 4k+1..4k+4, laid out so that every group of four
 * siblings shares one 64-byte cache line. Keys are narrow by default: one
 * 64-bit word k = (time - tbase) << 30 | (seq - sbase), x = pool slot, so
 * sifts compare single words. A narrow key that would not fit (a time 2^34 ns
 * past tbase, a sequence 2^30 past sbase) first makes room by moving tbase to
 * now and sbase to the oldest pending sequence (subtracting one constant from
 * every key: the order is unchanged); if that leaves less than half of either
 * span free, the set switches for the rest of the run to wide keys
 * k = time, x = seq << 24 | slot, compared as one 128-bit number. Both forms
 * order by (time, insertion sequence) exactly.
 * While a handler runs, the fired root stays in place as a hole: the first
 * event the handler schedules fills it (pop and push fused: the hole moves
 * down along the smallest children to a leaf, then the new entry sifts up);
 * otherwise the pop completes afterwards. Cancels and reschedules leave the
 * hole where it is (it holds the fired key, below every pending one, so no
 * sift reaches it).
 * Far tier: from EV_FAR_ON (8,192) heap entries on (narrow keys only), ev_run
 * moves the pending set into a ladder queue (Tang, Goh and Thng 2005) above
 * the heap: rungs of unsorted time buckets (O(1) insert and cancel) and a
 * top for the far future; the heap keeps only the events before a
 * boundary B - one bucket's worth, a few hundred - and is refilled from the
 * earliest bucket when it runs empty. The tiers split the events by time
 * alone, at bucket boundaries, so the heap's root is always the least
 * (time, insertion sequence) of all: the order is exactly that of the heap
 * alone. Below a quarter of the threshold the tier is emptied into the heap
 * again; so are rebases and the switch to wide keys. See sim/evq.c.
 * Event records live in a pool indexed by slot; a parallel array holds each
 * slot's heap position (O(log n) cancel; sifts write only that array, not the
 * records) and each record a generation counter (stale ids are harmless).
 * A heap event cancelled while a handler runs is parked: its record is freed
 * at once (stale ids are harmless) but its entry stays in the heap, and the
 * handler's next ev_schedule takes it over (one sift from its place instead
 * of a removal and an insertion); ev_run removes a parked entry left over
 * when the handler returns. Keys are given exactly as without parking, so
 * the firing order is the same.
 * Records are recycled through a free list; the pool and the heap grow by
 * doubling only when the number of pending events reaches a new high, so the
 * steady-state loop allocates nothing.
 *
 * Invariants: heap[i] <= heap[child(i)]; pos[slot(heap[i])] == i;
 * heap keys < bkey <= far keys; a record is either pending (fn != NULL,
 * pos < n, or pos = EV_FAR | its chunk location in the far tier), parked
 * (fn == NULL, pos < n, only while a handler runs) or on the free list
 * (fn == NULL, pos = the next free slot).
 * Limits: at most EV_MAX_PENDING events pending (2^24) and 2^40 insertions
 * per run; ev_schedule reports the first, ev_run stops at the second. */
#ifndef VMSIM_EVQ_H
#define VMSIM_EVQ_H

#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NS ((sim_time)1)
#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S ((sim_time)1000000000)
#define SIM_TIME_MAX INT64_MAX

#define EV_MAX_PENDING (1u << 24)
#define EV_MAX_SEQ ((uint64_t)1 << 40)
/* A model that fires this many events in a row at one instant is stuck
 * (a zero-time loop); ev_run_guarded stops with EV_STOP_STUCK. */
#define EV_MAX_SAME_TIME ((uint64_t)100000000)

typedef struct ev_sim ev_sim;

/* An event handler: called with the simulation (sim->now is the event's
 * time), the context pointer and the argument given to ev_schedule. */
typedef void (*ev_handler)(ev_sim *sim, void *ctx, uint64_t arg);

/* Identifies one scheduled event for ev_cancel. 0 never names an event. */
typedef uint64_t ev_id;

/* Bits of a narrow key given to the insertion sequence (the rest: time). */
#define EV_RANK_BITS 30

/* One heap entry. Narrow form (the default): k = (time - tbase) << 30 |
 * (seq - sbase), x = pool slot; wide form: k = time, x = seq << 24 | slot.
 * Either way (k, x) compared as one 128-bit number orders by time, then
 * insertion sequence, and narrow keys need only k. */
typedef struct ev_hent {
    uint64_t k; /* key: see above */
    uint64_t x; /* pool slot in the low 24 bits (wide: sequence above) */
} ev_hent;

typedef struct ev_rec { /* one event record in the pool */
    ev_handler fn;      /* handler; NULL while free */
    void *ctx;          /* handler context */
    uint64_t arg;       /* handler argument */
    uint32_t gen;       /* generation, bumped each time the slot is freed */
} ev_rec;

/* The far tier (a ladder queue, Tang, Goh and Thng 2005, with the heap as
 * its bottom), used while many events are pending: see sim/evq.c. */
#define EV_MAX_RUNGS 8
typedef struct ev_rung {
    uint64_t start;  /* narrow time (ns past tbase) where bucket 0 begins */
    uint32_t shift;  /* bucket width 2^shift ns */
    uint32_t nb;     /* buckets */
    uint32_t cur;    /* first bucket not yet taken (those before are empty) */
    uint32_t b0;     /* id of bucket 0 in ev_sim.bk */
    uint64_t curkey; /* narrow key where bucket cur begins (~0 if past the range) */
} ev_rung;

typedef struct ev_bucket { /* unsorted; a stack of chunks, the newest partial */
    uint32_t head;         /* newest chunk, EV_NONE if empty */
    uint32_t count;        /* entries */
} ev_bucket;

typedef enum ev_stop {
    EV_STOP_EMPTY,  /* no event left */
    EV_STOP_TIME,   /* the next event is after the end time */
    EV_STOP_BUDGET, /* the event budget was spent */
    EV_STOP_ASKED,  /* a handler called ev_stop_now */
    EV_STOP_STUCK   /* EV_MAX_SAME_TIME events in a row without time advancing */
} ev_stop;

struct ev_sim {
    /* public, read-only for handlers */
    sim_time now;        /* current simulated time, ns */
    uint64_t processed;  /* events fired so far */
    /* settings, set before ev_run */
    sim_time end;        /* stop before firing an event later than this */
    uint64_t budget;     /* stop after this many events fired (0 = none) */
    /* private */
    ev_hent *heap;       /* heap entries; heap[0] is the root */
    void *heap_mem;      /* allocation behind heap (aligned) */
    uint32_t n;          /* pending events */
    uint32_t cap;        /* heap capacity */
    ev_rec *recs;        /* the record pool */
    uint32_t *pos;       /* per slot: heap position, or next free slot while free */
    uint32_t nrec;       /* records ever created */
    uint32_t free_head;  /* first free record, EV_NONE if none */
    uint64_t seq;        /* next insertion sequence number */
    int stop_asked;      /* set by ev_stop_now */
    int hole;            /* heap[0] has fired and awaits replacement */
    int firing;          /* a handler is running (ev_run) */
    uint32_t park;       /* a heap event cancelled by the running handler, left in
                          * place for its next ev_schedule to reuse (EV_NONE: none) */
    uint32_t peak;       /* most events pending at once */
    int wide;            /* keys are in the wide form (for the rest of the run) */
    sim_time tbase;      /* narrow keys: time origin (<= now) */
    uint64_t sbase;      /* narrow keys: sequence origin (<= any pending seq) */
    uint64_t rebases;    /* narrow keys: times tbase/sbase were moved */
    /* far tier (narrow keys only): while on, the heap holds exactly the
     * pending events with key < bkey, the rungs and the top the others */
    uint64_t bkey;       /* heap/far boundary key; ~0 while the far tier is off */
    uint32_t nfar;       /* pending events in the far tier */
    uint32_t far_at;     /* heap size from which ev_run starts the far tier */
    uint32_t far_on;     /* that threshold while off (UINT32_MAX: never) */
    uint32_t far_off;    /* total pending below which the far tier stops */
    int far;             /* the far tier is on */
    uint32_t nrung;      /* rungs in use; rung[nrung - 1] is the finest */
    ev_rung rung[EV_MAX_RUNGS];
    uint64_t topkey;     /* events with key >= topkey are in the top (bucket 0) */
    ev_bucket *bk;       /* buckets: 0 the top, then each rung's in turn */
    uint32_t bk_cap;
    struct ev_chunk *chunks; /* entry chunks of the buckets */
    uint32_t *cnext;     /* per chunk: next (older) chunk of its bucket, or next free */
    uint32_t *cown;      /* per chunk: its bucket */
    uint32_t chunk_cap;  /* chunks allocated */
    uint32_t chunk_free; /* first free chunk, EV_NONE if none */
    uint64_t far_starts; /* times the far tier was started (for tests) */
    uint64_t spawns;     /* rungs spawned below rung 0 (for tests) */
};

/* Initialises an empty simulation at time 0 with room for `hint` pending
 * events (more are allocated on demand). Can't fail (aborts on OOM). */
void ev_init(ev_sim *sim, uint32_t hint);
/* Frees the heap and the pool. */
void ev_free(ev_sim *sim);

/* Schedules fn(sim, ctx, arg) at absolute time `t` (t >= sim->now).
 * Returns the event's id. Aborts if more than EV_MAX_PENDING would be
 * pending (model code bounds its event count from validated input). */
ev_id ev_schedule(ev_sim *sim, sim_time t, ev_handler fn, void *ctx, uint64_t arg);
/* Schedules after a delay (>= 0) from now. */
static inline ev_id ev_after(ev_sim *sim, sim_time d, ev_handler fn, void *ctx, uint64_t arg)
{
    return ev_schedule(sim, sim->now + d, fn, ctx, arg);
}
/* Cancels a pending event. Returns 1 if it was pending, 0 if the id is 0,
 * already fired or already cancelled. O(log n). */
int ev_cancel(ev_sim *sim, ev_id id);
/* Moves pending event `id` to time t (>= now), ordered as if it had just
 * been scheduled (a fresh insertion sequence); one sift instead of a cancel
 * and an insert. If `id` is not pending, schedules fn(ctx, arg) anew.
 * Returns the event's id. */
ev_id ev_reschedule(ev_sim *sim, ev_id id, sim_time t, ev_handler fn, void *ctx, uint64_t arg);
/* Time of the pending event `id`, or -1 if it is not pending. */
sim_time ev_time_of(const ev_sim *sim, ev_id id);

/* Fires events in order until the set is empty, the next event is later
 * than sim->end, sim->budget events have fired or a handler asks to stop.
 * On EV_STOP_TIME the clock is advanced to sim->end. */
ev_stop ev_run(ev_sim *sim);
/* ev_run in chunks of max_same / 8 events, returning EV_STOP_STUCK once
 * max_same events in a row (counted in whole chunks) fired without time
 * advancing: a model stuck in a zero-time loop. Costs nothing per event
 * (it rides on the event budget). */
ev_stop ev_run_guarded(ev_sim *sim, uint64_t max_same);
/* Asks ev_run to return after the current handler. */
static inline void ev_stop_now(ev_sim *sim) { sim->stop_asked = 1; }

/* Number of pending events. */
static inline uint32_t ev_pending(const ev_sim *sim) { return sim->n + sim->nfar; }
/* Bytes held by the heap, the pool and the far tier (for the benchmark's
 * memory figure). */
uint64_t ev_bytes(const ev_sim *sim);
/* Switches the pending-event set to wide keys for the rest of the run (it
 * does so by itself when a narrow key would not fit); the order of events is
 * the same either way. For tests. */
void ev_force_wide(ev_sim *sim);
/* Sets the number of heap entries from which the far tier starts (it stops
 * again below a quarter of that many pending events); UINT32_MAX: never.
 * The order of events is the same either way. For tests and measurements. */
void ev_set_far_threshold(ev_sim *sim, uint32_t on_at);
/* Debug check of every invariant above; returns 1 if all hold. Between
 * events only (a handler's hole or parked entry fails it). */
int ev_sanity(const ev_sim *sim);

#endif
