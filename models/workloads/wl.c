#include "models/workloads/wl.h"

#include <string.h>

extern const variant wl_lockloop_variant, wl_script_variant, wl_gmake_variant, wl_replay_variant,
    wl_ebizzy_variant;

/* The workloads vmsim knows; add a line to add one. */
vregistry wl_registry = {
    "workload",
    "type",
    {&wl_lockloop_variant, &wl_script_variant, &wl_gmake_variant, &wl_replay_variant, &wl_ebizzy_variant},
};

void wl_report(const vm *v, wl_metrics *m)
{
    memset(m, 0, sizeof *m);
    const wl_ops *ops = wl_of(v);
    if (ops->report)
        ops->report(v, m);
}
