build-mpi/models/workloads/lockloop.o: models/workloads/lockloop.c \
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
