build-chk/cli/cmd_run.o: cli/cmd_run.c analysis/runner.h sim/err.h \
 cli/cmds.h config/scenario.h models/config.h sim/dist.h sim/evq.h \
 sim/fsutil.h sim/mem.h
analysis/runner.h:
sim/err.h:
cli/cmds.h:
config/scenario.h:
models/config.h:
sim/dist.h:
sim/evq.h:
sim/fsutil.h:
sim/mem.h:
