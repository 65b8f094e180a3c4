/*
 * err: how library functions report failure. A function that can fail
 * takes a struct err *, fills it in and returns -1 (or NULL); it never
 * prints and never exits. The program prints err_msg() and exits with
 * err->code, which is one of the exit codes of DESIGN.md.
 */
#ifndef CWL_ERR_H
#define CWL_ERR_H

enum {
	EXIT_DONE = 0,		/* done */
	EXIT_RUNTIME = 1,	/* a retry may cure it: network, throttling, 5xx */
	EXIT_USAGE = 2,		/* usage or configuration error */
	EXIT_REJECTED = 3,	/* finished, some input set aside */
	EXIT_AUTH = 4		/* authentication or permission refused */
};

struct err {
	int code;	/* EXIT_* above; 0 when no error was set */
	char *msg;	/* "what failed: why"; owned by the err */
};

#define ERR_INIT { 0, NULL }

/* Sets code and a printf-formatted message (replacing any earlier one). Returns -1. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the message with "what: " (e.g. the step that failed). Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the message, or "unknown error"; owned by e. */
const char *err_msg(const struct err *e);
/* Frees the message and clears the code. */
void err_clear(struct err *e);

#endif
