build-mpi/analysis/validate.o: analysis/validate.c analysis/validate.h \
 analysis/csv.h sim/err.h analysis/sweep.h analysis/usl.h \
 analysis/runner.h config/scenario.h models/config.h sim/dist.h sim/evq.h \
 sim/fsutil.h sim/mem.h
analysis/validate.h:
analysis/csv.h:
sim/err.h:
analysis/sweep.h:
analysis/usl.h:
analysis/runner.h:
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/fsutil.h:
sim/mem.h:
