build-mpi/cli/cmd_fit.o: cli/cmd_fit.c analysis/csv.h sim/err.h \
 analysis/usl.h cli/cmds.h sim/mem.h
analysis/csv.h:
sim/err.h:
analysis/usl.h:
cli/cmds.h:
sim/mem.h:
