/*
 * console.c: output.console. The documents (without @metadata) go to
 * stdout, one a line, or indented with `pretty: true`; an event counts as
 * delivered once written. The acks then go to the --acks file only.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonx.h"
#include "log.h"
#include "ship.h"

struct console {
	int pretty;
	struct buf out;
	struct buf doc;
};

static int
con_room(struct ship *s)
{
	return 1;
}

static size_t
con_busy(struct ship *s)
{
	return 0;
}

static int
con_send(struct ship *s, struct batch *b, struct err *e)
{
	struct console *c = s->out.st;
	json_object *o;
	const char *why;
	size_t i;
	int r = 0;

	buf_reset(&c->out);
	for (i = 0; i < b->n && r == 0; i++) {
		if (!c->pretty) {
			r |= ev_doc(b, &b->ev[i], &c->out);
		} else {
			buf_reset(&c->doc);
			r |= ev_doc(b, &b->ev[i], &c->doc);
			if ((o = jsonx_parse(c->doc.p, c->doc.len, &why)) == NULL) {
				r |= buf_add(&c->out, c->doc.p, c->doc.len);
			} else {
				r |= buf_adds(&c->out, json_object_to_json_string_ext(o,
				    JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_SPACED |
				    JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(o);
			}
		}
		r |= buf_addc(&c->out, '\n');
	}
	if (r) {
		ship_batch_free(s, b);
		return err_set(e, EXIT_RUNTIME, "console: out of memory");
	}
	if (cli_write(STDOUT_FILENO, c->out.p, c->out.len) == -1) {
		char msg[160];

		if (errno == EPIPE)
			exit(0);	/* the reader went away */
		/* a full disk may empty: again after a backoff */
		snprintf(msg, sizeof(msg), "write stdout: %s", strerror(errno));
		ship_retry_batch(s, b, 0, msg);
		return 0;
	}
	s->c.batches++;
	s->c.bytes += c->out.len;
	for (i = 0; i < b->n; i++)
		ship_accept(s, b, i, 0);
	ship_batch_free(s, b);
	return 0;
}

/* Nothing in flight: waits for input only. */
int
ship_wait_input(struct ship *s, long timeout_ms, int fd, int *ready)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int n;

	*ready = 0;
	n = poll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0,
	    timeout_ms > 0 ? (int)timeout_ms : 0);
	if (n > 0 && pfd.revents)
		*ready = 1;
	return 0;
}

static int
con_wait(struct ship *s, long timeout_ms, int fd, int *ready, struct err *e)
{
	return ship_wait_input(s, timeout_ms, fd, ready);
}

static int
con_close(struct ship *s, struct err *e)
{
	struct console *c = s->out.st;

	buf_free(&c->out);
	buf_free(&c->doc);
	free(c);
	s->out.st = NULL;
	return 0;
}

/* stdout keeps the order of the input */
static const struct output con_output = {
	"output.console", NULL, 1, con_room, con_send, con_wait,
	con_busy, con_close
};

int
console_open(struct ship *s, struct err *e)
{
	struct console *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	s->out = con_output;
	s->out.st = c;
	if (ship_common_opts(s, "output.console", e) == -1 ||
	    cfg_get_bool(s->cfg, "output.console.pretty", &c->pretty, e) == -1)
		return -1;
	return 0;
}
