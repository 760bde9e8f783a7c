build-mpi/config/buildlog.o: config/buildlog.c config/buildlog.h \
 sim/err.h sim/evq.h sim/mem.h
config/buildlog.h:
sim/err.h:
sim/evq.h:
sim/mem.h:
