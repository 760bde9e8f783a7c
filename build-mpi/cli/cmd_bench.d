build-mpi/cli/cmd_bench.o: cli/cmd_bench.c cli/cmds.h sim/evq.h sim/rng.h
cli/cmds.h:
sim/evq.h:
sim/rng.h:
