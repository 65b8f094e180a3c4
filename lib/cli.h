/*
 * cli: what every program does the same way. The common options
 * (-c FILE, -E key=value, -d SELECTORS, -e, -v, -q, -h, -V), the config
 * they select, the usage message, the AWS settings of the config, and
 * writing to a stdout that may be a closed pipe.
 */
#ifndef CWL_CLI_H
#define CWL_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>

#include "aws.h"
#include "buf.h"
#include "config.h"
#include "err.h"

struct cli {
	const char *prog;
	const char *synopsis;	/* the SYNOPSIS lines of the man page */
	const char *help;	/* the option list printed by --help */
	const char *config_path;
	const char **overrides;	/* -E values, in order */
	size_t noverrides;
	int verbose;		/* -v given, how many times */
	int level_set;		/* -v, -q or -d given: logging.level is not used */
	const char *config_value;	/* --config-value KEY: print it, exit */
	const char *config_ms;		/* --config-ms KEY: the duration in ms */
	int show_secrets;		/* --show-secrets: print them as they are */
	int check_config;		/* --check-config: validate, exit */
	struct cfg *cfg;	/* after cli_load; owned by the cli */
};

enum {
	CLI_OPT_CONFIG_VALUE = 0x1000, CLI_OPT_CHECK_CONFIG, CLI_OPT_SHOW_SECRETS,
	CLI_OPT_CONFIG_MS
};

/* Short and long options shared by every program; append yours. */
#define CLI_SHORTOPTS "c:E:d:evqhV"
#define CLI_LONGOPTS \
	{ "config", required_argument, NULL, 'c' }, \
	{ "define", required_argument, NULL, 'E' }, \
	{ "debug", required_argument, NULL, 'd' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ "config-value", required_argument, NULL, CLI_OPT_CONFIG_VALUE }, \
	{ "check-config", no_argument, NULL, CLI_OPT_CHECK_CONFIG }, \
	{ "show-secrets", no_argument, NULL, CLI_OPT_SHOW_SECRETS }, \
	{ "config-ms", required_argument, NULL, CLI_OPT_CONFIG_MS }

/* Sets up logging and signals (SIGPIPE ignored so that a closed stdout
 * shows as EPIPE). */
void cli_init(struct cli *cli, const char *prog, const char *synopsis,
    const char *help);
/* Handles a common option (getopt's return value and optarg). Returns 1
 * if it was one, 0 if not. -h and -V print and exit 0; '?' prints the
 * usage and exits 2. */
int cli_option(struct cli *cli, int opt, const char *arg);
/* getopt_long for the programs: returns as it does, but a bad option
 * ends the program through cli_usage, its argument cleaned for the
 * terminal (getopt would echo it as it is). */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
    const struct option *longopts);
/* Prints "PROG: error: why" (as log_error, cleaned for the terminal), the
 * synopsis and a hint, and exits 2. */
void cli_usage(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Loads the config file (if -c was given, or $CWL_CONFIG), applies the
 * -E overrides, validates, and sets the log level from logging.level
 * (and logging.selectors) unless -v, -q or -d was given. Returns 0 or -1
 * with e (EXIT_USAGE).
 * With --config-value KEY it prints the key's value (a scalar as text, a
 * list one item a line, a map as JSON; the schema's default if unset,
 * nothing if it has none) and exits 0: a secret key's as "[REDACTED]",
 * and secrets inside a value redacted, unless --show-secrets was given.
 * With --config-ms KEY it prints the duration at KEY in milliseconds
 * (the same default, or nothing) and exits 0. */
int cli_load(struct cli *cli, struct err *e);
/* With --check-config, exits 0. A program calls it once it has read and
 * checked every setting it uses, with the code its run uses, and before
 * it does anything: so --check-config refuses what the run refuses. */
