/* buf: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef CWL_BUF_H
#define CWL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;	/* data, NUL-terminated when cap > 0; owned by the buf */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Ensures room for n more bytes (plus the NUL). Returns 0, or -1 on ENOMEM. */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes. Returns 0 or -1. */
int buf_add(struct buf *b, const void *p, size_t n);
/* Appends a C string. Returns 0 or -1. */
int buf_adds(struct buf *b, const char *s);
/* Appends one byte. Returns 0 or -1. */
int buf_addc(struct buf *b, char c);
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
