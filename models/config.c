#include "models/config.h"

#include <stdlib.h>

#include "models/workloads/buildgraph.h"

void wl_cfg_free(wl_cfg *wl)
{
    variant_free(wl->type, &wl->par);
    for (int k = 0; k < wl->nklocks; k++)
        dist_free(&wl->klocks[k].hold);
    wl->nklocks = 0;
    for (int i = 0; i < wl->ntasks; i++)
        free(wl->tasks[i].steps);
    free(wl->tasks);
    wl->tasks = NULL;
    wl->ntasks = 0;
    blog_free(wl->graph);
    wl->graph = NULL;
}

void scenario_free(scenario *sc)
{
    for (int i = 0; i < sc->nvms; i++)
        wl_cfg_free(&sc->vms[i].wl);
    free(sc->vms);
    sc->vms = NULL;
    sc->nvms = 0;
}
