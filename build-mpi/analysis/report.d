build-mpi/analysis/report.o: analysis/report.c analysis/report.h \
 models/world.h models/config.h sim/dist.h sim/evq.h sim/stats.h \
 models/host/hv.h models/locks/lock.h models/workloads/replay.h \
 models/workloads/wl.h
analysis/report.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/host/hv.h:
models/locks/lock.h:
models/workloads/replay.h:
models/workloads/wl.h:
