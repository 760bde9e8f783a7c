/* help.h - `vmsim --help`, `vmsim help [COMMAND]`, and the man page and
 * bash completion made from the commands' --help texts and option tables
 * (cli/args.h: args_cmds). */
#ifndef VMSIM_HELP_H
#define VMSIM_HELP_H

#include <stdio.h>

/* The list of commands (`vmsim --help`). Can't fail. */
void help_usage(FILE *f);
/* `vmsim help [COMMAND | --man | --bash-completion]` (argv[0] is "help");
 * returns the exit status. */
int help_main(int argc, char **argv);
/* The command called name, or NULL. */
const struct args_cmd *help_find(const char *name);

#endif
