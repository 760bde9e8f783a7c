/* args.h - the one command-line parser of every vmsim command.
 *
 * A command describes its options in a table of args_opt and pulls them one
 * at a time with args_next, in the order they were typed (argv is never
 * reordered, so a command line copied into a results file reads as typed).
 * Accepted forms, as GNU getopt_long accepts them:
 *
 *   --name VALUE, --name=VALUE     a long option with a value
 *   -xVALUE, -x VALUE              a short option with a value
 *   -qv                            bundled short flags (-qj2: -q, then -j 2)
 *   --help, -h                     built into every command (ARGS_HELP)
 *   --                             everything after it is an operand
 *   -                              an operand (stdin or stdout, by command)
 *
 * Long names are matched exactly (no abbreviations, so adding an option
 * never breaks a script); an unknown one gets a "did you mean" suggestion.
 *
 * Usage errors take one form for every command (args_usage_error): one
 * line, `vmsim CMD: MESSAGE; see 'vmsim CMD --help'`, exit status 2.
 *
 * Times on the command line (args_time): a number with a unit suffix ns,
 * us, ms or s ("2ms", "1.5s", "300us", "100ns"); a bare number keeps the
 * option's historical unit, given by the caller. */
#ifndef VMSIM_ARGS_H
#define VMSIM_ARGS_H

#include <stdio.h>

#include "sim/err.h"

/* What args_next returns besides an option's id. */
enum {
    ARGS_END = -1,  /* no more arguments */
    ARGS_HELP = -2, /* --help or -h */
    ARGS_ERR = -3,  /* a usage error, described in p->err */
    ARGS_POS = -4,  /* an operand, in p->val */
};

/* One option of a command. The table ends with an entry whose name and
 * shrt are both zero. */
typedef struct args_opt {
    const char *name; /* long name without "--", or NULL */
    char shrt;        /* short letter, or 0 */
    const char *arg;  /* the value's placeholder ("FILE", "N"), NULL for a flag */
    int id;           /* what args_next returns for it: > 0, distinct per table */
} args_opt;

/* The parser's state. Invariant: argv[i..argc) are not yet read; bundle,
 * when non-NULL, points at the unread letters of a short-option group. */
typedef struct args_parser {
    const char *cmd;       /* command name for messages ("run") */
    const args_opt *opts;  /* the option table */
    int argc;              /* number of arguments */
    char **argv;           /* argv[0] is the command name (never read) */
    int i;                 /* index of the next argument */
    const char *bundle;    /* rest of a short-option group, or NULL */
    int operands_only;     /* "--" was seen */
    const char *val;       /* the value (option) or the operand (ARGS_POS) */
    char opt[80];          /* the option as the user named it: "--seed", "-o" */
    char err[512];         /* the message of ARGS_ERR */
} args_parser;

/* Starts parsing argv[1..argc) (argv[0] is the command's name). Can't fail. */
void args_init(args_parser *p, const char *cmd, const args_opt *opts, int argc, char **argv);
/* The next option's id (its value in p->val, or NULL for a flag), ARGS_POS
 * (operand in p->val), ARGS_HELP, ARGS_ERR (message in p->err) or ARGS_END. */
int args_next(args_parser *p);

/* Prints `vmsim CMD: MESSAGE; see 'vmsim CMD --help'` on stderr and returns
 * 2, the exit status of a usage error. */
int args_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a time: a decimal number (no sign) with an optional unit suffix
 * ns, us, ms or s; a bare number is in units of bare_ns nanoseconds (1e9
 * for seconds). Stores nanoseconds in *ns. Returns 0, or -1 when s is not
 * such a time (*ns untouched). */
int args_time(const char *s, double bare_ns, double *ns);
/* A decimal integer in [lo, hi]: 0, or -1 (*out untouched). */
int args_int(const char *s, long long lo, long long hi, long long *out);
/* args_int for the int value s of option opt: 0, or -1 with the input error
 * "OPT S: expected an integer from LO to HI" in err (*out untouched). */
int args_int_opt(const char *opt, const char *s, int lo, int hi, int *out, vs_err *err);

/* For an operand "-" where a file is read: copies standard input to a
 * temporary file NAME ("stdin.json") that is removed at exit, and returns
 * its path (the same one on a second call). NULL with msg filled when the
 * copy fails. Files are read by path (and some twice), hence the copy. */
const char *args_stdin_path(const char *name, char *msg, size_t n);

/* v itself, or for "-" the copy of standard input (args_stdin_path). */
const char *args_input(const char *v, const char *name, char *msg, size_t n);

/* The edit distance of a and b, for "did you mean" hints (99 when either
 * is longer than 63 bytes). Can't fail. */
int args_distance(const char *a, const char *b);

/* The command table of `vmsim` (cli/main.c), read by `vmsim help`, the
 * man page and the bash completion generators (cli/help.c). */
typedef struct args_cmd {
    const char *name;       /* "run" */
    int (*fn)(int, char **); /* the command */
    const char *summary;    /* one line for `vmsim --help` */
    void (*help)(FILE *f);  /* prints the text of `vmsim CMD --help` */
    const args_opt *opts;   /* its options */
} args_cmd;

extern const args_cmd args_cmds[];
extern const int args_ncmds;

#endif
