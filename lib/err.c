#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(e->msg);
	e->msg = b.p;
	e->code = code ? code : EXIT_RUNTIME;
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_printf(&b, ": %s", err_msg(e));
	free(e->msg);
	e->msg = b.p;
	if (e->code == 0)
		e->code = EXIT_RUNTIME;
	return -1;
}

const char *
err_msg(const struct err *e)
{
	return e && e->msg ? e->msg : "unknown error";
}

void
err_clear(struct err *e)
{
	free(e->msg);
	e->msg = NULL;
	e->code = 0;
}
