build-mpi/models/topo.o: models/topo.c models/topo.h models/config.h \
 sim/dist.h sim/evq.h models/world.h sim/stats.h sim/mem.h
models/topo.h:
models/config.h:
sim/dist.h:
sim/evq.h:
models/world.h:
sim/stats.h:
sim/mem.h:
