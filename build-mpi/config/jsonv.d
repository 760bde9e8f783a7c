build-mpi/config/jsonv.o: config/jsonv.c config/jsonv.h sim/err.h
config/jsonv.h:
sim/err.h:
