build-mpi/models/guest.o: models/guest.c models/guest.h models/world.h \
 models/config.h sim/dist.h sim/evq.h sim/stats.h models/locks/lock.h \
 models/observe.h models/vcpu.h models/workloads/wl.h sim/mem.h sim/rng.h
models/guest.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/locks/lock.h:
models/observe.h:
models/vcpu.h:
models/workloads/wl.h:
sim/mem.h:
sim/rng.h:
