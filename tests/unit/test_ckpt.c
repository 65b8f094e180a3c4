/* ckpt: the set's merge and ordering, URL parsing, the memory and file
 * stores. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ckpt.h"
#include "cursor.h"
#include "err.h"
#include "unit.h"

static struct cursor
cur(const char *g, const char *s, int64_t n, int64_t ts)
{
	struct cursor c;

	memset(&c, 0, sizeof(c));
	c.group = (char *)g;
	c.stream = (char *)s;
	c.token = (char *)"f/1";
	c.skip = 1;
	c.n = n;
	c.ts = ts;
	return c;
}

static const char *
ndjson(const struct ckpt_set *s)
{
	static struct buf b;

	buf_reset(&b);
	ckpt_set_ndjson(s, &b);
	return buf_str(&b);
}

/* Each step puts one cursor; want is what put returns, then n held. */
static const struct {
	const char *g, *s;
	int64_t n, ts;
	int want;
	int64_t held_n, held_ts;
} steps[] = {
	{ "g", "a", 5, 100, 1, 5, 100 },	/* new source */
	{ "g", "a", 4, 200, 0, 5, 100 },	/* older n, newer ts: n wins */
	{ "g", "a", 5, 100, 0, 5, 100 },	/* equal: kept */
	{ "g", "a", 5, 99, 0, 5, 100 },		/* same n, older ts */
	{ "g", "a", 5, 101, 1, 5, 101 },	/* same n, newer ts */
	{ "g", "a", 6, 50, 1, 6, 50 },		/* newer n, older ts: n wins */
	{ "g", "b", 1, 1, 1, 1, 1 },		/* another source */
	{ "h", "a", 0, 0, 1, 0, 0 },		/* n 0 (imported) is new */
	{ "h", "a", 0, 0, 0, 0, 0 },		/* and idempotent */
};

static void
test_put_order(void)
{
	struct ckpt_set *s = ckpt_set_new();
	const struct cursor *h;
	struct cursor c;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char key[64];

		c = cur(steps[i].g, steps[i].s, steps[i].n, steps[i].ts);
		CHECK_INT(ckpt_set_put(s, &c, 1), steps[i].want, "step %zu", i);
		snprintf(key, sizeof(key), "%s:%s", steps[i].g, steps[i].s);
		h = ckpt_set_get(s, key);
		CHECK(h != NULL, "step %zu: %s held", i, key);
		if (h) {
			CHECK_INT(h->n, steps[i].held_n, "step %zu n", i);
			CHECK_INT(h->ts, steps[i].held_ts, "step %zu ts", i);
		}
	}
	CHECK_INT(ckpt_set_len(s), 3, "three sources");
	CHECK_INT(ckpt_set_ndirty(s), 3, "three dirty");
	CHECK_STR(ndjson(s),
	    "{\"group\":\"g\",\"stream\":\"a\",\"token\":\"f/1\",\"skip\":1,\"ts\":50,\"n\":6}\n"
	    "{\"group\":\"g\",\"stream\":\"b\",\"token\":\"f/1\",\"skip\":1,\"ts\":1,\"n\":1}\n"
	    "{\"group\":\"h\",\"stream\":\"a\",\"token\":\"f/1\",\"skip\":1,\"ts\":0,\"n\":0}\n",
	    "sorted by source key");
	ckpt_set_clean(s, "g:b");
	CHECK_INT(ckpt_set_ndirty(s), 2, "one cleaned");
	CHECK_INT(ckpt_set_is_dirty(s, "g:b"), 0, "g:b clean");
	CHECK_INT(ckpt_set_is_dirty(s, "g:a"), 1, "g:a dirty");
	c = cur("g", "b", 9, 9);
	CHECK_INT(ckpt_set_put(s, &c, 0), 1, "unmarked put");
	CHECK_INT(ckpt_set_is_dirty(s, "g:b"), 0, "unmarked stays clean");
	ckpt_set_clean(s, NULL);
	CHECK_INT(ckpt_set_ndirty(s), 0, "all clean");
	ckpt_set_free(s);
}

static void
test_sort_keys(void)
{
	/* '.' < ':' < 'a': a source key sorts by the whole key, and the
	 * sources of one group stay adjacent. */
	static const char *in[][2] = {
		{ "a", "z" }, { "a.b", "x" }, { "a", "b" }, { "/aws/x", "s/1" },
		{ "a-b", "y" }, { "/aws/x", "s" },
	};
	static const char *want[] = {
		"/aws/x:s", "/aws/x:s/1", "a-b:y", "a.b:x", "a:b", "a:z",
	};
	struct ckpt_set *s = ckpt_set_new();
	const struct cursor **v;
	struct buf k = BUF_INIT;
	struct cursor c;
	size_t i, n;

	for (i = 0; i < 6; i++) {
		c = cur(in[i][0], in[i][1], 1, 1);
		ckpt_set_put(s, &c, i % 2);
	}
	v = ckpt_set_sorted(s, 0, &n);
	CHECK_INT(n, 6, "six sorted");
	for (i = 0; i < n && i < 6; i++) {
		buf_reset(&k);
		cursor_key(v[i], &k);
		CHECK_STR(buf_str(&k), want[i], "position %zu", i);
	}
	free(v);
	v = ckpt_set_sorted(s, 1, &n);
	CHECK_INT(n, 3, "three dirty sorted");
	free(v);
	buf_free(&k);
	ckpt_set_free(s);
}

static void
test_many(void)
{
	struct ckpt_set *s = ckpt_set_new();
	struct cursor c;
	char st[32], key[48];
	size_t i, found = 0, gone = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(st, sizeof(st), "s%zu", i);
		c = cur("grp", st, (int64_t)i, 0);
		ckpt_set_put(s, &c, 1);
	}
	CHECK_INT(ckpt_set_len(s), 5000, "5000 sources");
	for (i = 0; i < 5000; i += 3) {
		snprintf(key, sizeof(key), "grp:s%zu", i);
		gone += ckpt_set_del(s, key);
	}
	CHECK_INT(gone, 1667, "every third deleted");
	CHECK_INT(ckpt_set_len(s), 5000 - 1667, "len after deletes");
	CHECK_INT(ckpt_set_ndirty(s), 5000 - 1667, "dirty after deletes");
	for (i = 0; i < 5000; i++) {
		const struct cursor *h;

		snprintf(key, sizeof(key), "grp:s%zu", i);
		h = ckpt_set_get(s, key);
		if (i % 3 == 0)
			CHECK(h == NULL, "%s deleted", key);
		else if (h != NULL && h->n == (int64_t)i)
			found++;
	}
	CHECK_INT(found, 5000 - 1667, "every other source still found");
	CHECK_INT(ckpt_set_del(s, "grp:s0"), 0, "deleting twice");
	CHECK_INT(ckpt_set_del(s, "nope:x"), 0, "deleting the absent");
	ckpt_set_free(s);
}

static const struct {
	const char *in;
	int rc;
	size_t len;
	const char *msg;	/* substring of the error */
} parses[] = {
	{ "", 0, 0, NULL },
	{ "\n\n  \n", 0, 0, NULL },
	{ "{\"group\":\"g\",\"stream\":\"s\",\"n\":1}", 0, 1, NULL },
	{ "{\"group\":\"g\",\"stream\":\"s\",\"n\":2}\n"
	  "{\"group\":\"g\",\"stream\":\"s\",\"n\":1}\n", 0, 1, NULL },
	{ "{\"group\":\"g\",\"stream\":\"s\",\"n\":1}\r\n\n"
	  "{\"group\":\"g\",\"stream\":\"t\",\"n\":1}\n", 0, 2, NULL },
	{ "{\"group\":\"g\",\"stream\":\"s\"}\n{\"group\":\"g\"\n", -1, 0,
	  "reg: line 2: not JSON" },
	{ "\n\n{\"stream\":\"s\"}\n", -1, 0, "reg: line 3: cursor has no \"group\"" },
	{ "[1,2]\n", -1, 0, "reg: line 1: cursor is not a JSON object" },
	{ "garbage\n", -1, 0, "reg: line 1: not JSON" },
};

static void
test_parse(void)
{
	struct err e = ERR_INIT;
	struct ckpt_set *s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		s = ckpt_set_new();
		rc = ckpt_set_parse(s, parses[i].in, strlen(parses[i].in), "reg",
		    &e);
		CHECK_INT(rc, parses[i].rc, "parse %zu", i);
		if (rc == 0)
			CHECK_INT(ckpt_set_len(s), parses[i].len, "parse %zu len", i);
		else {
			CHECK(strstr(err_msg(&e), parses[i].msg) != NULL,
			    "parse %zu: %s", i, err_msg(&e));
			CHECK_INT(e.code, EXIT_RUNTIME, "parse %zu code", i);
		}
		CHECK_INT(ckpt_set_ndirty(s), 0, "parse %zu: unmarked", i);
		err_clear(&e);
		ckpt_set_free(s);
	}
}

static void
test_filter(void)
{
	const char *groups[] = { "/aws/a", "b" };
	const char *sources[] = { "c:x", "/aws/d:s/1" };
	struct ckpt_filter none = { NULL, 0, NULL, 0 };
	struct ckpt_filter g = { groups, 2, NULL, 0 };
	struct ckpt_filter s = { NULL, 0, sources, 2 };
	struct ckpt_filter gs = { groups, 2, sources, 2 };
	static const struct {
		const char *grp, *str;
		int none, g, s, gs;
	} t[] = {
		{ "/aws/a", "x", 1, 1, 0, 1 },
		{ "/aws/ab", "x", 1, 0, 0, 0 },
		{ "b", "anything", 1, 1, 0, 1 },
		{ "c", "x", 1, 0, 1, 1 },
		{ "c", "xy", 1, 0, 0, 0 },
		{ "c:x", "", 1, 0, 0, 0 },
		{ "/aws/d", "s/1", 1, 0, 1, 1 },
		{ "/aws/d", "s", 1, 0, 0, 0 },
	};
	struct cursor c;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = cur(t[i].grp, t[i].str, 1, 1);
		CHECK_INT(ckpt_filter_match(NULL, &c), 1, "NULL %zu", i);
		CHECK_INT(ckpt_filter_match(&none, &c), t[i].none, "none %zu", i);
		CHECK_INT(ckpt_filter_match(&g, &c), t[i].g, "groups %zu", i);
		CHECK_INT(ckpt_filter_match(&s, &c), t[i].s, "sources %zu", i);
		CHECK_INT(ckpt_filter_match(&gs, &c), t[i].gs, "both %zu", i);
	}
}

static void
test_merge_dirty(void)
{
	struct ckpt_set *base = ckpt_set_new(), *s = ckpt_set_new();
	struct ckpt_stats st = { 0, 0, 0 };
	struct cursor c;

	c = cur("g", "old", 10, 0);	ckpt_set_put(base, &c, 0);
	c = cur("g", "new", 10, 0);	ckpt_set_put(base, &c, 0);
	c = cur("h", "x", 1, 0);	ckpt_set_put(base, &c, 0);
	c = cur("g", "old", 5, 0);	ckpt_set_put(s, &c, 1);	/* stale */
	c = cur("g", "new", 11, 0);	ckpt_set_put(s, &c, 1);
	c = cur("g", "fresh", 1, 0);	ckpt_set_put(s, &c, 1);
	c = cur("h", "x", 2, 0);	ckpt_set_put(s, &c, 1);
	c = cur("g", "clean", 1, 0);	ckpt_set_put(s, &c, 0);
	CHECK_INT(ckpt_merge_dirty(base, s, "g", &st), 0, "merge g");
	CHECK_INT(st.written, 2, "g: new and fresh written");
	CHECK_INT(st.kept, 1, "g: old kept");
	CHECK_INT(ckpt_set_get(s, "g:old")->n, 10, "s learns the newer");
	CHECK_INT(ckpt_set_get(base, "g:new")->n, 11, "base takes the newer");
	CHECK(ckpt_set_get(base, "g:clean") == NULL, "clean not merged");
	CHECK_INT(ckpt_set_get(base, "h:x")->n, 1, "other group untouched");
	memset(&st, 0, sizeof(st));
	CHECK_INT(ckpt_merge_dirty(base, s, NULL, &st), 0, "merge all");
	CHECK_INT(st.written, 1, "h:x written");
	CHECK_INT(ckpt_set_get(base, "h:x")->n, 2, "h:x moved on");
	ckpt_set_free(base);
	ckpt_set_free(s);
}

static const struct {
	const char *url;
	int code;		/* 0: opens */
	const char *scheme, *msg;
} urls[] = {
	{ "memory:", 0, "memory", "memory:" },
	{ "MEMORY:", 0, "memory", "memory:" },
	{ "memory:x", EXIT_USAGE, NULL, "memory: takes nothing" },
	{ "file:reg.ndjson", 0, "file", "reg.ndjson" },
	{ "file://reg.ndjson", 0, "file", "reg.ndjson" },
	{ "reg.ndjson", 0, "file", "reg.ndjson" },
	{ "./dir/", EXIT_USAGE, NULL, "not a file name" },
	{ "file:", EXIT_USAGE, NULL, "not a file name" },
	{ "", EXIT_USAGE, NULL, "empty URL" },
	{ "redis://x/y", EXIT_USAGE, NULL, "unknown scheme" },
	{ "s3://", EXIT_USAGE, NULL, "no bucket" },
	{ "s3:///prefix", EXIT_USAGE, NULL, "no bucket" },
	{ "dynamodb://", EXIT_USAGE, NULL, "expected dynamodb://TABLE" },
	{ "dynamodb://a/b", EXIT_USAGE, NULL, "expected dynamodb://TABLE" },
};

static void
test_urls(void)
{
	struct err e = ERR_INIT;
	struct ckpt *k;
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		k = ckpt_open(urls[i].url, NULL, &e);
		if (urls[i].code == 0) {
			CHECK(k != NULL, "%s: %s", urls[i].url, err_msg(&e));
			if (k) {
				CHECK_STR(ckpt_scheme(k), urls[i].scheme, "%s",
				    urls[i].url);
				CHECK_STR(ckpt_name(k), urls[i].msg, "%s",
				    urls[i].url);
			}
		} else {
			CHECK(k == NULL, "%s refused", urls[i].url);
			CHECK_INT(e.code, urls[i].code, "%s", urls[i].url);
			CHECK(strstr(err_msg(&e), urls[i].msg) != NULL, "%s: %s",
			    urls[i].url, err_msg(&e));
		}
		ckpt_close(k);
		err_clear(&e);
	}
}

static void
test_memory(void)
{
	struct err e = ERR_INIT;
	struct ckpt_set *s = ckpt_set_new(), *got = ckpt_set_new();
	struct ckpt_stats st;
	struct ckpt *k = ckpt_open("memory:", NULL, &e);
	const char *gr[] = { "g" };
	struct ckpt_filter f = { gr, 1, NULL, 0 };
	struct cursor c;
	size_t n;

	c = cur("g", "a", 3, 0);	ckpt_set_put(s, &c, 1);
	c = cur("h", "a", 3, 0);	ckpt_set_put(s, &c, 1);
	CHECK_INT(ckpt_save(k, s, &st, &e), 0, "memory save");
	CHECK_INT(st.written, 2, "two written");
	CHECK_INT(ckpt_set_ndirty(s), 0, "save cleans");
	CHECK_INT(ckpt_load(k, &f, got, &e), 0, "memory load");
	CHECK_INT(ckpt_set_len(got), 1, "filtered load");
	CHECK_INT(ckpt_delete(k, NULL, &n, &e), 0, "memory delete");
	CHECK_INT(n, 2, "two deleted");
	ckpt_set_free(got);
	got = ckpt_set_new();
	ckpt_load(k, NULL, got, &e);
	CHECK_INT(ckpt_set_len(got), 0, "empty after delete");
	ckpt_close(k);
	ckpt_set_free(s);
	ckpt_set_free(got);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char b[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(b, 1, sizeof(b) - 1, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

static void
test_file(void)
{
	char dir[] = "/tmp/cwl-ckpt-XXXXXX", path[64], lock[80];
	struct ckpt_opts w = { NULL, 1 };
	struct err e = ERR_INIT;
	struct ckpt *k, *k2;
	struct ckpt_set *s, *got;
	struct ckpt_stats st;
	struct cursor c;
	const char *txt;
	size_t n;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/reg", dir);
	snprintf(lock, sizeof(lock), "%s/reg.lock", dir);
	got = ckpt_set_new();
	k = ckpt_open(path, NULL, &e);
	CHECK_INT(ckpt_load(k, NULL, got, &e), 0, "absent file is empty");
	CHECK_INT(ckpt_set_len(got), 0, "nothing in it");
	ckpt_close(k);

	k = ckpt_open(path, &w, &e);
	CHECK(k != NULL, "writer opens: %s", err_msg(&e));
	k2 = ckpt_open(path, &w, &e);
	CHECK(k2 == NULL, "second writer refused");
	CHECK(strstr(err_msg(&e), "is locked by another writer (pid ") != NULL,
	    "%s", err_msg(&e));
	CHECK_INT(e.code, EXIT_RUNTIME, "locked: exit 1");
	err_clear(&e);
	s = ckpt_set_new();
	c = cur("g", "b", 2, 0);	ckpt_set_put(s, &c, 1);
	c = cur("g", "a", 1, 0);	ckpt_set_put(s, &c, 1);
	CHECK_INT(ckpt_save(k, s, &st, &e), 0, "file save: %s", err_msg(&e));
	txt = slurp(path);
	CHECK_STR(txt,
	    "{\"group\":\"g\",\"stream\":\"a\",\"token\":\"f/1\",\"skip\":1,\"ts\":0,\"n\":1}\n"
	    "{\"group\":\"g\",\"stream\":\"b\",\"token\":\"f/1\",\"skip\":1,\"ts\":0,\"n\":2}\n",
	    "the file holds both, sorted");
	CHECK(access(lock, F_OK) == 0, "the lock file exists");
	c = cur("g", "a", 0, 0);	ckpt_set_put(s, &c, 1);	/* not newer: no-op */
	c = cur("g", "b", 7, 0);	ckpt_set_put(s, &c, 1);
	CHECK_INT(ckpt_save(k, s, &st, &e), 0, "second save");
	CHECK_INT(st.written, 1, "one written");
	ckpt_close(k);

	k = ckpt_open(path, &w, &e);
	CHECK(k != NULL, "lock released at close: %s", err_msg(&e));
	CHECK_INT(ckpt_delete(k, &(struct ckpt_filter){ NULL, 0,
	    (const char *[]){ "g:a" }, 1 }, &n, &e), 0, "delete g:a");
	CHECK_INT(n, 1, "one deleted");
	ckpt_close(k);
	k = ckpt_open(path, NULL, &e);
	ckpt_load(k, NULL, got, &e);
	CHECK_INT(ckpt_set_len(got), 1, "one left");
	CHECK_INT(ckpt_set_get(got, "g:b")->n, 7, "g:b at 7");
	ckpt_close(k);

	f = fopen(path, "a");
	fputs("{\"group\":\"g\",\"stream\":\n", f);
	fclose(f);
	k = ckpt_open(path, NULL, &e);
	CHECK_INT(ckpt_load(k, NULL, got, &e), -1, "corrupt file");
	CHECK(strstr(err_msg(&e), "/reg: line 2: not JSON") != NULL, "%s",
	    err_msg(&e));
	CHECK_INT(e.code, EXIT_RUNTIME, "corrupt: exit 1");
	err_clear(&e);
	ckpt_close(k);
	k = ckpt_open(path, &w, &e);
	CHECK(k == NULL, "a writer refuses a corrupt file");
	err_clear(&e);

	unlink(path);
	unlink(lock);
	rmdir(dir);
	ckpt_set_free(s);
	ckpt_set_free(got);
}

int
main(void)
{
	test_put_order();
	test_sort_keys();
	test_many();
	test_parse();
	test_filter();
	test_merge_dirty();
	test_urls();
	test_memory();
	test_file();
	return unit_done("test_ckpt");
}
