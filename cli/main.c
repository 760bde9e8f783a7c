/* vmsim - discrete-event simulator of VMs on manycore NUMA hosts.
 * This file only dispatches to the subcommands (the table is in
 * cli/help.c, the commands in cli/cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/help.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        help_usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--version") || !strcmp(c, "version")) {
        printf("vmsim %s\n", VMSIM_VERSION);
        return 0;
    }
    if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
        help_usage(stdout);
        return 0;
    }
    if (!strcmp(c, "help"))
        return help_main(argc - 1, argv + 1);
    const args_cmd *cmd = help_find(c);
    if (cmd)
        return cmd->fn(argc - 1, argv + 1);
    const char *best = NULL;
    int bd = 3;
    for (int i = 0; i < args_ncmds; i++) {
        int d = args_distance(c, args_cmds[i].name);
        if (d > 2 && strlen(c) >= 2 && !strncmp(args_cmds[i].name, c, strlen(c)))
            d = 2;
        if (d < bd) {
            bd = d;
            best = args_cmds[i].name;
        }
    }
    if (best)
        fprintf(stderr, "vmsim: unknown command \"%s\" (did you mean \"%s\"?); see 'vmsim --help'\n",
                c, best);
    else
        fprintf(stderr, "vmsim: unknown command \"%s\"; see 'vmsim --help'\n", c);
    return 2;
}
