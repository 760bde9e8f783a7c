build-mpi/models/host/hv_pinned.o: models/host/hv_pinned.c \
 models/host/hv.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h models/vcpu.h
models/host/hv.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
