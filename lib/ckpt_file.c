/*
 * ckpt_file: a registry in a local file, NDJSON of cursors, one line per
 * source. A writer holds flock(LOCK_EX) on PATH.lock, which holds its pid,
 * for as long as the store is open, and keeps the file's contents in
 * memory: nobody else may change the file meanwhile. Each save writes
 * PATH.tmp, fsyncs it, renames it over PATH and fsyncs the directory, so
 * that a crash at any point leaves either the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ckpt.h"

struct fbe {
	char *path;
	char *tmp;		/* PATH.tmp */
	char *lock;		/* PATH.lock */
	int lockfd;		/* -1 until locked */
	struct ckpt_set *base;	/* the file's contents, while locked */
};

static int
sys_err(struct err *e, const char *path, const char *what)
{
	int code = (errno == EACCES || errno == EPERM) ? EXIT_AUTH : EXIT_RUNTIME;

	return err_set(e, code, "registry %s: %s: %s", path, what,
	    strerror(errno));
}

/* Reads the whole file into b. Returns 1 if read, 0 if absent, -1. */
static int
read_all(const char *path, struct buf *b, struct err *e)
{
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return sys_err(e, path, "open");
	}
	for (;;) {
		if (buf_reserve(b, 65536) == -1) {
			close(fd);
			return err_set(e, EXIT_RUNTIME, "registry %s: out of memory",
			    path);
		}
		r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			sys_err(e, path, "read");
			close(fd);
			return -1;
		}
		b->len += (size_t)r;
		b->p[b->len] = '\0';
	}
	close(fd);
	return 1;
}

/* Parses the file into s (all of it). Returns 0 or -1. */
static int
load_into(struct fbe *f, struct ckpt_set *s, struct err *e)
{
	struct buf b = BUF_INIT, what = BUF_INIT;
	int r;

	if ((r = read_all(f->path, &b, e)) <= 0) {
		buf_free(&b);
		return r;
	}
	buf_printf(&what, "registry %s", f->path);
	r = ckpt_set_parse(s, b.p, b.len, buf_str(&what), e);
	buf_free(&what);
	buf_free(&b);
	return r;
}

