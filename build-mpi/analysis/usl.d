build-mpi/analysis/usl.o: analysis/usl.c analysis/usl.h sim/err.h \
 sim/mem.h
analysis/usl.h:
sim/err.h:
sim/mem.h:
