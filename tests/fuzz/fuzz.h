/*
 * fuzz: what the libFuzzer targets share. Inputs are cut into fields at
 * a separator byte; FUZZ_ASSERT prints what broke and aborts, which
 * libFuzzer reports as a crash with the input saved. Targets are built
 * with _GNU_SOURCE (memfd_create).
 */
#ifndef CWL_FUZZ_H
#define CWL_FUZZ_H

#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz: %s:%d: assertion failed: %s: ", \
		    __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		abort(); \
	} \
} while (0)

/* The part of an input not yet taken. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* Takes one byte (0 once the input is used up). */
static inline uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t c;

	if (in->n == 0)
		return 0;
	c = in->p[0];
	in->p++;
	in->n--;
	return c;
}

/* Takes the bytes up to the next sep (or the end) as a malloc'd,
 * NUL-terminated string; *len (may be NULL) gets its length, which may
 * hold NUL bytes when sep is not NUL. The caller frees it. */
static inline char *
fuzz_field(struct fuzz_in *in, int sep, size_t *len)
{
	const uint8_t *end = memchr(in->p, sep, in->n);
	size_t n = end ? (size_t)(end - in->p) : in->n;
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, in->p, n);
	s[n] = '\0';
	if (len)
		*len = n;
	in->p += end ? n + 1 : n;
	in->n -= end ? n + 1 : n;
	return s;
}

/* Returns a malloc'd NUL-terminated copy of p[0..n). */
static inline char *
fuzz_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* An anonymous file in memory for the library to open by name: its
 * path ("/proc/self/fd/N") is written to path (64 bytes). The file is
 * mode 0600, as a credentials file should be. Aborts on failure: a
 * target cannot run without it. */
static inline int
fuzz_memfile(const char *name, char path[64])
{
	int fd = memfd_create(name, 0);

	if (fd == -1 || fchmod(fd, 0600) == -1) {
		perror("fuzz: memfd_create");
		abort();
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* Replaces the content of the file fd with p[0..n). */
static inline void
fuzz_memfile_set(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;
	size_t off = 0;

	if (ftruncate(fd, 0) == -1) {
		perror("fuzz: ftruncate");
		abort();
	}
	while (off < n) {
		if ((w = pwrite(fd, s + off, n - off, (off_t)off)) <= 0) {
			perror("fuzz: pwrite");
			abort();
		}
		off += (size_t)w;
	}
}

/* Returns 1 if there is an occurrence of needle (a C string) in
 * hay[0..n), which may hold NUL bytes. */
static inline int
fuzz_contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	if (m == 0 || m > n)
		return m == 0;
	for (i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

#endif
