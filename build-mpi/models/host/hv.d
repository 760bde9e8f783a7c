build-mpi/models/host/hv.o: models/host/hv.c models/host/hv.h \
 models/world.h models/config.h sim/dist.h sim/evq.h sim/stats.h \
 models/vcpu.h
models/host/hv.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
