build-mpi/models/locks/mcs.o: models/locks/mcs.c models/locks/lock.h \
 models/world.h models/config.h sim/dist.h sim/evq.h sim/stats.h \
 models/vcpu.h
models/locks/lock.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
