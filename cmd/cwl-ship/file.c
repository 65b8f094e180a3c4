/*
 * file.c: output.file, rotating NDJSON files as libbeat writes them:
 * PATH/FILENAME is written, and when it would pass rotate_every_kb it
 * becomes FILENAME.1 (FILENAME.1 becomes .2, ...), keeping
 * number_of_files files in all. A batch is acked once written and
 * fsync'ed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ship.h"

struct fout {
	char *dir;
	char *name;		/* dir/filename */
	int fd;
	uint64_t size;
	uint64_t limit;
	int nfiles;
	mode_t mode;
	uint64_t written;	/* bytes written, for the counters */
	struct buf out;
};

static int
mkdirs(const char *path, struct err *e)
{
	char *p, *q;

	if ((p = strdup(path)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (q = p + 1; ; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char c = *q;

		*q = '\0';
		if (mkdir(p, 0750) == -1 && errno != EEXIST) {
			err_set(e, EXIT_USAGE, "output.file.path: mkdir %s: %s", p,
			    strerror(errno));
			free(p);
			return -1;
		}
		if ((*q = c) == '\0')
			break;
	}
	free(p);
	return 0;
}

static int
open_current(struct fout *f, struct err *e)
{
	struct stat st;

	if ((f->fd = open(f->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    f->mode)) == -1)
		return err_set(e, EXIT_RUNTIME, "open %s: %s", f->name,
		    strerror(errno));
	f->size = fstat(f->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

static int
rotate(struct fout *f, struct err *e)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	int i, r = 0;

	if (f->fd >= 0) {
		if (fsync(f->fd) == -1 || close(f->fd) == -1) {
			f->fd = -1;
			return err_set(e, EXIT_RUNTIME, "close %s: %s", f->name,
			    strerror(errno));
		}
		f->fd = -1;
	}
	buf_printf(&from, "%s.%d", f->name, f->nfiles - 1);
	if (unlink(from.p) == -1 && errno != ENOENT)
		r = err_set(e, EXIT_RUNTIME, "rotate: unlink %s: %s", from.p,
		    strerror(errno));
	for (i = f->nfiles - 2; i >= 1 && r == 0; i--) {
		buf_reset(&from);
		buf_reset(&to);
		buf_printf(&from, "%s.%d", f->name, i);
		buf_printf(&to, "%s.%d", f->name, i + 1);
		if (rename(from.p, to.p) == -1 && errno != ENOENT)
			r = err_set(e, EXIT_RUNTIME, "rotate: rename %s: %s",
			    from.p, strerror(errno));
	}
	buf_reset(&to);
	buf_printf(&to, "%s.1", f->name);
	if (r == 0 && rename(f->name, to.p) == -1 && errno != ENOENT)
		r = err_set(e, EXIT_RUNTIME, "rotate: rename %s: %s", f->name,
		    strerror(errno));
	buf_free(&from);
	buf_free(&to);
	if (r == 0)
		r = open_current(f, e);
	return r;
}

static int
flush_out(struct fout *f, struct err *e)
{
	if (f->out.len == 0)
		return 0;
	if (cli_write(f->fd, f->out.p, f->out.len) == -1)
		return err_set(e, EXIT_RUNTIME, "write %s: %s", f->name,
		    strerror(errno));
	f->size += f->out.len;
	f->written += f->out.len;
	buf_reset(&f->out);
	return 0;
}

static int
file_room(struct ship *s)
{
	return 1;
}

static size_t
file_busy(struct ship *s)
{
	return 0;
}

/* A write that fails (a full disk) is not the end: the batch goes again
 * after a backoff, within max_retries. What of it was written before the
 * failure is written again then. */
static int
file_send(struct ship *s, struct batch *b, struct err *e)
{
	struct fout *f = s->out.st;
	struct err we = ERR_INIT;
	size_t i, before;

	buf_reset(&f->out);
	if (f->fd < 0 && open_current(f, &we) == -1)
		goto failed;
	for (i = 0; i < b->n; i++) {
		before = f->out.len;
		if (ev_doc(b, &b->ev[i], &f->out) == -1 ||
		    buf_addc(&f->out, '\n') == -1) {
			ship_batch_free(s, b);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
		/* the document goes to the next file if it would pass */
		if (f->size + f->out.len > f->limit && f->size + before > 0) {
			struct buf doc = BUF_INIT;

			buf_add(&doc, f->out.p + before, f->out.len - before);
			f->out.len = before;
			if (flush_out(f, &we) == -1 || rotate(f, &we) == -1) {
				buf_free(&doc);
				goto failed;
			}
			buf_add(&f->out, doc.p, doc.len);
			buf_free(&doc);
		}
	}
	if (flush_out(f, &we) == -1)
		goto failed;
	if (fsync(f->fd) == -1) {
		err_set(&we, EXIT_RUNTIME, "fsync %s: %s", f->name,
		    strerror(errno));
		goto failed;
	}
	s->c.batches++;
	s->c.bytes = f->written;
	for (i = 0; i < b->n; i++)
		ship_accept(s, b, i, 0);
	ship_batch_free(s, b);
	return 0;
failed:
	ship_retry_batch(s, b, 0, err_msg(&we));
	err_clear(&we);
	return 0;
}

static int
file_wait(struct ship *s, long timeout_ms, int fd, int *ready, struct err *e)
{
	return ship_wait_input(s, timeout_ms, fd, ready);
}

static int
file_close(struct ship *s, struct err *e)
{
	struct fout *f = s->out.st;
	int r = 0;

	if (f->fd >= 0 && close(f->fd) == -1)
		r = err_set(e, EXIT_RUNTIME, "close %s: %s", f->name,
		    strerror(errno));
	free(f->dir);
	free(f->name);
	buf_free(&f->out);
	free(f);
	s->out.st = NULL;
	return r;
}

#define K "output.file."

/* the file keeps the order of the input */
static const struct output file_output = {
	"output.file", NULL, 1, file_room, file_send, file_wait,
	file_busy, file_close
};

int
file_open(struct ship *s, struct err *e)
{
	struct fout *f;
	const char *dir, *name, *perm;
	struct buf b = BUF_INIT;
	struct stat st;
	int64_t kb, n;
	int on_start;
	char *end;
	long m;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	f->fd = -1;
	s->out = file_output;
	s->out.st = f;
	if (ship_common_opts(s, "output.file", e) == -1 ||
	    cfg_get_str(s->cfg, K "path", &dir, e) == -1 ||
	    cfg_get_str(s->cfg, K "filename", &name, e) == -1 ||
	    cfg_get_int(s->cfg, K "rotate_every_kb", &kb, e) == -1 ||
	    cfg_get_int(s->cfg, K "number_of_files", &n, e) == -1 ||
	    cfg_get_str(s->cfg, K "permissions", &perm, e) == -1 ||
	    cfg_get_bool(s->cfg, K "rotate_on_startup", &on_start, e) == -1)
		return -1;
	if (*name == '\0' || strchr(name, '/'))
		return err_set(e, EXIT_USAGE, "%s: " K "filename: '%s': a file "
		    "name, without '/'", cfg_where(s->cfg, K "filename"), name);
	if (kb < 1)
		return err_set(e, EXIT_USAGE, "%s: " K "rotate_every_kb: %" PRId64
		    ": 1 or more", cfg_where(s->cfg, K "rotate_every_kb"), kb);
	if (n < 2 || n > 1024)
		return err_set(e, EXIT_USAGE, "%s: " K "number_of_files: %" PRId64
		    ": 2 to 1024", cfg_where(s->cfg, K "number_of_files"), n);
	errno = 0;
	m = strtol(perm, &end, 8);
	if (errno || *end || m < 0 || m > 07777)
		return err_set(e, EXIT_USAGE, "%s: " K "permissions: '%s': an "
		    "octal mode like 0600", cfg_where(s->cfg, K "permissions"),
		    perm);
	f->mode = (mode_t)m;
	f->limit = (uint64_t)kb * 1024;
	f->nfiles = (int)n;
	if (s->cli->check_config)
		return 0;	/* settings only: no file is made */
	if (mkdirs(dir, e) == -1)
		return -1;
	buf_printf(&b, "%s/%s", dir, name);
	f->dir = strdup(dir);
	f->name = buf_detach(&b);
	if (f->dir == NULL || f->name == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	if (on_start && stat(f->name, &st) == 0 && st.st_size > 0)
		return rotate(f, e);
	return open_current(f, e);
}