static int
take_lock(struct fbe *f, struct err *e)
{
	char pid[32];
	ssize_t n;
	int fd;

	if (f->lockfd != -1)
		return 0;
	if ((fd = open(f->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return sys_err(e, f->path, f->lock);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			n = pread(fd, pid, sizeof(pid) - 1, 0);
			close(fd);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			return err_set(e, EXIT_RUNTIME, "registry %s is locked by "
			    "another writer (pid %s)", f->path,
			    *pid ? pid : "unknown");
		}
		sys_err(e, f->path, "flock");
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n) {
		sys_err(e, f->path, f->lock);
		close(fd);
		return -1;
	}
	if ((f->base = ckpt_set_new()) == NULL) {
		close(fd);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	if (load_into(f, f->base, e) == -1) {
		ckpt_set_free(f->base);
		f->base = NULL;
		close(fd);
		return -1;
	}
	f->lockfd = fd;
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sync_dir(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r = 0;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		r = sys_err(e, path, "fsync of its directory");
	if (fd != -1)
		close(fd);
	free(dir);
	return r;
}

/* Replaces the file with the contents of f->base. */
static int
write_base(struct fbe *f, struct err *e)
{
	struct buf b = BUF_INIT;
	int fd;

	if (ckpt_set_ndjson(f->base, &b) == -1) {
		buf_free(&b);
		return err_set(e, EXIT_RUNTIME, "registry %s: out of memory",
		    f->path);
	}
	if ((fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		buf_free(&b);
		return sys_err(e, f->path, f->tmp);
	}
	if (write_all(fd, b.p, b.len) == -1 || fsync(fd) == -1) {
		sys_err(e, f->path, f->tmp);
		close(fd);
		unlink(f->tmp);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	if (close(fd) == -1) {
		sys_err(e, f->path, f->tmp);
		unlink(f->tmp);
		return -1;
	}
	if (rename(f->tmp, f->path) == -1) {
		sys_err(e, f->path, "rename");
		unlink(f->tmp);
		return -1;
	}
	return sync_dir(f->path, e);
}

static int
file_load(struct ckpt *k, const struct ckpt_filter *flt, struct ckpt_set *s,
    struct err *e)
{
	struct fbe *f = k->be;
	struct ckpt_set *all;
	int r;

	if (f->base != NULL)
		r = ckpt_set_merge(s, f->base, flt) == -1 ?
		    err_set(e, EXIT_RUNTIME, "out of memory") : 0;
	else if (flt == NULL || (flt->ngroups == 0 && flt->nsources == 0))
		r = load_into(f, s, e);
	else {
		if ((all = ckpt_set_new()) == NULL)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		if ((r = load_into(f, all, e)) == 0 &&
		    ckpt_set_merge(s, all, flt) == -1)
			r = err_set(e, EXIT_RUNTIME, "out of memory");
		ckpt_set_free(all);
	}
	return r;
}

static int
file_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e)
{
	struct fbe *f = k->be;

	if (take_lock(f, e) == -1)
		return -1;
	if (ckpt_merge_dirty(f->base, s, NULL, st) == -1)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	if (st->written == 0) {
		ckpt_set_clean(s, NULL);
		return 0;
	}
	if (write_base(f, e) == -1)
		return -1;
	ckpt_set_clean(s, NULL);
	return 0;
}

static int
file_del(struct ckpt *k, const struct ckpt_filter *flt, size_t *ndel,
    struct err *e)
{
	struct fbe *f = k->be;
	const struct cursor **v;
	struct buf key = BUF_INIT;
	size_t i, n;

	if (take_lock(f, e) == -1)
		return -1;
	if ((v = ckpt_set_sorted(f->base, 0, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++) {
		if (!ckpt_filter_match(flt, v[i]))
			continue;
		buf_reset(&key);
		cursor_key(v[i], &key);
		*ndel += ckpt_set_del(f->base, buf_str(&key));
	}
	free(v);
	buf_free(&key);
	if (*ndel == 0)
		return 0;
	return write_base(f, e);
}

static int
file_init(struct ckpt *k, int *created, struct err *e)
{
	struct fbe *f = k->be;

	if (take_lock(f, e) == -1)
		return -1;
	if (access(f->path, F_OK) == 0)
		return 0;
	if (write_base(f, e) == -1)
		return -1;
	*created = 1;
	return 0;
}

static void
file_close(struct ckpt *k)
{
	struct fbe *f = k->be;

	if (f->lockfd != -1)
		close(f->lockfd);
	ckpt_set_free(f->base);
	free(f->path);
	free(f->tmp);
	free(f->lock);
	free(f);
}

static const struct ckpt_ops file_ops = {
	file_load, file_save, file_del, file_init, file_close
};

int
ckpt_file_open(struct ckpt *k, const char *path, const struct ckpt_opts *o,
    struct err *e)
{
	struct buf b = BUF_INIT;
	struct fbe *f;
	size_t n = strlen(path);

	if (n == 0 || path[n - 1] == '/')
		return err_set(e, EXIT_USAGE, "registry '%s': not a file name",
		    path);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	f->lockfd = -1;
	f->path = strdup(path);
	buf_printf(&b, "%s.tmp", path);
	f->tmp = buf_detach(&b);
	buf_printf(&b, "%s.lock", path);
	f->lock = buf_detach(&b);
	k->ops = &file_ops;
	k->scheme = "file";
	k->be = f;
	k->name = strdup(path);
	if (f->path == NULL || f->tmp == NULL || f->lock == NULL ||
	    k->name == NULL) {
		file_close(k);
		k->be = NULL;
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	if (o && o->writer && take_lock(f, e) == -1) {
		file_close(k);
		k->be = NULL;
		return -1;
	}
	return 0;
}
