build-mpi/models/workloads/script.o: models/workloads/script.c \
 models/guest.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h models/locks/lock.h models/workloads/wl.h
models/guest.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/locks/lock.h:
models/workloads/wl.h:
