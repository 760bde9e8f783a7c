/* cmd_validate.h - the command line shared by `vmsim validate` and
 * `vmsim sensitivity` (cli/cmd_validate.c, cli/cmd_sensitivity.c). */
#ifndef VMSIM_CMD_VALIDATE_H
#define VMSIM_CMD_VALIDATE_H

#include "analysis/validate.h"
#include "sim/err.h"

#define VALIDATE_MAX_SETS 256

typedef struct validate_args {
    const char *file;                   /* the scenario */
    const char *measured;               /* --measured */
    const char *dir;                    /* -o */
    const char *metric;                 /* --metric or NULL */
    const char *sweep;                  /* --sweep DIR or NULL */
    const char *xcol;                   /* --x or NULL */
    const char *param;                  /* sensitivity: --param */
    const char *values;                 /* sensitivity: --values */
    int nseeds;                         /* --seeds */
    int seeds_given;                    /* --seeds was given */
    int jobs;                           /* -j */
    val_norm norm;                      /* --normalize */
    const char *norm_ref;               /* --normalize curve:GROUP: GROUP (in argv) */
    int plot;                           /* 1 --plot, -1 --no-plot, 0 default */
    int quiet;                          /* -q */
    int help;                           /* --help */
    char *sets[VALIDATE_MAX_SETS];      /* --set (borrowed from argv) */
    int nsets;                          /* number of --set */
} validate_args;

/* Parses the arguments after the command name (argv[0]); sensitivity = 1
 * takes --param and --values instead of --sweep, --plot and --no-plot.
 * Returns 0 (a->help set for --help) or -1 with err filled. */
int validate_parse(int argc, char **argv, int sensitivity, validate_args *a, vs_err *err);

#endif
