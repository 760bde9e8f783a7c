build-mpi/sim/evq.o: sim/evq.c sim/evq.h sim/mem.h
sim/evq.h:
sim/mem.h:
