/* buf: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef CWL_BUF_H
#define CWL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *p;	/* data, NUL-terminated when cap > 0; owned by the buf */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Ensures room for n more bytes (plus the NUL). Returns 0, or -1 on ENOMEM. */
int buf_reserve(struct buf *b, size_t n);

/* The appends are inline: an event line is made of many small ones, and
 * the room is there for nearly all of them. */

/* Appends n bytes. Returns 0 or -1. */
static inline int
buf_add(struct buf *b, const void *p, size_t n)
{
	/* cap - len <= n: no room for n bytes and the NUL (and cap 0) */
	if (b->cap - b->len <= n && buf_reserve(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Appends a C string. Returns 0 or -1. */
static inline int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Appends one byte. Returns 0 or -1. */
static inline int
buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len <= 1 && buf_reserve(b, 1) == -1)
		return -1;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}
/* Appends printf-formatted text. Returns 0 or -1. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Removes the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Returns the data as a malloc'd string owned by the caller; b is emptied. */
char *buf_detach(struct buf *b);
/* Frees the memory; b is empty and reusable. */
void buf_free(struct buf *b);
/* Returns the contents as a C string ("" when empty); owned by b. */
const char *buf_str(const struct buf *b);

#endif
