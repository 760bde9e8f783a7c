build-mpi/cli/main.o: cli/main.c cli/cmds.h
cli/cmds.h:
