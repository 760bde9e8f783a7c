build-mpi/models/locks/oticket.o: models/locks/oticket.c \
 models/locks/lock.h models/world.h models/config.h sim/dist.h sim/evq.h \
 sim/stats.h models/vcpu.h
models/locks/lock.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
models/vcpu.h:
