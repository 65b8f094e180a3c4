/*
 * fuzz_ship_line: cwl-ship's event-line scanner (cmd/cwl-ship/scan.c:
 * scan_line, scan_member, scan_path, scan_scalar) and what its intake
 * makes of a line with it: the document with @metadata cut out (as
 * ev_doc cuts it), the _id, the cursor and its source key (group and
 * stream, as cursor_key_raw reads them), and the index name
 * (cmd/cwl-ship/index.c: index_expand).
 *
 * Input: a byte choosing an index format, a byte choosing a field path,
 * then the line.
 *
 * Checks, against the RFC 8259 validator of json_oracle.h: a blank line
 * is 0; a line accepted is one valid JSON object, and json-c reads it;
 * a valid object is accepted unless @metadata appears twice or it nests
 * past 512; every offset stays inside the line; the document cut out is
 * a valid JSON object, json-c's object without @metadata; the _id and
 * the cursor are valid JSON values, those json-c finds; a member or a
 * path found is the value json-c finds there, and one not found is not
 * there (on the line as json-c writes it, whose keys have no escapes);
 * a scalar reads as json-c reads it; an index name is not empty and has
 * no capital letter.
 */
#include <ctype.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "json_oracle.h"
#include "jsonx.h"
#include "log.h"
#include "cwl-ship/ship.h"

static const char *const formats[] = {
	"cwl-%{[aws.cloudwatch.log_group]}-%{+yyyy.MM.dd}",
	"logs-%{[fields.app]:none}",
	"%{[message]}",
	"cwl-%{+YYYY.MM}-%{[@metadata._id]:x}",
};

static const char *const paths[] = {
	"aws.cloudwatch.log_group", "message", "@metadata._id",
	"@metadata.cursor.group", "a.b", "event.id", "fields.app", "a",
	"@timestamp", "log.file.path",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct keys {
	int metas;	/* raw "@metadata" keys at the top */
	int esc;	/* a key of the top or of @metadata has an escape */
};

static void
on_key(void *arg, int level, const unsigned char *k, size_t len)
{
	struct keys *ks = arg;

	if (memchr(k, '\\', len) != NULL)
		ks->esc = 1;
	if (level == 1 && len == 11 && memcmp(k, "\"@metadata\"", 11) == 0)
		ks->metas++;
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr(" \t\r\n", p[i]) || p[i] == '\0')
			return 0;
	return 1;
}

/* Returns 1 if p[off..off+len) is inside [lo, hi). */
static int
inside(size_t off, size_t len, size_t lo, size_t hi)
{
	return off >= lo && len <= hi - off && off <= hi;
}

/* The value at a dotted path, as json-c sees it (borrowed), or NULL with
 * *found 0. */
static json_object *
jpath(json_object *o, const char *path, int *found)
{
	char key[256];
	const char *dot;
	size_t k;

	*found = 0;
	for (;;) {
		dot = strchr(path, '.');
		k = dot ? (size_t)(dot - path) : strlen(path);
		memcpy(key, path, k);
		key[k] = '\0';
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &o))
			return NULL;
		if (dot == NULL)
			break;
		path = dot + 1;
	}
	*found = 1;
	return o;
}

/* scan_scalar of the token p[0..n) against json-c's value v of it. */
static void
check_scalar(const char *p, size_t n, json_object *v)
{
	struct buf b = BUF_INIT;
	int r = scan_scalar(p, n, &b);

	if (v == NULL || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array)) {
		FUZZ_ASSERT(r == -1, "scan_scalar takes '%.*s'", (int)n, p);
	} else if (json_object_is_type(v, json_type_string)) {
		FUZZ_ASSERT(r == 0 && b.len == (size_t)json_object_get_string_len(v)
		    && memcmp(buf_str(&b), json_object_get_string(v), b.len) == 0,
		    "scan_scalar reads '%.*s' as '%s'", (int)n, p, buf_str(&b));
	} else {
		FUZZ_ASSERT(r == 0 && b.len == n && memcmp(b.p, p, n) == 0,
		    "scan_scalar reads '%.*s' as '%s'", (int)n, p, buf_str(&b));
	}
	buf_free(&b);
}

/* A token found by the scanner: inside [lo, hi), a valid JSON value,
 * and (want_set) the value want. */
static void
check_token(const char *p, size_t off, size_t len, size_t lo, size_t hi,
    json_object *want, int want_set, const char *what)
{
	json_object *v;

	FUZZ_ASSERT(len > 0 && inside(off, len, lo, hi), "%s: %zu+%zu outside "
	    "%zu..%zu", what, off, len, lo, hi);
	FUZZ_ASSERT(json_valid(p + off, len, NULL, NULL, NULL, NULL),
	    "%s: '%.*s' is not a JSON value", what, (int)len, p + off);
	FUZZ_ASSERT(json_value(p + off, len, &v), "%s: json-c", what);
	if (want_set)
		FUZZ_ASSERT(json_object_equal(v, want), "%s: '%.*s' is not "
		    "json-c's %s", what, (int)len, p + off,
		    json_object_to_json_string(want));
	check_scalar(p + off, len, v);
	json_object_put(v);
}

