build-mpi/models/locks/registry.o: models/locks/registry.c \
 models/locks/lock.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h
models/locks/lock.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
