/* cmd_merge.c - `vmsim merge OUT DIR... [--allow-missing] [--quiet]`: joins
 * the directories of one sweep (shards of a job array, or parts run on
 * several machines) into OUT and rebuilds its tables (experiment/merge.h,
 * docs/sweep.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/merge.h"
#include "cli/cmds.h"
#include "sim/err.h"
#include "sim/mem.h"

#define MERGE_MAX_DIRS 65536
#define MERGE_MAX_LISTED 64 /* missing points listed one by one, at most */

const char merge_usage[] =
    "usage: vmsim merge OUT DIR... [--allow-missing] [--quiet]\n"
    "\n"
    "Joins the output directories of one sweep - e.g. those of `vmsim sweep --shard I/N`\n"
    "- into OUT: checks that every DIR/sweep.json describes the same sweep, links (or\n"
    "copies) their point files into OUT/points, and rebuilds OUT/results.csv and\n"
    "OUT/summary.csv, equal to those of the whole sweep run in one place. OUT is\n"
    "created if missing; it may be one of the DIRs. See docs/sweep.md.\n"
    "\n"
    "  --allow-missing   exit 0 even when some points are in none of the DIRs\n"
    "  -q, --quiet       no summary line\n"
    "\n"
    "Exit status: 0 every point merged, 1 points missing (they are listed) or an I/O\n"
    "error, 2 bad usage, a directory without a sweep, or directories of different sweeps.\n";

enum { MERGE_ALLOW = 256 };

const args_opt merge_options[] = {
    {"allow-missing", 0, NULL, MERGE_ALLOW},
    {"quiet", 'q', NULL, 'q'},
    {0, 0, 0, 0},
};

/* Appends the missing points to buf as "3, 6-8, 20", at most
 * MERGE_MAX_LISTED items, then "... (K more)". */
static void merge_list(const merge_outcome *mo, char *buf, size_t n)
{
    size_t l = 0;
    int items = 0;
    buf[0] = 0;
    for (int64_t i = 0; i < mo->missing;) {
        int64_t j = i;
        while (j + 1 < mo->missing && mo->miss[j + 1] == mo->miss[j] + 1)
            j++;
        if (items == MERGE_MAX_LISTED) {
            snprintf(buf + l, n - l, ", ... (%lld more)", (long long)(mo->missing - i));
            return;
        }
        if (j == i)
            snprintf(buf + l, n - l, "%s%lld", items ? ", " : "", (long long)mo->miss[i]);
        else
            snprintf(buf + l, n - l, "%s%lld-%lld", items ? ", " : "", (long long)mo->miss[i],
                     (long long)mo->miss[j]);
        l = strlen(buf);
        items++;
        i = j + 1;
    }
}

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char **dirs = vs_xcalloc((size_t)argc, sizeof(char *));
    int ndirs = 0, allow = 0, quiet = 0, rc = VS_EXIT_INPUT;
    args_parser p;
    args_init(&p, "merge", merge_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        switch (id) {
        case ARGS_HELP:
            fputs(merge_usage, stdout);
            free(dirs);
            return 0;
        case ARGS_ERR: args_usage_error("merge", "%s", p.err); goto out;
        case MERGE_ALLOW: allow = 1; break;
        case 'q': quiet = 1; break;
        case ARGS_POS:
            if (!p.val[0]) {
                args_usage_error("merge", "empty directory name");
                goto out;
            }
            if (!out)
                out = p.val;
            else
                dirs[ndirs++] = p.val;
            break;
        }
    }
    if (!out || ndirs == 0 || ndirs > MERGE_MAX_DIRS) {
        args_usage_error("merge", "%s",
                         !out ? "missing OUT and DIR" : ndirs ? "too many directories" : "missing DIR");
        goto out;
    }
    merge_outcome mo;
    vs_err err = {0};
    if (merge_dirs(out, dirs, ndirs, &mo, &err)) {
        fprintf(stderr, "vmsim merge: %s\n", err.msg);
        rc = err.code ? err.code : VS_EXIT_INTERNAL;
        free(mo.miss);
        goto out;
    }
    if (!quiet)
        fprintf(stderr, "merge: %lld points: %lld merged from %d director%s, %lld already in %s, "
                        "%lld missing; wrote %s/results.csv and %s/summary.csv\n",
                (long long)mo.npoints, (long long)mo.copied, ndirs, ndirs == 1 ? "y" : "ies",
                (long long)mo.had, out, (long long)mo.missing, out, out);
    rc = 0;
    if (mo.missing) {
        char *list = vs_xmalloc(4096);
        merge_list(&mo, list, 4096);
        fprintf(stderr, "vmsim merge: %s%lld of %lld points are in none of the directories: %s; "
                        "run them with vmsim sweep SCENARIO -o %s --resume (the same scenario "
                        "and --set options)%s\n",
                allow ? "warning: " : "", (long long)mo.missing, (long long)mo.npoints, list, out,
                allow ? "" : ", or accept a partial merge with --allow-missing");
        free(list);
        rc = allow ? 0 : VS_EXIT_INTERNAL;
    }
    free(mo.miss);
out:
    free(dirs);
    return rc;
}
