/* vmsim - discrete-event simulator of VMs on manycore NUMA hosts.
 * This file only dispatches to the subcommands in cli/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli/cmds.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} cmds[] = {
    {"run", cmd_run, "run one scenario, write its results JSON"},
    {"check", cmd_check, "validate a scenario without running it"},
    {"bench", cmd_bench, "benchmarks of the engine (bench hold)"},
    {"fit", cmd_fit, "fit the Universal Scalability Law to a CSV series"},
    {"sweep", cmd_sweep, "run a scenario's sweep (axes x seeds) into a directory"},
    {"merge", cmd_merge, "join the output directories of one sweep (shards) into one"},
    {"plot", cmd_plot, "plot a sweep's summary.csv with gnuplot"},
    {"timeline", cmd_timeline, "draw a trace (run --trace) as a PNG/SVG timeline with gnuplot"},
    {"validate", cmd_validate, "compare a scenario's predictions with measured runs (CSV)"},
    {"sensitivity", cmd_sensitivity, "validation error (MAPE, RMSE, CI coverage) per parameter value"},
    {"calibrate", cmd_calibrate, "fit scenario parameters to measured runs, with held-out errors"},
    {"measure", cmd_measure, "a real lock benchmark on this machine, with its model for validate"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: vmsim COMMAND [ARGS...]\n\n"
               "vmsim simulates virtual machines on manycore NUMA hosts: vCPU scheduling,\n"
               "guest spinlocks and lock-holder preemption. Commands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\n'vmsim COMMAND --help' describes a command; docs/cli.md describes them all.\n"
               "Exit codes: 0 success, 2 bad input or usage, 1 internal error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("vmsim %s\n", VMSIM_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "vmsim: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