void cli_checked(struct cli *cli);
/* Prints the error as "PROG: error: ..." and exits with its code. */
void cli_die(const struct err *e) __attribute__((noreturn));
/* The first failure of a program that stops at it rather than die where
 * it happens (the request loops of cwl-tail and cwl-kinesis finish what
 * is in hand first). */
struct cli_fail {
	int code;		/* the exit code of the first failure; 0: none */
	struct err err;		/* its message */
	int *stop;		/* set to 1 by every failure: the loop's flag */
};
/* Keeps the first failure in f, with its code (EXIT_RUNTIME for 0) and
 * message; a later one only sets *f->stop again. */
void cli_fail(struct cli_fail *f, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills an aws_opts from the config: cloudwatchlogsbeat.aws_region (or
 * region), access_key_id, secret_access_key, session_token,
 * credential_profile_name, shared_credential_file, role_arn, endpoint,
 * proxy_url, and the retry settings. Strings are owned by cli->cfg. */
int cli_aws_opts(struct cli *cli, struct aws_opts *o, struct err *e);
/* Frees the config and what the cli holds. */
void cli_free(struct cli *cli);
/* Sets *i and *n from "I/N": arg (--shard), or else the config's
 * cloudwatchlogsbeat.shard; *n = 0 when neither is given. A bad value
 * ends the program with 2, naming --shard or the key. */
void cli_shard(struct cli *cli, const char *arg, unsigned *i, unsigned *n);
/* The request budget KEY of the config (requests a second; the schema's
 * default when it is not set) for one of shard_n instances (--shard I/N; 0: none): the
 * budgets are an account's and Region's, so each instance takes its
 * share, unless request_budget.per_shard makes them each instance's own.
 * A negative rate is a usage error: exits 2 naming the file and line. */
double cli_budget(struct cli *cli, const char *key, unsigned shard_n);

/* Writes all of p[0..n) to fd, over short writes and EINTR. Returns 0, or
 * -1 with errno (EPIPE: the reader went away, which ends a program
 * quietly with exit 0). */
int cli_write(int fd, const void *p, size_t n);
/* Replaces the file at path with p[0..n): written beside it as
 * "path.tmp", then renamed over it, so that a reader sees the old file
 * or the new one, whole. Returns 0, or -1 with e (EXIT_RUNTIME). */
int cli_replace_file(const char *path, const char *p, size_t n,
    struct err *e);
/* Appends a report file's name field: s without tab, newline, CR or
 * backslash (as \t, \n, \r, \\), so that a line splits on tabs. */
int cli_stats_name(struct buf *b, const char *s, size_t n);
/* Replaces the --stats file at path with b (cli_replace_file), unless
 * bad says b could not be built; frees b either way. Returns 0, or -1
 * with e ("--stats PATH: out of memory", or "--stats: " and why). */
int cli_stats_write(const char *path, struct buf *b, int bad,
    struct err *e);
/* Appends a report file's counters of one AWS operation:
 * "\trequests.OP=N\tthrottles.OP=N\tretries.OP=N". Returns 0 or -1 (out
 * of memory). */
int cli_stats_api(struct buf *b, const char *op, uint64_t requests,
    uint64_t throttles, uint64_t retries);

/* Writes the buffer to stdout and empties it; on EPIPE exits 0 quietly,
 * on another error exits 1 with a message. */
void cli_flush_stdout(struct buf *b);

/* Set by the signal handlers that cli_signals installs. */
extern volatile sig_atomic_t cli_stop;		/* SIGTERM, SIGINT */
extern volatile sig_atomic_t cli_report;	/* SIGUSR1 */
extern volatile sig_atomic_t cli_hup;		/* SIGHUP */
/* Installs handlers that set the flags above (no SA_RESTART, so blocking
 * reads return EINTR). */
void cli_signals(void);

/* Returns "PROG VERSION (libcurl X, OpenSSL Y, json-c Z, libyaml W)",
 * static storage. */
const char *cli_version(const char *prog);

#endif
