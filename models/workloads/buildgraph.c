#include "models/workloads/buildgraph.h"

#include <stdlib.h>

void blog_free(blog_graph *g)
{
    if (!g)
        return;
    free(g->jobs);
    free(g->pool);
    free(g->text);
    free(g);
}
