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

struct ls {
	struct hostspec *hosts;
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
tls_start(struct ls *ls, struct conn *c, struct err *e)
{
	const char *name = ls->server_name ? ls->server_name :
	    ls->hosts[c->host].name;
	X509_VERIFY_PARAM *vp;

	if ((c->ssl = SSL_new(ls->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		return tls_err(e, EXIT_RUNTIME, "TLS");
	if (!is_ip(name))
		SSL_set_tlsext_host_name(c->ssl, name);
	if (ls->verify == HTTP_VERIFY_FULL) {
		vp = SSL_get0_param(c->ssl);
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if ((is_ip(name) ? X509_VERIFY_PARAM_set1_ip_asc(vp, name) :
		    X509_VERIFY_PARAM_set1_host(vp, name, 0)) != 1)
			return tls_err(e, EXIT_RUNTIME, "TLS");
	}
	c->state = C_TLS;
	return 0;
}

/* Drives the TLS handshake. Returns 1 when done, 0 to wait, -1 with e,
 * or -2 with e when the server's certificate does not verify (no retry
 * cures it). */
static int
tls_step(struct conn *c, struct err *e)
{
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
		err_set(e, EXIT_USAGE, "TLS handshake: certificate "
		    "verification failed: %s", X509_verify_cert_error_string(vr));
		return -2;
	}
	return tls_err(e, EXIT_RUNTIME, "TLS handshake");
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

/* Starts connecting to the next address. Returns 0, or -1 with e. */
static int
conn_try(struct conn *c, struct err *e)
{
	int fd;

	err_set(e, EXIT_RUNTIME, "connect: no address");
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
		err_set(e, EXIT_RUNTIME, "connect: %s", strerror(errno));
		close(fd);
	}
	return -1;
}

static void
conn_start(struct ship *s, struct ls *ls, struct conn *c)
{
	struct hostspec *h = &ls->hosts[c->host];
	struct addrinfo hints;
	struct err e = ERR_INIT;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(h->name, h->port, &hints, &c->ai)) != 0) {
		err_set(&e, EXIT_RUNTIME, "resolve: %s", gai_strerror(r));
		c->ai = NULL;
		conn_fail(s, ls, c, err_msg(&e));
	} else {
		c->aip = c->ai;
		c->since = s->now;
		if (conn_try(c, &e) == -1)
			conn_fail(s, ls, c, err_msg(&e));
	}
	err_clear(&e);
}

static void
connected(struct ship *s, struct ls *ls, struct conn *c)
{
	struct err e = ERR_INIT, te = ERR_INIT;
	socklen_t len = sizeof(int);
	int err = 0, one = 1;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		err_set(&e, EXIT_RUNTIME, "connect: %s", strerror(err));
		close(c->fd);
		c->fd = -1;
		c->aip = c->aip->ai_next;
		if (!c->aip || conn_try(c, &te) == -1)
			conn_fail(s, ls, c, err_msg(c->aip ? &te : &e));
		err_clear(&e);
		err_clear(&te);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(c->ai);
	c->ai = c->aip = NULL;
	if (ls->ctx == NULL) {
		conn_up(s, ls, c);
		return;
	}
	if (tls_start(ls, c, &e) == -1) {
		conn_fail(s, ls, c, err_msg(&e));
		err_clear(&e);
	}
}

/* Writes what it can. Returns 0, or -1 with e. */
static int
conn_write(struct conn *c, struct err *e)
{
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
			return tls_err(e, EXIT_RUNTIME, "write");
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
		return err_set(e, EXIT_RUNTIME, "write: %s", strerror(errno));
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

/* One ACK, for the oldest window. Returns 0, or -1 with e. */
static int
on_ack(void *arg, uint32_t seq, struct err *e)
{
	struct acking *a = arg;
	struct ship *s = a->s;
	struct ls *ls = a->ls;
	struct conn *c = a->c;
	struct lj_win *w = c->wins;
	int r;

	c->last_io = s->now;
	if (w == NULL || (r = lj_ack(s, w, seq, e)) == 0)
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

/* Reads what came into buf[0..len). Returns the number of bytes, 0 when
 * nothing is there yet, or -1 with e. */
static ssize_t
conn_recv(struct conn *c, unsigned char *buf, size_t len, struct err *e)
{
	ssize_t n;
	int err;

	if (c->ssl) {
		ERR_clear_error();
		if ((n = SSL_read(c->ssl, buf, (int)len)) > 0)
			return n;
		err = SSL_get_error(c->ssl, (int)n);
		if (err == SSL_ERROR_WANT_WRITE)
			c->tls_want = POLLOUT;
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		if (err != SSL_ERROR_ZERO_RETURN &&
		    (err != SSL_ERROR_SYSCALL || ERR_peek_error() != 0))
			return tls_err(e, EXIT_RUNTIME, "read");
		return err_set(e, EXIT_RUNTIME, "the server closed the "
		    "connection");
	}
	while ((n = recv(c->fd, buf, len, 0)) < 0 && errno == EINTR)
		;
	if (n > 0)
		return n;
	if (n == 0)
		return err_set(e, EXIT_RUNTIME, "the server closed the "
		    "connection");
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return err_set(e, EXIT_RUNTIME, "read: %s", strerror(errno));
}

/* Reads the ACKs that came. Returns 0, or -1 with e. */
static int
conn_read(struct ship *s, struct ls *ls, struct conn *c, struct err *e)
{
	unsigned char buf[4096];
	struct acking a = { s, ls, c };
	ssize_t n;

	while ((n = conn_recv(c, buf, sizeof(buf), e)) > 0)
		if (lj_read(c->r, &c->rlen, buf, (size_t)n, on_ack, &a,
		    e) == -1)
			return -1;
	return n < 0 ? -1 : 0;
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
	struct err we = ERR_INIT;

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
	if (c->tls_want == 0 && conn_write(c, &we) == -1) {
		conn_fail(s, ls, c, err_msg(&we));
		err_clear(&we);
	}
	return 0;
}

/* Connections are kept up, as a beat keeps them: those past their ttl
 * close, those down whose backoff is over connect again. */
static void
keep_up(struct ship *s, struct ls *ls)
{
	struct conn *c;
	size_t i;

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
}

/* What to poll c for; lowers *timeout_ms to its next deadline. */
static short
conn_events(struct ship *s, struct ls *ls, struct conn *c, long *timeout_ms)
{
	int64_t t = INT64_MAX;
	int ev = 0;

	if (c->state == C_DOWN)
		t = c->retry_at - s->now;
	else if (c->state == C_CONNECTING)
		ev = POLLOUT;
	else if (c->state == C_TLS)
		ev = c->tls_want ? c->tls_want : POLLIN | POLLOUT;
	else {
		ev = POLLIN;
		if (c->woff < c->w.len)
			ev |= c->tls_want ? c->tls_want : POLLOUT;
		if (c->wins)
			t = c->last_io + ls->timeout_ms - s->now;
	}
	if (t < *timeout_ms)
		*timeout_ms = t < 0 ? 0 : (long)t;
	return (short)ev;
}

/* Drives the handshake of c. Returns 1 when c is up. */
static int
conn_handshake(struct ship *s, struct ls *ls, struct conn *c)
{
	struct err e = ERR_INIT, fe = ERR_INIT;
	int r = tls_step(c, &e);

	if (r == -2) {
		/* the TLS settings are at fault: a configuration error, not
		 * one more network failure */
		err_set(&fe, EXIT_USAGE, "output.logstash: %s: %s",
		    ls->hosts[c->host].label, err_msg(&e));
		ship_fail(s, &fe);
		err_clear(&fe);
	}
	if (r < 0)
		conn_fail(s, ls, c, err_msg(&e));
	else if (r == 1)
		conn_up(s, ls, c);
	err_clear(&e);
	return r == 1;
}

/* c's socket is ready (or its TLS layer holds bytes). */
static void
conn_ready(struct ship *s, struct ls *ls, struct conn *c)
{
	struct err e = ERR_INIT;

	if (c->state == C_CONNECTING) {
		connected(s, ls, c);
		if (c->state != C_TLS)
			return;
	}
	if (c->state == C_TLS && !conn_handshake(s, ls, c))
		return;
	if (c->state != C_UP)
		return;
	if ((c->woff < c->w.len && conn_write(c, &e) == -1) ||
	    conn_read(s, ls, c, &e) == -1)
		conn_fail(s, ls, c, err_msg(&e));
	err_clear(&e);
}

/* Connections that waited too long for an ACK, to connect, or for the
 * handshake fail. */
static void
conn_timeouts(struct ship *s, struct ls *ls)
{
	struct conn *c;
	struct buf msg = BUF_INIT;
	size_t i;

	for (i = 0; i < ls->nconns; i++) {
		c = &ls->conns[i];
		if (c->state == C_UP && c->wins &&
		    s->now - c->last_io >= ls->timeout_ms) {
			buf_reset(&msg);
			buf_printf(&msg, "no ACK for %" PRId64 " ms (timeout)",
			    s->now - c->last_io);
			conn_fail(s, ls, c, buf_str(&msg));
		} else if ((c->state == C_CONNECTING || c->state == C_TLS) &&
		    s->now - c->since >= ls->timeout_ms) {
			conn_fail(s, ls, c, c->state == C_TLS ?
			    "TLS handshake: timeout" : "connect: timeout");
		}
	}
	buf_free(&msg);
}

static int
ls_wait(struct ship *s, long timeout_ms, int fd, int *ready, struct err *e)
{
	struct ls *ls = s->out.st;
	struct pollfd pfd[1 + 256];
	struct conn *c;
	size_t i, np = 0, map[256];
	int n;

	*ready = 0;
	keep_up(s, ls);
	if (fd >= 0) {
		pfd[np].fd = fd;
		pfd[np].events = POLLIN;
		pfd[np].revents = 0;
		np++;
	}
	for (i = 0; i < ls->nconns && np < 256; i++) {
		c = &ls->conns[i];
		pfd[np].events = conn_events(s, ls, c, &timeout_ms);
		if (c->state == C_DOWN)
			continue;
		map[np] = i;
		pfd[np].fd = c->fd;
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
		if (pfd[i].revents || (c->ssl && SSL_pending(c->ssl)))
			conn_ready(s, ls, c);
	}
	conn_timeouts(s, ls);
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
	for (i = 0; i < ls->nhosts; i++)
		host_free(&ls->hosts[i]);
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
passwd_cb(char *buf, int size, int rw, void *u)
{
	const char *p = u;
	size_t n = p ? strlen(p) : 0;

	if (n > (size_t)size)
		return 0;
	memcpy(buf, p, n);
	return (int)n;
}

/* The client certificate and its key. */
static int
tls_client(struct ls *ls, const struct tls_conf *t, struct err *e)
{
	struct buf what = BUF_INIT;
	const char *key = t->key ? t->key : t->cert;
	int r = 0;

	if (t->passphrase) {
		SSL_CTX_set_default_passwd_cb(ls->ctx, passwd_cb);
		SSL_CTX_set_default_passwd_cb_userdata(ls->ctx,
		    (void *)(uintptr_t)t->passphrase);
	}
	if (SSL_CTX_use_certificate_chain_file(ls->ctx, t->cert) != 1) {
		buf_printf(&what, K "ssl.certificate: %s", t->cert);
		r = tls_err(e, EXIT_USAGE, buf_str(&what));
	} else if (SSL_CTX_use_PrivateKey_file(ls->ctx, key,
	    SSL_FILETYPE_PEM) != 1) {
		buf_printf(&what, K "ssl.key: %s", key);
		r = tls_err(e, EXIT_USAGE, buf_str(&what));
	} else if (SSL_CTX_check_private_key(ls->ctx) != 1) {
		r = err_set(e, EXIT_USAGE, K "ssl.key: %s: does not match the "
		    "certificate", key);
	}
	buf_free(&what);
	return r;
}

static int
tls_setup(struct ship *s, struct ls *ls, const struct tls_conf *t,
    struct err *e)
{
	if (cfg_str(s->cfg, K "ssl.server_name", NULL, &ls->server_name,
	    e) == -1)
		return -1;
	if (!t->enabled)
		return 0;
	if ((ls->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return tls_err(e, EXIT_RUNTIME, "TLS");
	if (tls_limits(ls->ctx, s->cfg, "output.logstash", t, e) == -1)
		return -1;
	ls->verify = t->verify;
	SSL_CTX_set_mode(ls->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ls->verify == HTTP_VERIFY_NONE) {
		log_warn(K "ssl.verification_mode is none: the server's "
		    "certificate is not checked");
		SSL_CTX_set_verify(ls->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(ls->ctx, SSL_VERIFY_PEER, NULL);
	}
	if (tls_cas(ls->ctx, t) == -1)
		return tls_err(e, EXIT_USAGE, K "ssl.certificate_authorities");
	if (t->cert)
		return tls_client(ls, t, e);
	return 0;
}

/* hosts, in the order given; 5044 where no port is. */
static int
ls_hosts(struct ship *s, struct ls *ls, struct err *e)
{
	const char *const *hosts;
	size_t n, i;

	if (cfg_strlist(s->cfg, K "hosts", &hosts, &n, e) == -1)
		return -1;
	if (n == 0)
		return err_set(e, EXIT_USAGE, K "hosts: no host (host:port, "
		    "5044 by default)");
	if ((ls->hosts = calloc(n, sizeof(*ls->hosts))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++) {
		ls->nhosts++;
		if (host_parse(K "hosts", hosts[i], 0, 5044, &ls->hosts[i],
		    e) == -1)
			return -1;
	}
	return 0;
}

/* The connections: worker per host with loadbalance, else worker. */
static int
ls_conns(struct ls *ls, int64_t worker, struct err *e)
{
	size_t k;

	ls->nconns = (size_t)worker * (ls->loadbalance ? ls->nhosts : 1);
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
	return 0;
}

/* compression_level, pipelining, timeout, ttl, index, worker. */
static int
ls_opts(struct ship *s, struct ls *ls, int64_t *worker, struct err *e)
{
	const char *beat;
	int64_t level, pipe;

	if (cfg_get_bool(s->cfg, K "loadbalance", &ls->loadbalance, e) == -1 ||
	    cfg_get_int(s->cfg, K "compression_level", &level, e) == -1 ||
	    cfg_get_int(s->cfg, K "pipelining", &pipe, e) == -1 ||
	    cfg_get_duration(s->cfg, K "timeout", &ls->timeout_ms, e) == -1 ||
	    cfg_duration(s->cfg, K "ttl", 0, &ls->ttl_ms, e) == -1 ||
	    cfg_get_str(s->cfg, K "index", &beat, e) == -1 ||
	    ship_worker(s, "output.logstash", worker, e) == -1)
		return -1;
	if (cfg_node(s->cfg, K "proxy_url") != NULL)
		return err_set(e, EXIT_USAGE, "%s: " K "proxy_url: a SOCKS5 proxy "
		    "is not supported: connect to Logstash directly",
		    cfg_where(s->cfg, K "proxy_url"));
	if (level < 0 || level > 9)
		return err_set(e, EXIT_USAGE, "%s: " K "compression_level: "
		    "%" PRId64 ": 0 (none) to 9", cfg_where(s->cfg,
		    K "compression_level"), level);
	ls->level = (int)level;
	ls->pipelining = pipe < 0 ? 0 : (size_t)pipe;
	if (ls->timeout_ms <= 0)
		ls->timeout_ms = 30000;
	buf_adds(&ls->meta, "{\"@metadata\":{\"beat\":");
	jsonx_strz(&ls->meta, beat);
	buf_adds(&ls->meta, ",\"type\":\"_doc\",\"version\":\"" CWL_VERSION "\"");
	return 0;
}

static const struct output ls_output = {
	"output.logstash", NULL, 0, ls_room, ls_send, ls_wait,
	ls_busy, ls_close
};

int
ls_open(struct ship *s, struct err *e)
{
	struct ls *ls;
	struct tls_conf t;
	int64_t worker;
	int r;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	s->out = ls_output;
	s->out.st = ls;
	if (ship_common_opts(s, "output.logstash", e) == -1 ||
	    ls_opts(s, ls, &worker, e) == -1 || ls_hosts(s, ls, e) == -1)
		return -1;
	/* one connection keeps the order in which events were read, also
	 * across a reconnection: the events to send again go first */
	s->out.ordered = !ls->loadbalance && worker == 1;
	if (ls_conns(ls, worker, e) == -1)
		return -1;
	r = tls_conf_read(s->cfg, "output.logstash", 1, &t, e) == -1 ||
	    tls_setup(s, ls, &t, e) == -1;
	tls_conf_free(&t);
	return r ? -1 : 0;
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

/* Waits for ev on c->fd until deadline (monotonic ms). Returns 0, or -1
 * with e. */
static int
probe_wait(struct conn *c, short ev, int64_t deadline, struct err *e)
{
	struct pollfd p = { c->fd, ev, 0 };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - timex_mono_ms();
		if (left <= 0)
			return err_set(e, EXIT_RUNTIME, "timed out");
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return err_set(e, EXIT_RUNTIME, "%s", strerror(errno));
	}
}

/* Connects c to one of its addresses before deadline. Returns 0, or -1
 * with e. */
static int
probe_dial(struct conn *c, int64_t deadline, struct err *e)
{
	socklen_t len = sizeof(int);
	int err;

	for (c->aip = c->ai; c->aip; c->aip = c->aip->ai_next) {
		if (conn_try(c, e) == -1)
			break;
		if (probe_wait(c, POLLOUT, deadline, e) == -1) {
			conn_close(c);
			break;
		}
		err = 0;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0)
			break;
		err_set(e, EXIT_RUNTIME, "connect: %s", strerror(err));
		conn_close(c);
	}
	freeaddrinfo(c->ai);
	c->ai = c->aip = NULL;
	return c->fd < 0 ? -1 : 0;
}

/* Does the handshake on c before deadline. Returns 0, or -1 with e. */
static int
probe_tls(struct ls *ls, struct conn *c, int64_t deadline, struct err *e)
{
	int r;

	if (tls_start(ls, c, e) == -1)
		return -1;
	while ((r = tls_step(c, e)) == 0)
		if (probe_wait(c, (short)c->tls_want, deadline, e) == -1)
			break;
	return r == 1 ? 0 : -1;
}

int
ls_probe(struct ship *s, size_t h, const char **step, struct err *e)
{
	struct ls *ls = s->out.st;
	struct hostspec *lh = &ls->hosts[h];
	struct addrinfo hints;
	struct conn c;
	int64_t deadline = timex_mono_ms() + ls->timeout_ms;
	int r;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.host = h;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	*step = "dns lookup";
	if ((r = getaddrinfo(lh->name, lh->port, &hints, &c.ai)) != 0)
		return err_set(e, EXIT_RUNTIME, "%s", gai_strerror(r));
	*step = "dial up";
	if (probe_dial(&c, deadline, e) == -1)
		return -1;
	r = 0;
	if (ls->ctx) {
		*step = "TLS";
		r = probe_tls(ls, &c, deadline, e);
	}
	conn_close(&c);
	buf_free(&c.w);
	return r;
}
