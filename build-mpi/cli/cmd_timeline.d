build-mpi/cli/cmd_timeline.o: cli/cmd_timeline.c cli/cmds.h sim/fsutil.h \
 sim/err.h sim/mem.h
cli/cmds.h:
sim/fsutil.h:
sim/err.h:
sim/mem.h:
