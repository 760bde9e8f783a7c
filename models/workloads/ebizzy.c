/* ebizzy: one multi-threaded process per VM (ebizzy 0.3, `ebizzy -M`, the
 * benchmark of MODEL.md section 4, L2 and L5), with ebizzy's default of two
 * threads per online CPU (ebizzy.c: threads = 2 * _SC_NPROCESSORS_ONLN;
 * -M = never mmap, so malloc; chunk_size = 64 Ki records of 8 bytes). Each
 * thread loops: take a
 * chunk of chunk_size bytes with malloc, copy one of the process's chunks
 * into it, binary-search it, free it; one loop is one record (records/s =
 * loop iterations per second of the VM).
 *
 * What one loop costs in the guest kernel, as modelled: with -M the chunk
 * comes from glibc's heap, and free() trims the heap top back to the kernel
 * (madvise(MADV_DONTNEED): the chunk exceeds the 128 KiB trim threshold), so
 * every loop
 *   - faults in `faults` fresh pages while the copy touches them (minor
 *     anonymous faults, `fault_ns` of kernel CPU each besides the locks);
 *     the page allocator refills its per-CPU list every `pcp_batch` pages
 *     under the zone lock (rmqueue_bulk), and the new pages reach the LRU
 *     every `pagevec` pages under the LRU lock (__pagevec_lru_add);
 *   - frees the chunk: zap_page_range (`zap_ns`), then a TLB shootdown to the
 *     other vCPUs running the process (flush_tlb_mm_range: a synchronous IPI,
 *     models/ipi.h), then the pages go back: release_pages under the LRU lock
 *     every `pagevec` pages and free_pcppages_bulk under the zone lock every
 *     `pcp_batch` pages.
 * The zone and LRU locks are VM-wide kernel spinlocks of the VM's lock
 * algorithm (one zone, one node: the guest sees no NUMA topology). Not
 * modelled: mmap_sem (taken for read only by faults and MADV_DONTNEED: no
 * waiting), the page-table lock (split per page-table page: per thread),
 * hyper-threading. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "models/guest.h"
#include "models/workloads/wl.h"
#include "sim/dist.h"

typedef struct ez_params {
    double threads_per_vcpu; /* ebizzy -t = round(this x vCPUs) */
    int faults;              /* pages faulted in and freed per loop */
    int pcp_batch;           /* pages per zone-lock section */
    int pagevec;             /* pages per LRU-lock section */
    int64_t fault_ns;        /* kernel CPU per fault outside the locks */
    int64_t zap_ns;          /* madvise: zap_page_range of the chunk */
    int64_t ipi_handler_ns;  /* TLB flush handler on each target */
    int pv_tlb_flush;        /* guest uses KVM's PV TLB flush */
    int pv_sched_yield;      /* guest yields to a preempted IPI target */
    dist user;               /* user CPU per loop: the copy and the search */
    dist zone_hold;          /* zone->lock hold per section */
    dist lru_hold;           /* LRU lock hold per section */
} ez_params;
VP_FITS(ez_params);

static const vparam ez_params_tab[] = {
    {.key = "threads_per_vcpu", .type = VP_NUM, .def = 2, .lo = 0.01, .hi = 64, .unit = "",
     .doc = "threads = round(this x vCPUs): ebizzy's default -t is 2 x online CPUs [src: ebizzy.c read_options and usage]",
     .off = offsetof(ez_params, threads_per_vcpu)},
    {.key = "faults", .type = VP_INTV, .def = 128, .lo = 1, .hi = 1e6, .unit = "pages",
     .doc = "pages faulted in and freed per loop: the 512 KiB default chunk (64 Ki records of 8 bytes) / 4 KiB [src: ebizzy.c]",
     .off = offsetof(ez_params, faults)},
    {.key = "pcp_batch", .type = VP_INTV, .def = 31, .lo = 1, .hi = 1e6, .unit = "pages",
     .doc = "per-CPU page list batch, one zone-lock section per batch (zone_batchsize: 31 on a large zone) [src: mm/page_alloc.c]",
     .off = offsetof(ez_params, pcp_batch)},
    {.key = "pagevec", .type = VP_INTV, .def = 15, .lo = 1, .hi = 1e6, .unit = "pages",
     .doc = "pages per LRU-lock section (PAGEVEC_SIZE 15) [src: include/linux/pagevec.h]",
     .off = offsetof(ez_params, pagevec)},
    {.key = "fault_ns", .type = VP_INT, .def = 1500, .lo = 0, .hi = 1e9, .unit = "ns",
     .doc = "kernel CPU of one minor anonymous fault besides the locks: exception, handle_mm_fault, clearing the 4 KiB page [est]",
     .off = offsetof(ez_params, fault_ns)},
    {.key = "zap_ns", .type = VP_INT, .def = 10000, .lo = 0, .hi = 1e9, .unit = "ns",
     .doc = "madvise(MADV_DONTNEED) of the chunk: zap_page_range over its PTEs, about 80 ns a page [est]",
     .off = offsetof(ez_params, zap_ns)},
    {.key = "ipi_handler_ns", .type = VP_INT, .def = 1000, .lo = 0, .hi = 1e9, .unit = "ns",
     .doc = "TLB flush handler (flush_tlb_func) on each target, with interrupt entry and exit [est]",
     .off = offsetof(ez_params, ipi_handler_ns)},
    {.key = "pv_tlb_flush", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "guest uses KVM's PV TLB flush (kvm_flush_tlb_others, Linux 4.16+): preempted targets are skipped; "
            "off by default: QEMU does not expose kvm-pv-tlb-flush unless asked [est]",
     .off = offsetof(ez_params, pv_tlb_flush)},
    {.key = "pv_sched_yield", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "the IPI sender yields to a preempted target (KVM_HC_SCHED_YIELD, Linux 5.2+: L2's patch); off before 5.2",
     .off = offsetof(ez_params, pv_sched_yield)},
    {.key = "user", .type = VP_DIST, .def = 60000, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "user CPU per loop: copying 512 KiB at about 10 GB/s and the binary search [est] (default lognormal, cv 0.3)",
     .off = offsetof(ez_params, user), .def_cv = 0.3},
    {.key = "zone_hold", .type = VP_DIST, .def = 3100, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "zone->lock hold of one batch: 31 pages at about 100 ns [est] (default lognormal, cv 0.5)",
     .off = offsetof(ez_params, zone_hold), .def_cv = 0.5},
    {.key = "lru_hold", .type = VP_DIST, .def = 1200, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "LRU lock hold of one pagevec: 15 pages at about 80 ns [est] (default lognormal, cv 0.5)",
     .off = offsetof(ez_params, lru_hold), .def_cv = 0.5},
};

#define EZ(v) VP_OF(ez_params, &(v)->cfg.wl.par)

/* Sections of each half of a loop (faulting in, freeing). */
static int ez_zone_n(const ez_params *p) { return (p->faults + p->pcp_batch - 1) / p->pcp_batch; }
static int ez_lru_n(const ez_params *p) { return (p->faults + p->pagevec - 1) / p->pagevec; }

enum { EZ_ZONE, EZ_LRU };
enum { P_CPU, P_LOCK, P_HOLD, P_UNLOCK, P_ZAP, P_IPI };

/* Lock of section k of a half: the zone sections spread evenly among the
 * LRU ones. */
static int ez_section_lock(const ez_params *p, int k)
{
    int nz = ez_zone_n(p), n = nz + ez_lru_n(p);
    return (int)(((int64_t)(k + 1) * nz) / n) > (int)(((int64_t)k * nz) / n) ? EZ_ZONE : EZ_LRU;
}

static void ebizzy_start(world *w, vm *v)
{
    const ez_params *p = EZ(v);
    /* Both taken with interrupts disabled [src]: zone->lock inside local_irq_save
     * (rmqueue_bulk from buffered_rmqueue, free_pcppages_bulk from
     * free_hot_cold_page, mm/page_alloc.c), the LRU lock by spin_lock_irqsave
     * (pagevec_lru_move_fn, release_pages, mm/swap.c). */
    guest_lock_irqs_off(guest_lock_new(w, v, "zone", 1), 1);
    guest_lock_irqs_off(guest_lock_new(w, v, "lru", 1), 1);
    guest_ipi_init(w, v);
    int n = (int)lround(p->threads_per_vcpu * v->nvcpus);
    if (n < 1)
        n = 1;
    for (int i = 0; i < n; i++) {
        task *t = task_new(w, v);
        t->phase = P_CPU;
        t->wl_count = 0; /* section index in the loop, 0 .. 2n - 1 */
        t->vc = &v->vcpus[i % v->nvcpus];
        guest_wake_task(w, t);
    }
}

static void ebizzy_step(world *w, task *t)
{
    vm *v = t->vm;
    const ez_params *p = EZ(v);
    int half = ez_zone_n(p) + ez_lru_n(p); /* sections in each half */
    int k = t->wl_count;
    switch (t->phase) {
    case P_CPU: { /* faulting half: the faults before section k (kernel mode), and the copy and search (user mode) */
        t->phase = P_LOCK;
        if (k < half) {
            sim_time cpu = (sim_time)p->faults * p->fault_ns / half;
            task_compute_mode(w, t, k == 0 ? dist_sample(&p->user, t->rng) : 0, cpu);
        }
        break;
    }
    case P_LOCK:
        t->phase = P_HOLD;
        t->wl_lock = ez_section_lock(p, k % half);
        task_lock(w, t, v->locks[t->wl_lock]);
        break;
    case P_HOLD:
        t->phase = P_UNLOCK;
        task_compute(w, t, dist_sample(t->wl_lock == EZ_ZONE ? &p->zone_hold : &p->lru_hold, t->rng));
        break;
    case P_UNLOCK:
        task_unlock(w, t, v->locks[t->wl_lock]);
        t->wl_count = ++k;
        if (k == half) {
            t->phase = P_ZAP;
        } else if (k == 2 * half) {
            t->wl_count = 0;
            t->phase = P_CPU;
            if (world_measuring(w))
                v->ops++; /* one record */
        } else {
            t->phase = P_CPU;
        }
        break;
    case P_ZAP:
        t->phase = P_IPI;
        task_compute_mode(w, t, 0, p->zap_ns); /* madvise(MADV_DONTNEED): kernel mode */
        break;
    case P_IPI: {
        t->phase = P_LOCK;
        ipi_opts o = {.pv_tlb_flush = p->pv_tlb_flush, .pv_sched_yield = p->pv_sched_yield,
                      .handler_ns = p->ipi_handler_ns};
        task_ipi_many(w, t, &o);
        break;
    }
    }
}

static const wl_ops wl_ebizzy_ops = {
    .start = ebizzy_start,
    .step = ebizzy_step,
};

const variant wl_ebizzy_variant = {
    .name = "ebizzy",
    .summary = "ebizzy -M: threads copy and search malloc'ed chunks; page faults, zone and LRU locks, a TLB shootdown per loop",
    .ops = &wl_ebizzy_ops,
    .params = ez_params_tab,
    .nparams = (int)(sizeof ez_params_tab / sizeof ez_params_tab[0]),
    .size = sizeof(ez_params),
};
