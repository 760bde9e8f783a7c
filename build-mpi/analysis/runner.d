build-mpi/analysis/runner.o: analysis/runner.c analysis/runner.h \
 sim/err.h analysis/report.h models/world.h models/config.h sim/dist.h \
 sim/evq.h sim/stats.h config/scenario.h models/run.h models/tracer.h
analysis/runner.h:
sim/err.h:
analysis/report.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
config/scenario.h:
models/run.h:
models/tracer.h:
