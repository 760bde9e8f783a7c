build-mpi/models/workloads/wl.o: models/workloads/wl.c \
 models/workloads/wl.h models/world.h models/config.h sim/dist.h \
 sim/evq.h sim/stats.h
models/workloads/wl.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