/* On the line as json-c writes it: keys without escapes, each once. */
static void
check_canonical(json_object *j, const char *path)
{
	const char *c;
	size_t n, off, len;
	struct scan sc;
	json_object *want;
	int found;

	c = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	/* big numbers print as Infinity, not JSON */
	if (c == NULL || !json_valid(c, n, NULL, NULL, NULL, NULL))
		return;
	FUZZ_ASSERT(scan_line(c, n, &sc) == 1, "json-c's '%s' is rejected: %s",
	    c, sc.why);
	want = jpath(j, path, &found);
	if (scan_path(c, n, path, &off, &len)) {
		FUZZ_ASSERT(found, "%s found in '%s', json-c has none", path, c);
		check_token(c, off, len, 0, n, want, 1, path);
	} else {
		FUZZ_ASSERT(!found, "%s not found in '%s'", path, c);
	}
	want = jpath(j, "@metadata.cursor", &found);
	if (found && json_object_is_type(want, json_type_object) &&
	    sc.cur_len) {
		json_object *g = jpath(want, "group", &found);

		if (scan_member(c + sc.cur_off, sc.cur_len, "group", &off, &len)) {
			FUZZ_ASSERT(found, "a cursor's group that json-c has not");
			check_token(c, sc.cur_off + off, len, sc.cur_off,
			    sc.cur_off + sc.cur_len, g, 1, "cursor.group");
		} else {
			FUZZ_ASSERT(!found, "the cursor's group not found");
		}
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_ship_line");
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct index_fmt *fmts[NELEM(formats)];
	struct fuzz_in in = { data, size };
	const char *fmt_pick, *path;
	struct index_fmt *fmt;
	struct scan sc;
	struct keys ks;
	struct buf doc = BUF_INIT, name = BUF_INIT;
	json_object *j = NULL, *d = NULL, *meta = NULL, *m = NULL;
	const char *p;
	struct err ie = ERR_INIT;
	size_t n, a, z, off, len, i;
	struct jv_stats st;
	int r, valid, found;
	char *line;
	struct err e = ERR_INIT;

	i = fuzz_byte(&in) % NELEM(formats);
	fmt_pick = formats[i];
	if (fmts[i] == NULL)
		FUZZ_ASSERT((fmts[i] = index_compile(fmt_pick, &e)) != NULL,
		    "%s: %s", fmt_pick, err_msg(&e));
	fmt = fmts[i];
	path = paths[fuzz_byte(&in) % NELEM(paths)];
	line = fuzz_strndup(in.p, in.n);
	p = line;
	n = in.n;

	r = scan_line(p, n, &sc);
	memset(&ks, 0, sizeof(ks));
	valid = json_valid(p, n, &st, on_key, &ks, "\"@metadata\"");
	if (blank(p, n)) {
		FUZZ_ASSERT(r == 0, "a blank line gives %d", r);
		goto out;
	}
	FUZZ_ASSERT(r != 0, "a line that is not blank is taken as blank");
	if (r == -1) {
		FUZZ_ASSERT(sc.why[0] != '\0', "rejected with no reason");
		FUZZ_ASSERT(!valid || p[strspn(p, " \t\r\n")] != '{' ||
		    ks.metas > 1 || st.deepest >= 512, "a valid object is "
		    "rejected: %s",
		    sc.why);
		goto out;
	}
	FUZZ_ASSERT(valid, "an invalid line is accepted");
	FUZZ_ASSERT(json_value(p, n, &j) && json_object_is_type(j,
	    json_type_object), "json-c cannot read a line accepted");
	FUZZ_ASSERT(ks.metas <= 1, "@metadata twice, accepted");

	/* the document: the object, and only blanks around it */
	a = sc.doc_off;
	z = sc.doc_off + sc.doc_len;
	FUZZ_ASSERT(sc.doc_len >= 2 && z <= n && p[a] == '{' && p[z - 1] == '}',
	    "the document is at %zu+%zu", a, sc.doc_len);
	FUZZ_ASSERT(strspn(p, " \t\r\n") == a && blank(p + z, n - z),
	    "more than the document on the line");

	/* the cut, as ev_doc makes it */
	if (sc.cut_len) {
		FUZZ_ASSERT(sc.meta_len && inside(sc.cut_off, sc.cut_len, a + 1,
		    z - 1) && sc.meta_off >= sc.cut_off && sc.meta_off +
		    sc.meta_len <= sc.cut_off + sc.cut_len, "cut %zu+%zu, "
		    "@metadata %zu+%zu", sc.cut_off, sc.cut_len, sc.meta_off,
		    sc.meta_len);
		buf_add(&doc, p + a, sc.cut_off - a);
		buf_add(&doc, p + sc.cut_off + sc.cut_len,
		    z - (sc.cut_off + sc.cut_len));
	} else {
		FUZZ_ASSERT(sc.meta_len == 0, "@metadata with nothing to cut");
		buf_add(&doc, p + a, sc.doc_len);
	}
	FUZZ_ASSERT(json_valid(doc.p, doc.len, NULL, NULL, NULL, NULL) &&
	    doc.p[0] == '{', "the document without @metadata is not a JSON "
	    "object: %s", buf_str(&doc));
	FUZZ_ASSERT(json_value(doc.p, doc.len, &d), "json-c: %s", doc.p);
	json_object_object_get_ex(j, "@metadata", &meta);
	if (!ks.esc) {
		FUZZ_ASSERT((sc.meta_len != 0) == (meta != NULL ||
		    json_object_object_get_ex(j, "@metadata", NULL)),
		    "@metadata found: %zu", sc.meta_len);
		json_object_object_del(j, "@metadata");
		FUZZ_ASSERT(json_object_equal(d, j), "the cut changed the "
		    "document: %s", doc.p);
	}
	json_object_put(j);
	j = NULL;
	json_value(p, n, &j);
	json_object_object_get_ex(j, "@metadata", &meta);

	/* @metadata, its _id and its cursor */
	if (sc.meta_len)
		check_token(p, sc.meta_off, sc.meta_len, a, z, meta, !ks.esc,
		    "@metadata");
	if (sc.id_len) {
		m = jpath(j, "@metadata._id", &found);
		FUZZ_ASSERT(ks.esc || found, "an _id json-c does not see");
		check_token(p, sc.id_off, sc.id_len, sc.meta_off, sc.meta_off +
		    sc.meta_len, m, !ks.esc, "_id");
	} else if (!ks.esc) {
		jpath(j, "@metadata._id", &found);
		FUZZ_ASSERT(!found, "an _id not found");
	}
	if (sc.cur_len) {
		m = jpath(j, "@metadata.cursor", &found);
		FUZZ_ASSERT(ks.esc || found, "a cursor json-c does not see");
		check_token(p, sc.cur_off, sc.cur_len, sc.meta_off, sc.meta_off +
		    sc.meta_len, m, !ks.esc, "cursor");
		/* the source key, as cursor_key_raw reads it */
		if (p[sc.cur_off] == '{') {
			if (scan_member(p + sc.cur_off, sc.cur_len, "group", &off,
			    &len))
				check_token(p, sc.cur_off + off, len, sc.cur_off,
				    sc.cur_off + sc.cur_len, NULL, 0, "group");
			if (scan_member(p + sc.cur_off, sc.cur_len, "stream", &off,
			    &len))
				check_token(p, sc.cur_off + off, len, sc.cur_off,
				    sc.cur_off + sc.cur_len, NULL, 0, "stream");
		}
	} else if (!ks.esc) {
		jpath(j, "@metadata.cursor", &found);
		FUZZ_ASSERT(!found, "a cursor not found");
	}

	/* the "aws" member the scan records is the one scan_member finds
	 * (the first, by its raw key) */
	if (scan_member(p + a, sc.doc_len, "aws", &off, &len)) {
		FUZZ_ASSERT(sc.aws_len == len && sc.aws_off == a + off,
		    "aws at %zu+%zu, scan_member says %zu+%zu", sc.aws_off,
		    sc.aws_len, a + off, len);
		check_token(p, sc.aws_off, sc.aws_len, a, z, NULL, 0, "aws");
	} else {
		FUZZ_ASSERT(sc.aws_len == 0, "an aws member scan_member misses");
	}

	/* a field, as an index format takes it */
	if (scan_path(p + a, sc.doc_len, path, &off, &len))
		check_token(p, a + off, len, a, z, NULL, 0, path);
	check_canonical(j, path);
	if (index_expand(fmt, p + a, sc.doc_len, &name, &ie,
	    1763892000123LL) == 0) {
		FUZZ_ASSERT(name.len > 0, "%s: an empty name", fmt_pick);
		for (i = 0; i < name.len; i++)
			FUZZ_ASSERT(!isupper((unsigned char)name.p[i]), "%s: '%s' "
			    "has capitals", fmt_pick, name.p);
	} else {
		FUZZ_ASSERT(ie.msg && *ie.msg, "%s: no name, no reason",
		    fmt_pick);
		err_clear(&ie);
	}
out:
	json_object_put(j);
	json_object_put(d);
	buf_free(&doc);
	buf_free(&name);
	free(line);
	return 0;
}
