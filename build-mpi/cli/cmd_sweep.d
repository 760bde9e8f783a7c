build-mpi/cli/cmd_sweep.o: cli/cmd_sweep.c analysis/sweep.h sim/err.h \
 cli/cmds.h config/scenario.h models/config.h sim/dist.h sim/evq.h \
 sim/mem.h
analysis/sweep.h:
sim/err.h:
cli/cmds.h:
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/mem.h:
