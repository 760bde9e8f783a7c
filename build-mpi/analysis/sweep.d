build-mpi/analysis/sweep.o: analysis/sweep.c analysis/sweep.h sim/err.h \
 analysis/runner.h analysis/sweep_int.h config/jsonv.h config/scenario.h \
 models/config.h sim/dist.h sim/evq.h sim/fsutil.h sim/mem.h
analysis/sweep.h:
sim/err.h:
analysis/runner.h:
analysis/sweep_int.h:
config/jsonv.h:
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/fsutil.h:
sim/mem.h:
