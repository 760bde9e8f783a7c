/* buildgraph.h - a recorded build as a job graph: the plain data the replay
 * workload (replay.c) runs. config/buildlog.c parses `.ninja_log` files and
 * jobs CSVs into it (formats and error rules: config/buildlog.h); the model
 * only reads it.
 *
 * Invariants of a blog_graph: 1 <= njobs; ids are distinct (CSV) and
 * non-empty; every deps[] entry is a job index other than the job's own, no
 * job lists a dependency twice, the dependencies form no cycle; succ[] are
 * exactly the reverse edges. */
#ifndef VMSIM_BUILDGRAPH_H
#define VMSIM_BUILDGRAPH_H

#include "sim/evq.h"

typedef enum blog_format { BLOG_NINJA, BLOG_CSV } blog_format;

typedef struct blog_job {
    const char *id;   /* output (ninja) or id (CSV); points into the graph's text */
    sim_time cpu_ns;  /* CPU time of the job, ns */
    int line;         /* line of the log that defined it */
    int ndeps;        /* jobs that must finish before it starts */
    const int *deps;  /* their indexes (into the graph's pool) */
    int nsucc;        /* jobs that depend on it */
    const int *succ;  /* their indexes */
} blog_job;

typedef struct blog_graph {
    blog_format format;   /* what it was read from */
    int njobs;            /* jobs, in log order */
    blog_job *jobs;       /* owned */
    int nedges;           /* dependencies over all jobs */
    double total_cpu_ns;  /* sum of cpu_ns (a double: 1e6 jobs of 1e9 ms overflow int64) */
    double critical_ns;   /* longest dependency chain of cpu_ns: the makespan with unlimited jobs */
    int *pool;            /* deps then succ of every job, owned */
    char *text;           /* the log's text, NUL-split; ids point here; owned */
} blog_graph;

/* Frees g and everything it owns; NULL is fine. Can't fail. */
void blog_free(blog_graph *g);

#endif
