/* cmds.h - the subcommands of the vmsim CLI. Each takes the arguments after
 * the subcommand name (argv[0] is the subcommand) and returns the process
 * exit code: 0 success, 2 bad input or usage, 1 internal error. Each also
 * exports its --help text (CMD_usage) and its option table (CMD_opts,
 * cli/args.h), from which `vmsim help`, the man page and the bash
 * completion are made (cli/help.c). */
#ifndef VMSIM_CMDS_H
#define VMSIM_CMDS_H

#include <stdio.h>

#include "cli/args.h"

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_validate(int, char **);
int cmd_sensitivity(int, char **);
int cmd_calibrate(int, char **);
int cmd_measure(int argc, char **argv);

extern const char run_usage[], check_usage[], bench_usage[], fit_usage[], sweep_usage[],
    merge_usage[], plot_usage[], timeline_usage[], validate_usage[], sens_usage[],
    calib_usage[], measure_usage[];
/* measure's --help: measure_usage and the list of locks. */
void measure_help(FILE *f);
extern const args_opt run_options[], check_options[], bench_options[], fit_options[], sweep_options[],
    merge_options[], plot_options[], timeline_options[], validate_options[], sens_options[], calib_options[],
    measure_options[];

#endif
