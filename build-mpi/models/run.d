build-mpi/models/run.o: models/run.c models/run.h models/world.h \
 models/config.h sim/dist.h sim/evq.h sim/stats.h models/host/hv.h \
 models/locks/lock.h models/topo.h models/vcpu.h models/workloads/wl.h \
 sim/mem.h sim/rng.h
models/run.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/host/hv.h:
models/locks/lock.h:
models/topo.h:
models/vcpu.h:
models/workloads/wl.h:
sim/mem.h:
sim/rng.h:
