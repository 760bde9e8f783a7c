build-mpi/models/locks/tas.o: models/locks/tas.c models/locks/lock.h \
 models/world.h models/config.h sim/dist.h sim/evq.h sim/stats.h \
 models/vcpu.h
models/locks/lock.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
