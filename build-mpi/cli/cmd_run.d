build-mpi/cli/cmd_run.o: cli/cmd_run.c analysis/runner.h sim/err.h \
 analysis/sweep.h cli/cmds.h config/scenario.h models/config.h sim/dist.h \
 sim/evq.h models/host/hv.h models/world.h sim/stats.h sim/fsutil.h \
 sim/mem.h
analysis/runner.h:
sim/err.h:
analysis/sweep.h:
cli/cmds.h:
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
models/host/hv.h:
models/world.h:
sim/stats.h:
sim/fsutil.h:
sim/mem.h:
