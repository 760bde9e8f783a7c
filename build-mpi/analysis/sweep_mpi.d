build-mpi/analysis/sweep_mpi.o: analysis/sweep_mpi.c \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h \
 analysis/sweep.h sim/err.h analysis/sweep_int.h sim/mem.h
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h:
analysis/sweep.h:
sim/err.h:
analysis/sweep_int.h:
sim/mem.h:
