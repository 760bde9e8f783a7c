/* fuzz_buildlog.c - libFuzzer harness for the build-log parsers behind the
 * replay workload (config/buildlog.h).
 *
 * Input: the first byte picks the format (even: ninja log, odd: jobs CSV),
 * the rest is the log text, parsed from memory by blog_parse. A graph that
 * parses is checked against buildlog.h's invariants (job count, ids,
 * dependency indexes in range and not the job itself, successors the
 * reverse edges, non-negative times, critical path <= total CPU time);
 * an error must be a non-empty line without control characters.
 *
 * Build and run: `make fuzz` (docs/robustness.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/buildlog.h"

static void fz_fail(const char *what)
{
    fprintf(stderr, "fuzz_buildlog: %s\n", what);
    abort();
}

static void fz_check_graph(const blog_graph *g)
{
    if (g->njobs < 1 || g->njobs > BLOG_MAX_JOBS)
        fz_fail("job count outside [1, BLOG_MAX_JOBS]");
    long long edges = 0, succs = 0;
    double total = 0;
    for (int i = 0; i < g->njobs; i++) {
        const blog_job *j = &g->jobs[i];
        if (!j->id || !j->id[0])
            fz_fail("a job without an id");
        if (j->cpu_ns < 0)
            fz_fail("a negative CPU time");
        total += (double)j->cpu_ns;
        for (int k = 0; k < j->ndeps; k++) {
            int d = j->deps[k];
            if (d < 0 || d >= g->njobs || d == i)
                fz_fail("a dependency index out of range or on the job itself");
            for (int m = 0; m < k; m++)
                if (j->deps[m] == d)
                    fz_fail("a dependency listed twice");
            int back = 0; /* i must be among d's successors */
            for (int m = 0; m < g->jobs[d].nsucc; m++)
                back |= g->jobs[d].succ[m] == i;
            if (!back)
                fz_fail("succ[] is not the reverse of deps[]");
        }
        edges += j->ndeps;
        succs += j->nsucc;
    }
    if (edges != g->nedges || succs != g->nedges)
        fz_fail("nedges does not match the deps and succ lists");
    if (g->critical_ns > g->total_cpu_ns * (1 + 1e-9) + 1 || g->critical_ns < 0)
        fz_fail("critical path longer than the total CPU time");
    (void)total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    blog_format f = (data[0] & 1) ? BLOG_CSV : BLOG_NINJA;
    blog_graph *g = NULL;
    vs_err err = {0};
    if (blog_parse("fuzz.log", (const char *)data + 1, size - 1, f, &g, &err) == 0) {
        if (!g)
            fz_fail("success without a graph");
        fz_check_graph(g);
        blog_free(g);
    } else {
        size_t n = strlen(err.msg);
        if (g)
            fz_fail("failure left a graph");
        if (n == 0 || err.code != VS_EXIT_INPUT)
            fz_fail("an error without a message, or not a bad-input error");
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)err.msg[i] < 0x20 || err.msg[i] == 0x7f) {
                fprintf(stderr, "fuzz_buildlog: control character in \"%s\"\n", err.msg);
                abort();
            }
    }
    return 0;
}
