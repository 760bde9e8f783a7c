build-mpi/sim/fsutil.o: sim/fsutil.c sim/fsutil.h sim/err.h
sim/fsutil.h:
sim/err.h:
