build-mpi/config/scenario.o: config/scenario.c config/scenario.h \
 models/config.h sim/dist.h sim/evq.h sim/err.h config/buildlog.h \
 config/jsonv.h models/host/hv.h models/world.h sim/stats.h \
 models/locks/lock.h models/workloads/wl.h sim/mem.h
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/err.h:
config/buildlog.h:
config/jsonv.h:
models/host/hv.h:
models/world.h:
sim/stats.h:
models/locks/lock.h:
models/workloads/wl.h:
sim/mem.h:
