/* cmds.h - the subcommands of the vmsim CLI. Each takes the arguments after
 * the subcommand name (argv[0] is the subcommand) and returns the process
 * exit code: 0 success, 2 bad input or usage, 1 internal error. */
#ifndef VMSIM_CMDS_H
#define VMSIM_CMDS_H

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

#endif
