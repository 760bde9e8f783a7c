build-mpi/sim/dist.o: sim/dist.c sim/dist.h sim/evq.h sim/mem.h
sim/dist.h:
sim/evq.h:
sim/mem.h:
