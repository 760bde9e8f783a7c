/* sec_hypervisor.c - the hypervisor section: the host scheduler by
 * "scheduler", its parameters from its table (models/host/hv_*.c), PLE
 * from the vCPU layer's table (models/vcpu.c), and `pin` for the schedulers
 * that declare it. */
#include "config/sections.h"

#include <stdio.h>
#include <string.h>

#include "config/params.h"
#include "models/host/hv.h"
#include "models/vcpu.h"

int sec_hypervisor(jv_obj *root, hv_cfg *c, int npcpus)
{
    jv_obj o;
    if (jv_child(root, "hypervisor", &o, NULL))
        return -1;
    const char *names[VREG_MAX];
    int n = vreg_count(&hv_registry);
    for (int i = 0; i < n; i++)
        names[i] = hv_registry.v[i]->name;
    int k;
    if (jv_enum(&o, "scheduler", 0, names, n, 0, &k))
        return -1;
    c->sched = hv_registry.v[k];
    memset(&c->par, 0, sizeof c->par);
    vp_ctx ctx = {.npcpus = npcpus, .nvcpus = 0};
    if (cfg_params(&o, c->sched, c->par.b) || cfg_check(&o, c->sched, c->par.b, &ctx))
        return -1;
    /* PLE: the vCPU layer's parameters, for every scheduler but bare metal */
    jv_obj p;
    json_t *ple = json_object_get(o.obj, "ple");
    if (((const hv_ops *)c->sched->ops)->native && ple)
        return err_input(o.err, "%s: %s.ple: pause-loop exiting applies to a hypervisor; scheduler \"%s\" "
                                "is bare metal (remove \"ple\")",
                         o.file, o.path, c->sched->name);
    if (jv_child(&o, "ple", &p, NULL) || cfg_params(&p, &vcpu_ple_variant, c) ||
        cfg_check(&p, &vcpu_ple_variant, c, &ctx) || jv_done(&p))
        return -1;
    /* KVM hypercall options: the vCPU layer's, for every scheduler but bare metal */
    json_t *kvm = json_object_get(o.obj, "kvm");
    if (((const hv_ops *)c->sched->ops)->native && kvm)
        return err_input(o.err, "%s: %s.kvm: KVM options apply to a hypervisor; scheduler \"%s\" "
                                "is bare metal (remove \"kvm\")",
                         o.file, o.path, c->sched->name);
    if (jv_child(&o, "kvm", &p, NULL) || cfg_params(&p, &vcpu_kvm_variant, c) ||
        cfg_check(&p, &vcpu_kvm_variant, c, &ctx) || jv_done(&p))
        return -1;
    if (!variant_param(c->sched, "pin")) {
        c->npin = 0;
        c->pin_per_vm = 0;
        return cfg_foreign_keys(&o, &hv_registry, c->sched) || jv_done(&o) ? -1 : 0;
    }
    /* pin: [p0, p1, ...] for vCPU i of every VM, or [[...], [...]] per VM */
    json_t *pin = jv_get(&o, "pin");
    c->npin = 0;
    c->pin_per_vm = 0;
    if (pin) {
        if (!json_is_array(pin) || json_array_size(pin) < 1 || json_array_size(pin) > CFG_MAX_VCPUS)
            return jv_fail(&o, "pin", pin, "an array of pCPU indexes (one per vCPU) or one such array per VM");
        c->pin_per_vm = json_is_array(json_array_get(pin, 0));
        size_t nrows = c->pin_per_vm ? json_array_size(pin) : 1;
        for (size_t r = 0; r < nrows; r++) {
            json_t *row = c->pin_per_vm ? json_array_get(pin, r) : pin;
            char rp[64];
            snprintf(rp, sizeof rp, "pin[%zu]", r);
            if (!json_is_array(row) || json_array_size(row) < 1 || json_array_size(row) > CFG_MAX_VCPUS)
                return jv_fail(&o, c->pin_per_vm ? rp : "pin", row, "an array of pCPU indexes, one per vCPU");
            for (size_t i = 0; i < json_array_size(row); i++) {
                json_t *x = json_array_get(row, i);
                char pp[64], what[96];
                if (c->pin_per_vm)
                    snprintf(pp, sizeof pp, "pin[%zu][%zu]", r, i);
                else
                    snprintf(pp, sizeof pp, "pin[%zu]", i);
                snprintf(what, sizeof what, "a pCPU index in [0, %d]", npcpus - 1);
                if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) >= npcpus)
                    return jv_fail(&o, pp, x, what);
                if (c->npin >= (int)(sizeof c->pin / sizeof c->pin[0]))
                    return jv_fail(&o, "pin", pin, "at most 4096 entries");
                c->pin[c->npin++] = (int)json_integer_value(x);
            }
        }
    }
    return cfg_foreign_keys(&o, &hv_registry, c->sched) || jv_done(&o) ? -1 : 0;
}
