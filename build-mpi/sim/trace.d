build-mpi/sim/trace.o: sim/trace.c sim/trace.h sim/err.h sim/evq.h \
 sim/fsutil.h sim/mem.h
sim/trace.h:
sim/err.h:
sim/evq.h:
sim/fsutil.h:
sim/mem.h:
