build-mpi/models/host/hv_credit.o: models/host/hv_credit.c \
 models/host/hv.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h models/vcpu.h sim/mem.h
models/host/hv.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
sim/mem.h:
