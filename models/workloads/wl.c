#include "models/workloads/wl.h"

extern const wl_ops wl_lockloop_ops, wl_script_ops, wl_gmake_ops, wl_replay_ops;

/* The workloads vmsim knows, indexed by wl_kind. */
const wl_ops *const wl_registry[WL_NKINDS] = {
    [WL_LOCKLOOP] = &wl_lockloop_ops,
    [WL_SCRIPT] = &wl_script_ops,
    [WL_GMAKE] = &wl_gmake_ops,
    [WL_REPLAY] = &wl_replay_ops,
};

const char *wl_kind_name(wl_kind k) { return (unsigned)k < WL_NKINDS ? wl_registry[k]->name : "?"; }
