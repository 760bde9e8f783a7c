build-mpi/sim/mem.o: sim/mem.c sim/mem.h
sim/mem.h:
