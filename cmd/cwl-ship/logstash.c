/*
 * logstash.c: output.logstash, the beats protocol (lumberjack v2), over
 * TCP or TLS, with non-blocking sockets driven by the main loop.
 *
 * A batch is a window: a 'W' frame with the number of events, then one
 * 'J' frame per event (sequence numbers 1..N, the JSON document with
 * @metadata as Filebeat sends it: beat, type, version and _id), all in
 * one zlib 'C' frame when compression_level > 0. The server answers 'A'
 * frames carrying the highest sequence number it has processed in the
 * window; an 'A' with 0 (or with the last number again, older Logstash)
 * says it is still working and restarts the timeout. Up to `pipelining`
 * windows are in flight per connection, and their ACKs come in order.
 *
 * On a connection lost before its ACK, the unacknowledged events go again,
 * on whatever connection is up after a backoff, in the order they were
 * read; Logstash may then see some twice, which @metadata._id lets its
 * pipeline deduplicate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include "jsonx.h"
#include "log.h"
#include "parse.h"
#include "ship.h"
#include "timex.h"

enum { C_DOWN, C_CONNECTING, C_TLS, C_UP };

struct conn {
	int id;
	size_t host;
	int state;
	int fd;
	SSL *ssl;
	struct addrinfo *ai, *aip;	/* addresses, the one being tried */
	int fails;		/* in a row: the backoff */
	int64_t retry_at;	/* DOWN: connect again then */
	int64_t since;		/* UP since (ttl) */
	int64_t last_io;	/* the last sign of life while waiting */
	struct buf w;		/* bytes to write */
	size_t woff;
	int tls_want;		/* POLLIN or POLLOUT the TLS layer waits for */
	struct lj_win *wins, *wtail;
	size_t nwins;
	unsigned char r[6];
	size_t rlen;
};

struct lhost {
	char *name;
	char *port;
	char *label;		/* name:port */
};

struct ls {
	struct lhost *hosts;
	size_t nhosts;
	struct conn *conns;
	size_t nconns;
	int loadbalance;
	size_t pipelining;
	int level;
	int64_t timeout_ms, ttl_ms;
	SSL_CTX *ctx;
	int verify;
	const char *server_name;
	struct buf meta;	/* {"@metadata":{"beat":..,"type":..,"version":.. */
	struct buf frames, doc;
	z_stream z;
	int zready;
	size_t busy;		/* windows in flight */
	size_t rr;
};

/* --- frames ------------------------------------------------------------ */

static int
put32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	return buf_add(b, x, 4);
}

/* Appends the window of b to out. */
static int
encode(struct ls *ls, const struct batch *b, struct buf *out)
{
	const struct ev *ev;
	const char *d;
	size_t i, k, lenpos, body;
	uLong bound;
	int r = 0;

	buf_reset(&ls->frames);
	for (i = 0; i < b->n && r == 0; i++) {
		ev = &b->ev[i];
		buf_reset(&ls->doc);
		r |= ev_doc(b, ev, &ls->doc);
		r |= buf_adds(&ls->frames, "2J");
		r |= put32(&ls->frames, (uint32_t)(i + 1));
		lenpos = ls->frames.len;
		r |= put32(&ls->frames, 0);
		body = ls->frames.len;
		/* {"@metadata":{...,"_id":ID}, then the document's members */
		r |= buf_add(&ls->frames, ls->meta.p, ls->meta.len);
		if (ev->id_len) {
			r |= buf_adds(&ls->frames, ",\"_id\":");
			r |= buf_add(&ls->frames, EV_LINE(b, ev) + ev->id_off,
			    ev->id_len);
		}
		r |= buf_addc(&ls->frames, '}');
		d = ls->doc.p;
		for (k = 1; k < ls->doc.len && strchr(" \t\r\n", d[k]); k++)
			;
		if (k < ls->doc.len && d[k] != '}')
			r |= buf_addc(&ls->frames, ',');
		r |= buf_add(&ls->frames, d + k, ls->doc.len - k);
		if (r == 0) {
			uint32_t n = (uint32_t)(ls->frames.len - body);

			ls->frames.p[lenpos] = (char)(n >> 24);
			ls->frames.p[lenpos + 1] = (char)(n >> 16);
			ls->frames.p[lenpos + 2] = (char)(n >> 8);
			ls->frames.p[lenpos + 3] = (char)n;
		}
	}
	r |= buf_adds(out, "2W");
	r |= put32(out, (uint32_t)b->n);
	if (r)
		return -1;
	if (ls->level == 0)
		return buf_add(out, ls->frames.p, ls->frames.len);
	if (!ls->zready) {
		if (deflateInit(&ls->z, ls->level) != Z_OK)
			return -1;
		ls->zready = 1;
	} else if (deflateReset(&ls->z) != Z_OK) {
		return -1;
	}
	bound = deflateBound(&ls->z, (uLong)ls->frames.len);
	if (buf_adds(out, "2C") == -1 || put32(out, 0) == -1 ||
	    buf_reserve(out, bound) == -1)
		return -1;
	ls->z.next_in = (Bytef *)ls->frames.p;
	ls->z.avail_in = (uInt)ls->frames.len;
	ls->z.next_out = (Bytef *)out->p + out->len;
	ls->z.avail_out = (uInt)bound;
	if (deflate(&ls->z, Z_FINISH) != Z_STREAM_END)
		return -1;
	k = bound - ls->z.avail_out;
	out->p[out->len - 4] = (char)(k >> 24);
	out->p[out->len - 3] = (char)(k >> 16);
	out->p[out->len - 2] = (char)(k >> 8);
	out->p[out->len - 1] = (char)k;
	out->len += k;
	out->p[out->len] = '\0';
	return 0;
}

/* --- connections ------------------------------------------------------- */

static const char *
ssl_why(void)
{
	static char msg[256];
	unsigned long code = ERR_get_error();

	if (code == 0)
		return errno ? strerror(errno) : "the connection was closed";
	ERR_error_string_n(code, msg, sizeof(msg));
	ERR_clear_error();
	return msg;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_reset(&c->w);
	c->woff = 0;
	c->rlen = 0;
	c->tls_want = 0;
}

static int
any_up(const struct ls *ls)
{
	size_t i;

	for (i = 0; i < ls->nconns; i++)
		if (ls->conns[i].state == C_UP)
			return 1;
	return 0;
}

/* The connection failed: its unacknowledged events go again, in order. */
static void
conn_fail(struct ship *s, struct ls *ls, struct conn *c, const char *why)
{
	struct lj_win *w, *next;
	size_t i, again = 0;
	long ms;

	for (w = c->wins; w; w = w->next)
		again += w->b->n - w->acked;
	conn_close(c);
	c->state = C_DOWN;
	c->fails++;
	ms = ship_backoff(s, c->fails - 1);
	c->retry_at = s->now + ms;
	if (again)
		log_warn("%s: %s; %zu events go again", ls->hosts[c->host].label,
		    why, again);
	else
		log_warn("%s: %s; connecting again in %ld ms",
		    ls->hosts[c->host].label, why, ms);
	for (w = c->wins; w; w = next) {
		next = w->next;
		for (i = w->acked; i < w->b->n; i++)
			ship_retry_event(s, w->b, i, 0);
		s->held -= w->bytes;
		ship_batch_free(s, w->b);
		free(w);
		ls->busy--;
	}
	c->wins = c->wtail = NULL;
	c->nwins = 0;
	ship_retry_flush(s);
	/* no connection comes up while events wait: that spends the
	 * retry budget too (the first attempt is not a retry) */
	if (!again && s->o.max_retries >= 0 && c->fails > s->o.max_retries &&
	    ship_waiting(s) && !any_up(ls)) {
		struct err e = ERR_INIT;

		err_set(&e, EXIT_RUNTIME, "output.logstash: %s: %s (after %d "
		    "retries)", ls->hosts[c->host].label, why, s->o.max_retries);
		ship_fail(s, &e);
		err_clear(&e);
	}
	if (!ls->loadbalance && ls->nhosts > 1)
		c->host = (c->host + 1) % ls->nhosts;
	freeaddrinfo(c->ai);
	c->ai = c->aip = NULL;
}

static int
is_ip(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1;
}

static int
tls_start(struct ls *ls, struct conn *c, const char **why)
{
	const char *name = ls->server_name ? ls->server_name :
	    ls->hosts[c->host].name;
	X509_VERIFY_PARAM *vp;

	if ((c->ssl = SSL_new(ls->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		*why = ssl_why();
		return -1;
	}
	if (!is_ip(name))
		SSL_set_tlsext_host_name(c->ssl, name);
	if (ls->verify == HTTP_VERIFY_FULL) {
		vp = SSL_get0_param(c->ssl);
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if ((is_ip(name) ? X509_VERIFY_PARAM_set1_ip_asc(vp, name) :
		    X509_VERIFY_PARAM_set1_host(vp, name, 0)) != 1) {
			*why = ssl_why();
			return -1;
		}
	}
	c->state = C_TLS;
	return 0;
}

/* Drives the TLS handshake. Returns 1 when done, 0 to wait, -1, or -2
 * when the server's certificate does not verify (no retry cures it). */
static int
tls_step(struct conn *c, const char **why)
{
	static char msg[320];
	long vr;
	int r, err;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_connect(c->ssl)) == 1) {
		c->tls_want = 0;
		return 1;
	}
	err = SSL_get_error(c->ssl, r);
	if (err == SSL_ERROR_WANT_READ) {
		c->tls_want = POLLIN;
		return 0;
	}
	if (err == SSL_ERROR_WANT_WRITE) {
		c->tls_want = POLLOUT;
		return 0;
	}
	if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		snprintf(msg, sizeof(msg), "TLS handshake: certificate "
		    "verification failed: %s", X509_verify_cert_error_string(vr));
		*why = msg;
		return -2;
	} else {
		snprintf(msg, sizeof(msg), "TLS handshake: %s", ssl_why());
		*why = msg;
	}
	return -1;
}

static void
conn_up(struct ship *s, struct ls *ls, struct conn *c)
{
	c->state = C_UP;
	c->since = s->now;
	c->last_io = s->now;
	log_debug("ship", "%s: connection %d up%s", ls->hosts[c->host].label,
	    c->id, c->ssl ? " (TLS)" : "");
}

/* Starts connecting to the next address. Returns 0, or -1 with why. */
static int
conn_try(struct conn *c, const char **why)
{
	static char msg[256];
	int fd;

	for (; c->aip; c->aip = c->aip->ai_next) {
		fd = socket(c->aip->ai_family, c->aip->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, c->aip->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, c->aip->ai_addr, c->aip->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			c->fd = fd;
			c->state = C_CONNECTING;
			return 0;
		}
		snprintf(msg, sizeof(msg), "connect: %s", strerror(errno));
		close(fd);
	}
	*why = msg[0] ? msg : "connect: no address";
	return -1;
}

static void
conn_start(struct ship *s, struct ls *ls, struct conn *c)
{
	static char msg[320];
	struct lhost *h = &ls->hosts[c->host];
	struct addrinfo hints;
	const char *why = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(h->name, h->port, &hints, &c->ai)) != 0) {
		snprintf(msg, sizeof(msg), "resolve: %s", gai_strerror(r));
		c->ai = NULL;
		conn_fail(s, ls, c, msg);
		return;
	}
	c->aip = c->ai;
	c->since = s->now;
	if (conn_try(c, &why) == -1)
		conn_fail(s, ls, c, why);
}

static void
connected(struct ship *s, struct ls *ls, struct conn *c)
{
	const char *why = NULL;
	socklen_t len = sizeof(int);
	int err = 0, one = 1;
	static char msg[256];

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		snprintf(msg, sizeof(msg), "connect: %s", strerror(err));
		close(c->fd);
		c->fd = -1;
		c->aip = c->aip->ai_next;
		if (c->aip && conn_try(c, &why) == 0)
			return;
		conn_fail(s, ls, c, c->aip ? why : msg);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(c->ai);
	c->ai = c->aip = NULL;
	if (ls->ctx == NULL) {
		conn_up(s, ls, c);
		return;
	}
	if (tls_start(ls, c, &why) == -1) {
		conn_fail(s, ls, c, why);
		return;
	}
}

/* Writes what it can. Returns 0, or -1 with why. */
static int
conn_write(struct conn *c, const char **why)
{
	static char msg[256];
	ssize_t n;
	int r, err;

	while (c->woff < c->w.len) {
		if (c->ssl) {
			ERR_clear_error();
			r = SSL_write(c->ssl, c->w.p + c->woff,
			    (int)(c->w.len - c->woff > (1 << 30) ? 1 << 30 :
			    c->w.len - c->woff));
			if (r > 0) {
				c->woff += (size_t)r;
				continue;
			}
			err = SSL_get_error(c->ssl, r);
			if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
				c->tls_want = err == SSL_ERROR_WANT_READ ? POLLIN :
				    POLLOUT;
				return 0;
			}
			snprintf(msg, sizeof(msg), "write: %s", ssl_why());
			*why = msg;
			return -1;
		}
		n = send(c->fd, c->w.p + c->woff, c->w.len - c->woff,
		    MSG_NOSIGNAL);
		if (n >= 0) {
			c->woff += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		snprintf(msg, sizeof(msg), "write: %s", strerror(errno));
		*why = msg;
		return -1;
	}
	c->tls_want = 0;
	buf_reset(&c->w);
	c->woff = 0;
	return 0;
}

struct acking {
	struct ship *s;
	struct ls *ls;
	struct conn *c;
};

/* One ACK, for the oldest window. Returns 0, or -1 with why. */
static int
on_ack(void *arg, uint32_t seq, const char **why)
{
	struct acking *a = arg;
	struct ship *s = a->s;
	struct ls *ls = a->ls;
	struct conn *c = a->c;
	struct lj_win *w = c->wins;
	int r;

	c->last_io = s->now;
	if (w == NULL || (r = lj_ack(s, w, seq, why)) == 0)
		return 0;
	if (r == -1)
		return -1;
	log_debug("ship", "%s: window of %zu events acknowledged",
	    ls->hosts[c->host].label, w->b->n);
	c->wins = w->next;
	if (c->wins == NULL)
		c->wtail = NULL;
	c->nwins--;
	ls->busy--;
	s->held -= w->bytes;
	ship_batch_free(s, w->b);
	free(w);
	c->fails = 0;
	return 0;
}

/* Reads the ACKs that came. Returns 0, or -1 with why. */
static int
conn_read(struct ship *s, struct ls *ls, struct conn *c, const char **why)
{
	static char msg[256];
	unsigned char buf[4096];
	struct acking a = { s, ls, c };
	ssize_t n;
	int err;

	for (;;) {
		if (c->ssl) {
			ERR_clear_error();
			n = SSL_read(c->ssl, buf, sizeof(buf));
			if (n <= 0) {
				err = SSL_get_error(c->ssl, (int)n);
				if (err == SSL_ERROR_WANT_READ)
					return 0;
				if (err == SSL_ERROR_WANT_WRITE) {
					c->tls_want = POLLOUT;
					return 0;
				}
				if (err == SSL_ERROR_ZERO_RETURN ||
				    (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
					*why = "the server closed the connection";
				else {
					snprintf(msg, sizeof(msg), "read: %s",
					    ssl_why());
					*why = msg;
				}
				return -1;
			}
		} else {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n == 0) {
				*why = "the server closed the connection";
				return -1;
			}
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return 0;
				snprintf(msg, sizeof(msg), "read: %s",
				    strerror(errno));
				*why = msg;
				return -1;
			}
		}
		if (lj_read(c->r, &c->rlen, buf, (size_t)n, on_ack, &a,
		    why) == -1)
			return -1;
	}
}

/* --- the output -------------------------------------------------------- */

static int
usable(struct ship *s, struct ls *ls, struct conn *c)
{
	size_t depth = ls->pipelining ? ls->pipelining : 1;

	if (c->state != C_UP || c->nwins >= depth)
		return 0;
	/* past its ttl a connection takes no more windows */
	if (ls->ttl_ms > 0 && s->now - c->since >= ls->ttl_ms)
		return 0;
	return 1;
}

static int
ls_room(struct ship *s)
{
	struct ls *ls = s->out.st;
	size_t i;

	for (i = 0; i < ls->nconns; i++)
		if (usable(s, ls, &ls->conns[i]))
			return 1;
	return 0;
}

static size_t
ls_busy(struct ship *s)
{
	struct ls *ls = s->out.st;

	return ls->busy;
}

static int
ls_send(struct ship *s, struct batch *b, struct err *e)
{
	struct ls *ls = s->out.st;
	struct conn *c = NULL;
	struct lj_win *w;
	size_t i, k, before;
	const char *why = NULL;

	/* the usable connection with the fewest windows, in turn */
	for (i = 0; i < ls->nconns; i++) {
		k = (ls->rr + i) % ls->nconns;
		if (usable(s, ls, &ls->conns[k]) &&
		    (c == NULL || ls->conns[k].nwins < c->nwins))
			c = &ls->conns[k];
	}
	ls->rr++;
	if (c == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		ship_batch_free(s, b);
		return err_set(e, EXIT_RUNTIME, "output.logstash: %s",
		    c ? "out of memory" : "no connection takes a window");
	}
	before = c->w.len;
	if (encode(ls, b, &c->w) == -1) {
		free(w);
		ship_batch_free(s, b);
		return err_set(e, EXIT_RUNTIME, "output.logstash: encoding a "
		    "window: out of memory");
	}
	w->b = b;
	w->bytes = c->w.len - before;
	s->held += w->bytes;
	s->c.batches++;
	s->c.bytes += w->bytes;
	if (c->wins == NULL)
		c->last_io = s->now;	/* the timeout starts now */
	if (c->wtail)
		c->wtail->next = w;
	else
		c->wins = w;
	c->wtail = w;
	c->nwins++;
	ls->busy++;
	log_debug("ship", "%s: window of %zu events, %zu bytes",
	    ls->hosts[c->host].label, b->n, w->bytes);
	if (c->tls_want == 0 && conn_write(c, &why) == -1)
		conn_fail(s, ls, c, why);
	return 0;
}

static int
ls_wait(struct ship *s, long timeout_ms, int fd, int *ready, struct err *e)
{
	struct ls *ls = s->out.st;
	struct pollfd pfd[1 + 256];
	struct conn *c;
	size_t i, np = 0, map[256];
	const char *why;
	int64_t t;
	int n, ev;
	char msg[128];

	*ready = 0;
	/* connections are kept up, as a beat keeps them */
	for (i = 0; i < ls->nconns; i++) {
		c = &ls->conns[i];
		if (c->state == C_UP && c->nwins == 0 && ls->ttl_ms > 0 &&
		    s->now - c->since >= ls->ttl_ms) {
			log_debug("ship", "%s: connection %d past its ttl",
			    ls->hosts[c->host].label, c->id);
			conn_close(c);
			c->state = C_DOWN;
			c->retry_at = s->now;
		}
		if (c->state == C_DOWN && c->retry_at <= s->now)
			conn_start(s, ls, c);
	}
	if (fd >= 0) {
		pfd[np].fd = fd;
		pfd[np].events = POLLIN;
		pfd[np].revents = 0;
		np++;
	}
	for (i = 0; i < ls->nconns && np < 256; i++) {
		c = &ls->conns[i];
		if (c->state == C_DOWN) {
			t = c->retry_at - s->now;
			if (t < timeout_ms)
				timeout_ms = t < 0 ? 0 : (long)t;
			continue;
		}
		ev = 0;
		if (c->state == C_CONNECTING)
			ev = POLLOUT;
		else if (c->state == C_TLS)
			ev = c->tls_want ? c->tls_want : POLLIN | POLLOUT;
		else {
			ev = POLLIN;
			if (c->woff < c->w.len)
				ev |= c->tls_want ? c->tls_want : POLLOUT;
			if (c->wins) {
				t = c->last_io + ls->timeout_ms - s->now;
				if (t < timeout_ms)
					timeout_ms = t < 0 ? 0 : (long)t;
			}
		}
		map[np] = i;
		pfd[np].fd = c->fd;
		pfd[np].events = (short)ev;
		pfd[np].revents = 0;
		np++;
	}
	n = poll(pfd, (nfds_t)np, timeout_ms > 0 ? (int)timeout_ms : 0);
	if (n < 0 && errno != EINTR)
		return err_set(e, EXIT_RUNTIME, "poll: %s", strerror(errno));
	s->now = timex_mono_ms();
	for (i = 0; i < np && n > 0; i++) {
		if (fd >= 0 && i == 0) {
			if (pfd[0].revents)
				*ready = 1;
			continue;
		}
		c = &ls->conns[map[i]];
		if (pfd[i].revents == 0 && !(c->ssl && SSL_pending(c->ssl)))
			continue;
		why = NULL;
		if (c->state == C_CONNECTING) {
			connected(s, ls, c);
			if (c->state != C_TLS)
				continue;
		}
		if (c->state == C_TLS) {
			int r = tls_step(c, &why);

			if (r == -2) {
				/* the TLS settings are at fault: a configuration
				 * error, not one more network failure */
				struct err fe = ERR_INIT;

				err_set(&fe, EXIT_USAGE, "output.logstash: %s: %s",
				    ls->hosts[c->host].label, why);
				ship_fail(s, &fe);
				err_clear(&fe);
			}
			if (r < 0) {
				conn_fail(s, ls, c, why);
				continue;
			}
			if (r == 0)
				continue;
			conn_up(s, ls, c);
		}
		if (c->state != C_UP)
			continue;
		if (c->woff < c->w.len && conn_write(c, &why) == -1) {
			conn_fail(s, ls, c, why);
			continue;
		}
		if (conn_read(s, ls, c, &why) == -1) {
			conn_fail(s, ls, c, why);
			continue;
		}
	}
	for (i = 0; i < ls->nconns; i++) {
		c = &ls->conns[i];
		if (c->state == C_UP && c->wins &&
		    s->now - c->last_io >= ls->timeout_ms) {
			snprintf(msg, sizeof(msg), "no ACK for %" PRId64 " ms "
			    "(timeout)", s->now - c->last_io);
			conn_fail(s, ls, c, msg);
		} else if ((c->state == C_CONNECTING || c->state == C_TLS) &&
		    s->now - c->since >= ls->timeout_ms) {
			conn_fail(s, ls, c, c->state == C_TLS ?
			    "TLS handshake: timeout" : "connect: timeout");
		}
	}
	return 0;
}

static int
ls_close(struct ship *s, struct err *e)
{
	struct ls *ls = s->out.st;
	struct lj_win *w, *next;
	struct conn *c;
	size_t i;

	for (i = 0; i < ls->nconns; i++) {
		c = &ls->conns[i];
		for (w = c->wins; w; w = next) {
			next = w->next;
			s->held -= w->bytes;
			ship_batch_free(s, w->b);
			free(w);
		}
		conn_close(c);
		buf_free(&c->w);
		freeaddrinfo(c->ai);
	}
	for (i = 0; i < ls->nhosts; i++) {
		free(ls->hosts[i].name);
		free(ls->hosts[i].port);
		free(ls->hosts[i].label);
	}
	free(ls->hosts);
	free(ls->conns);
	if (ls->ctx)
		SSL_CTX_free(ls->ctx);
	if (ls->zready)
		deflateEnd(&ls->z);
	buf_free(&ls->meta);
	buf_free(&ls->frames);
	buf_free(&ls->doc);
	free(ls);
	s->out.st = NULL;
	return 0;
}

/* --- settings ---------------------------------------------------------- */

#define K "output.logstash."

static int
parse_host(const char *h, struct lhost *out, struct err *e)
{
	const char *colon, *name = h, *end;
	struct buf b = BUF_INIT;
	char *p;
	long port;

	if (strstr(h, "://"))
		return err_set(e, EXIT_USAGE, K "hosts: '%s': host:port, without "
		    "a scheme", h);
	if (*h == '[') {	/* [v6]:port */
		if ((end = strchr(h, ']')) == NULL)
			return err_set(e, EXIT_USAGE, K "hosts: '%s': no ']'", h);
		name = h + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return err_set(e, EXIT_USAGE, K "hosts: '%s': bad host", h);
	} else {
		colon = strrchr(h, ':');
		if (colon && strchr(h, ':') != colon)
			return err_set(e, EXIT_USAGE, K "hosts: '%s': write an IPv6 "
			    "address as [addr]:port", h);
		end = colon ? colon : h + strlen(h);
	}
	if (end == name)
		return err_set(e, EXIT_USAGE, K "hosts: '%s': no host", h);
	port = 5044;
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &p, 10);
		if (errno || *p || port < 1 || port > 65535)
			return err_set(e, EXIT_USAGE, K "hosts: '%s': bad port", h);
	}
	out->name = strndup(name, (size_t)(end - name));
	buf_printf(&b, "%ld", port);
	out->port = buf_detach(&b);
	buf_printf(&b, "%s%s%s:%ld", *h == '[' ? "[" : "",
	    out->name ? out->name : "", *h == '[' ? "]" : "", port);
	out->label = buf_detach(&b);
	if (out->name == NULL || out->port == NULL || out->label == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}

static int
passwd_cb(char *buf, int size, int rw, void *u)
{
	const char *p = u;
	size_t n = p ? strlen(p) : 0;

	if (n > (size_t)size)
		return 0;
	memcpy(buf, p, n);
	return (int)n;
}

/* ssl.supported_protocols, ssl.cipher_suites, ssl.curve_types. */
static int
tls_limits(struct ship *s, struct ls *ls, struct err *e)
{
	const char *const *v;
	struct buf b = BUF_INIT;
	int lo = 0, hi = 0, ver;
	size_t n, i;

	if ((ls->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return err_set(e, EXIT_RUNTIME, "TLS: %s", ssl_why());
	if (cfg_strlist(s->cfg, K "ssl.supported_protocols", &v, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "TLSv1.2") == 0)
			ver = TLS1_2_VERSION;
		else if (strcmp(v[i], "TLSv1.3") == 0)
			ver = TLS1_3_VERSION;
		else
			return err_set(e, EXIT_USAGE, "%s: " K "ssl.supported_"
			    "protocols: '%s': TLSv1.2 or TLSv1.3", cfg_where(s->cfg,
			    K "ssl.supported_protocols"), v[i]);
		lo = lo == 0 || ver < lo ? ver : lo;
		hi = ver > hi ? ver : hi;
	}
	SSL_CTX_set_min_proto_version(ls->ctx, lo ? lo : TLS1_2_VERSION);
	if (hi)
		SSL_CTX_set_max_proto_version(ls->ctx, hi);
	if (cfg_strlist(s->cfg, K "ssl.cipher_suites", &v, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ":" : "", v[i]);
	/* TLS 1.3 suites and older ciphers are set apart in OpenSSL */
	if (n && SSL_CTX_set_cipher_list(ls->ctx, b.p) != 1 &&
	    SSL_CTX_set_ciphersuites(ls->ctx, b.p) != 1) {
		err_set(e, EXIT_USAGE, "%s: " K "ssl.cipher_suites: '%s': %s",
		    cfg_where(s->cfg, K "ssl.cipher_suites"), b.p, ssl_why());
		buf_free(&b);
		return -1;
	}
	buf_reset(&b);
	if (cfg_strlist(s->cfg, K "ssl.curve_types", &v, &n, e) == -1) {
		buf_free(&b);
		return -1;
	}
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ":" : "", v[i]);
	if (n && SSL_CTX_set1_groups_list(ls->ctx, b.p) != 1) {
		err_set(e, EXIT_USAGE, "%s: " K "ssl.curve_types: '%s': %s",
		    cfg_where(s->cfg, K "ssl.curve_types"), b.p, ssl_why());
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

static int
tls_setup(struct ship *s, struct ls *ls, struct err *e)
{
	const char *const *cas;
	const char *mode, *cert, *key, *pass;
	size_t n, i;
	int on;

	if (cfg_strlist(s->cfg, K "ssl.certificate_authorities", &cas, &n,
	    e) == -1 ||
	    cfg_str(s->cfg, K "ssl.certificate", NULL, &cert, e) == -1 ||
	    cfg_str(s->cfg, K "ssl.key", NULL, &key, e) == -1 ||
	    cfg_str(s->cfg, K "ssl.key_passphrase", NULL, &pass, e) == -1 ||
	    cfg_str(s->cfg, K "ssl.verification_mode", "full", &mode, e) == -1 ||
	    cfg_str(s->cfg, K "ssl.server_name", NULL, &ls->server_name,
	    e) == -1 ||
	    cfg_bool(s->cfg, K "ssl.enabled", n > 0 || cert != NULL, &on,
	    e) == -1)
		return -1;
	log_secret(pass);
	if (!on)
		return 0;
	if (tls_limits(s, ls, e) == -1)
		return -1;
	if (strcmp(mode, "full") == 0 || strcmp(mode, "strict") == 0)
		ls->verify = HTTP_VERIFY_FULL;
	else if (strcmp(mode, "certificate") == 0)
		ls->verify = HTTP_VERIFY_CERTIFICATE;
	else if (strcmp(mode, "none") == 0)
		ls->verify = HTTP_VERIFY_NONE;
	else
		return err_set(e, EXIT_USAGE, "%s: " K "ssl.verification_mode: "
		    "'%s': one of full, strict, certificate, none",
		    cfg_where(s->cfg, K "ssl.verification_mode"), mode);
	SSL_CTX_set_mode(ls->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ls->verify == HTTP_VERIFY_NONE) {
		log_warn(K "ssl.verification_mode is none: the server's "
		    "certificate is not checked");
		SSL_CTX_set_verify(ls->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(ls->ctx, SSL_VERIFY_PEER, NULL);
	}
	if (n == 0) {
		SSL_CTX_set_default_verify_paths(ls->ctx);
	}
	for (i = 0; i < n; i++)
		if (SSL_CTX_load_verify_locations(ls->ctx, cas[i], NULL) != 1)
			return err_set(e, EXIT_USAGE, K "ssl.certificate_"
			    "authorities: %s: %s", cas[i], ssl_why());
	if (cert) {
		if (pass) {
			SSL_CTX_set_default_passwd_cb(ls->ctx, passwd_cb);
			SSL_CTX_set_default_passwd_cb_userdata(ls->ctx,
			    (void *)(uintptr_t)pass);
		}
		if (SSL_CTX_use_certificate_chain_file(ls->ctx, cert) != 1)
			return err_set(e, EXIT_USAGE, K "ssl.certificate: %s: %s",
			    cert, ssl_why());
		if (SSL_CTX_use_PrivateKey_file(ls->ctx, key ? key : cert,
		    SSL_FILETYPE_PEM) != 1)
			return err_set(e, EXIT_USAGE, K "ssl.key: %s: %s",
			    key ? key : cert, ssl_why());
		if (SSL_CTX_check_private_key(ls->ctx) != 1)
			return err_set(e, EXIT_USAGE, K "ssl.key: %s: does not "
			    "match the certificate", key ? key : cert);
	} else if (key) {
		return err_set(e, EXIT_USAGE, K "ssl.key without "
		    K "ssl.certificate");
	}
	return 0;
}

int
ls_open(struct ship *s, struct err *e)
{
	struct ls *ls;
	const char *const *hosts;
	const char *beat;
	int64_t worker, level, pipe;
	size_t n, i, k;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	s->out.name = "output.logstash";
	s->out.st = ls;
	s->out.room = ls_room;
	s->out.send = ls_send;
	s->out.wait = ls_wait;
	s->out.busy = ls_busy;
	s->out.close = ls_close;
	if (ship_common_opts(s, "output.logstash", 2048, e) == -1)
		return -1;
	if (cfg_strlist(s->cfg, K "hosts", &hosts, &n, e) == -1 ||
	    cfg_bool(s->cfg, K "loadbalance", 0, &ls->loadbalance, e) == -1 ||
	    cfg_int(s->cfg, K "compression_level", 3, &level, e) == -1 ||
	    cfg_int(s->cfg, K "pipelining", 2, &pipe, e) == -1 ||
	    cfg_duration(s->cfg, K "timeout", 30000, &ls->timeout_ms, e) == -1 ||
	    cfg_duration(s->cfg, K "ttl", 0, &ls->ttl_ms, e) == -1 ||
	    cfg_str(s->cfg, K "index", "cloudwatchlogsbeat", &beat, e) == -1)
		return -1;
	if (ship_worker(s, "output.logstash", &worker, e) == -1)
		return -1;
	if (n == 0)
		return err_set(e, EXIT_USAGE, K "hosts: no host (host:port, "
		    "5044 by default)");
	if (cfg_node(s->cfg, K "proxy_url") != NULL)
		return err_set(e, EXIT_USAGE, "%s: " K "proxy_url: a SOCKS5 proxy "
		    "is not supported: connect to Logstash directly",
		    cfg_where(s->cfg, K "proxy_url"));
	if (level < 0 || level > 9)
		return err_set(e, EXIT_USAGE, "%s: " K "compression_level: "
		    "%" PRId64 ": 0 (none) to 9", cfg_where(s->cfg,
		    K "compression_level"), level);
	if (pipe < 0)
		pipe = 0;
	if (ls->timeout_ms <= 0)
		ls->timeout_ms = 30000;
	ls->level = (int)level;
	ls->pipelining = (size_t)pipe;
	/* one connection keeps the order in which events were read, also
	 * across a reconnection: the events to send again go first */
	s->out.ordered = !ls->loadbalance && worker == 1;
	if ((ls->hosts = calloc(n, sizeof(*ls->hosts))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++) {
		if (parse_host(hosts[i], &ls->hosts[i], e) == -1)
			return -1;
		ls->nhosts++;
	}
	ls->nconns = (size_t)worker * (ls->loadbalance ? n : 1);
	if (ls->nconns > 255)
		return err_set(e, EXIT_USAGE, K "worker: %" PRId64 " connections "
		    "per host are too many", worker);
	if ((ls->conns = calloc(ls->nconns, sizeof(*ls->conns))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (k = 0; k < ls->nconns; k++) {
		ls->conns[k].id = (int)k + 1;
		ls->conns[k].fd = -1;
		/* load balance: worker connections per host; failover:
		 * every connection starts on the first host */
		ls->conns[k].host = ls->loadbalance ? k / (size_t)worker : 0;
	}
	buf_adds(&ls->meta, "{\"@metadata\":{\"beat\":");
	jsonx_strz(&ls->meta, beat);
	buf_adds(&ls->meta, ",\"type\":\"_doc\",\"version\":\"" CWL_VERSION "\"");
	if (tls_setup(s, ls, e) == -1)
		return -1;
	return 0;
}

/* --- --test-output ----------------------------------------------------- */

size_t
ls_nhosts(const struct ship *s)
{
	const struct ls *ls = s->out.st;

	return ls->nhosts;
}

const char *
ls_host_label(const struct ship *s, size_t h)
{
	const struct ls *ls = s->out.st;

	return ls->hosts[h].label;
}

int
ls_tls(const struct ship *s)
{
	const struct ls *ls = s->out.st;

	return ls->ctx != NULL;
}

/* Waits for ev on c->fd until deadline (monotonic ms). Returns 0 or -1. */
static int
probe_wait(struct conn *c, short ev, int64_t deadline, const char **why)
{
	struct pollfd p = { c->fd, ev, 0 };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - timex_mono_ms();
		if (left <= 0) {
			*why = "timed out";
			return -1;
		}
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR) {
			*why = strerror(errno);
			return -1;
		}
	}
}

int
ls_probe(struct ship *s, size_t h, const char **step, const char **why)
{
	static char msg[320];
	struct ls *ls = s->out.st;
	struct lhost *lh = &ls->hosts[h];
	struct addrinfo hints;
	struct conn c;
	socklen_t len = sizeof(int);
	int64_t deadline = timex_mono_ms() + ls->timeout_ms;
	int r, err;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.host = h;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	*step = "dns lookup";
	if ((r = getaddrinfo(lh->name, lh->port, &hints, &c.ai)) != 0) {
		snprintf(msg, sizeof(msg), "%s", gai_strerror(r));
		*why = msg;
		return -1;
	}
	*step = "dial up";
	for (c.aip = c.ai; c.aip; c.aip = c.aip->ai_next) {
		if (conn_try(&c, why) == -1)
			break;
		if (probe_wait(&c, POLLOUT, deadline, why) == -1) {
			conn_close(&c);
			break;
		}
		err = 0;
		if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0)
			break;
		snprintf(msg, sizeof(msg), "connect: %s", strerror(err));
		*why = msg;
		conn_close(&c);
	}
	freeaddrinfo(c.ai);
	c.ai = c.aip = NULL;
	if (c.fd < 0)
		return -1;
	if (ls->ctx) {
		*step = "TLS";
		if (tls_start(ls, &c, why) == -1) {
			conn_close(&c);
			return -1;
		}
		while ((r = tls_step(&c, why)) == 0)
			if (probe_wait(&c, (short)c.tls_want, deadline, why) == -1)
				break;
		if (r != 1) {
			conn_close(&c);
			return -1;
		}
	}
	conn_close(&c);
	buf_free(&c.w);
	return 0;
}
