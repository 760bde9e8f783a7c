build-mpi/models/tracer.o: models/tracer.c models/tracer.h models/world.h \
 models/config.h sim/dist.h sim/evq.h sim/stats.h sim/err.h \
 models/locks/lock.h models/observe.h sim/mem.h sim/trace.h
models/tracer.h:
models/world.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/stats.h:
sim/err.h:
models/locks/lock.h:
models/observe.h:
sim/mem.h:
sim/trace.h:
