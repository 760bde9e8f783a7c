build-mpi/cli/cmd_plot.o: cli/cmd_plot.c analysis/csv.h sim/err.h \
 cli/cmds.h sim/fsutil.h sim/mem.h
analysis/csv.h:
sim/err.h:
cli/cmds.h:
sim/fsutil.h:
sim/mem.h:
