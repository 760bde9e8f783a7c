build-mpi/models/workloads/replay.o: models/workloads/replay.c \
 models/workloads/replay.h models/world.h models/config.h sim/dist.h \
 sim/evq.h sim/stats.h config/buildlog.h sim/err.h models/guest.h \
 models/locks/lock.h models/workloads/wl.h sim/mem.h
models/workloads/replay.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
config/buildlog.h:
sim/err.h:
models/guest.h:
models/locks/lock.h:
models/workloads/wl.h:
sim/mem.h:
