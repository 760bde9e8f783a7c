/* sec_guest.c - the guest section: the kernel's spinlock (algorithm and
 * its parameters, from the algorithm's table in models/locks/) and the
 * guest scheduler's time slice. */
#include "config/sections.h"

#include <string.h>

#include "config/params.h"
#include "models/locks/lock.h"

int sec_lock(jv_obj *guest, lock_cfg *lc, int nvcpus, int npcpus)
{
    jv_obj o;
    if (jv_child(guest, "lock", &o, NULL))
        return -1;
    const char *names[VREG_MAX];
    int n = vreg_count(&lock_registry);
    for (int i = 0; i < n; i++)
        names[i] = lock_registry.v[i]->name;
    int k;
    if (jv_enum(&o, "algorithm", 0, names, n, 0, &k))
        return -1;
    lc->algo = lock_registry.v[k];
    memset(&lc->par, 0, sizeof lc->par);
    vp_ctx ctx = {.npcpus = npcpus, .nvcpus = nvcpus};
    if (cfg_params(&o, lc->algo, lc->par.b) || cfg_check(&o, lc->algo, lc->par.b, &ctx) ||
        cfg_foreign_keys(&o, &lock_registry, lc->algo))
        return -1;
    return jv_done(&o);
}
