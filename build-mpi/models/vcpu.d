build-mpi/models/vcpu.o: models/vcpu.c models/vcpu.h models/world.h \
 models/config.h sim/dist.h sim/evq.h sim/stats.h models/guest.h \
 models/host/hv.h models/locks/lock.h models/observe.h models/topo.h
models/vcpu.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/guest.h:
models/host/hv.h:
models/locks/lock.h:
models/observe.h:
models/topo.h:
