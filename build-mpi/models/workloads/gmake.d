build-mpi/models/workloads/gmake.o: models/workloads/gmake.c \
 models/guest.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h models/locks/lock.h models/workloads/wl.h sim/mem.h \
 sim/rng.h
models/guest.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/locks/lock.h:
models/workloads/wl.h:
sim/mem.h:
sim/rng.h:
