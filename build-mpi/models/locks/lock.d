build-mpi/models/locks/lock.o: models/locks/lock.c models/locks/lock.h \
 models/world.h models/config.h sim/dist.h sim/evq.h sim/stats.h \
 models/guest.h models/observe.h models/topo.h models/vcpu.h sim/mem.h \
 sim/rng.h
models/locks/lock.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/guest.h:
models/observe.h:
models/topo.h:
models/vcpu.h:
sim/mem.h:
sim/rng.h:
