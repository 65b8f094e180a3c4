/*
 * log: messages on stderr, one line each, as "PROG: LEVEL: text".
 * Errors read "PROG: error: what failed: why". The default level is
 * LOG_WARN: a program that is doing well says nothing. Info lines (what
 * the program is doing) come with -v; debug lines only for the selectors
 * given with -d (http, sigv4, aws, config, registry, ship, tail, list, or
 * "*"), and -d also raises the level to debug, as a beat's -d does. Every line passes through the redactor first: each
 * secret registered with log_secret() and the values of headers and keys
 * that carry secrets (Authorization, X-Amz-Security-Token, password,
 * api_key, secret_access_key, session_token, ...) and the passwords of
 * URLs ("https://user:PASSWORD@host") are replaced by "[REDACTED]", at
 * every level.
 */
#ifndef CWL_LOG_H
#define CWL_LOG_H

#include <stddef.h>

#include "buf.h"

enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Sets the program name used as the prefix. */
void log_init(const char *prog);
/* Returns the program name given to log_init. */
const char *log_prog(void);
/* Sets the level (LOG_*); the default is LOG_WARN. */
void log_set_level(int level);
/* Returns the level in force. */
int log_level(void);
/* Adds comma-separated debug selectors ("http,aws", "*") and sets LOG_DEBUG. */
void log_set_selectors(const char *selectors);
/* Returns 1 if debug lines for this selector would be printed. */
int log_enabled(const char *selector);
/* Registers a secret value (copied) that must never appear in a log line.
 * Values shorter than 4 bytes are ignored. */
void log_secret(const char *value);
/* Registers the password of a URL's user information
 * ("https://user:PASSWORD@host"), if it has one. */
void log_secret_url(const char *url);
/* Forgets (and wipes) every registered secret; for tests that register
 * many unrelated ones, such as the fuzz targets. */
void log_secrets_clear(void);
/* Returns a malloc'd copy of s with every secret replaced, owned by the
 * caller. Also used to clean text the programs write outside the log,
 * such as dead-letter reasons and HTTP error bodies. */
char *log_redact(const char *s);
/* Appends p[0..n) to b as text for a terminal: every control character
 * (C0 but tab, and line breaks when lines is set; DEL; C1, U+0080 to
 * U+009F in UTF-8) becomes '?', so that no escape sequence in a name or
 * a message reaches the terminal. Every line the programs write for
 * people goes through it, the log lines first. Returns 0 or -1. */
int log_printable(struct buf *b, const char *p, size_t n, int lines);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An info line the user asked for (a report on SIGUSR1): printed at every
 * level. */
void log_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *selector, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For programs only, the one place the library exits: prints "PROG:
 * error: out of memory" and exits with EXIT_RUNTIME (a restart may find
 * the memory). Never returns. */
void log_oom(void) __attribute__((noreturn));

#endif
