build-mpi/analysis/csv.o: analysis/csv.c analysis/csv.h sim/err.h \
 sim/mem.h
analysis/csv.h:
sim/err.h:
sim/mem.h:
