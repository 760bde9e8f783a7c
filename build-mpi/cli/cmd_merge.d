build-mpi/cli/cmd_merge.o: cli/cmd_merge.c analysis/sweep.h sim/err.h \
 cli/cmds.h sim/mem.h
analysis/sweep.h:
sim/err.h:
cli/cmds.h:
sim/mem.h:
