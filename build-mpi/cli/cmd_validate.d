build-mpi/cli/cmd_validate.o: cli/cmd_validate.c analysis/sweep.h \
 sim/err.h analysis/validate.h analysis/csv.h analysis/usl.h cli/cmds.h \
 sim/mem.h
analysis/sweep.h:
sim/err.h:
analysis/validate.h:
analysis/csv.h:
analysis/usl.h:
cli/cmds.h:
sim/mem.h:
