/*
 * What cwl-tail is told to read: GROUP[:STREAM] arguments, stream and
 * group lines from cwl-list on stdin, the cursors of --resume, and the
 * prospectors of the config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arn.h"
#include "cli.h"
#include "evline.h"
#include "jsonx.h"
#include "log.h"
#include "strmap.h"
#include "tail.h"
#include "timex.h"

extern struct cli cli;


/* --- --resume ----------------------------------------------------------- */

/* Cursors by source key; a claimed entry stays, marked taken. */
struct rslot {
	struct cursor c;
	int taken;
};
static struct strmap *resumed;	/* source key -> struct rslot */

int
resume_load(const char *path, struct err *e)
{
	struct buf key = BUF_INIT;
	struct cursor c;
	struct rslot *sl;
	void **v;
	char *line = NULL;
	size_t cap = 0, lineno = 0, i;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return err_set(e, EXIT_USAGE, "--resume %s: %s", path,
		    strerror(errno));
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		for (i = 0; i < (size_t)n && strchr(" \t\r\n", line[i]); i++)
			;
		if (i == (size_t)n)
			continue;
		if (cursor_parse(line, (size_t)n, &c, e) == -1) {
			err_prefix(e, "--resume %s:%zu", path, lineno);
			e->code = EXIT_USAGE;
			goto fail;
		}
		buf_reset(&key);
		if (cursor_key(&c, &key) == -1)
			log_oom();
		if ((resumed == NULL && (resumed = strmap_new()) == NULL) ||
		    (v = strmap_put(resumed, buf_str(&key))) == NULL ||
		    (*v == NULL && (*v = calloc(1, sizeof(*sl))) == NULL))
			log_oom();
		sl = *v;
		if (sl->c.group == NULL || cursor_cmp(&c, &sl->c) >= 0) {
			cursor_clear(&sl->c);
			sl->c = c;
		} else {
			cursor_clear(&c);
		}
	}
	if (ferror(f)) {
		err_set(e, EXIT_USAGE, "--resume %s: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	buf_free(&key);
	fclose(f);
	log_debug("tail", "--resume %s: %zu cursors", path,
	    resumed ? strmap_count(resumed) : 0);
	return 0;
fail:
	free(line);
	buf_free(&key);
	fclose(f);
	return -1;
}

int
resume_take(const char *group, const char *stream, struct cursor *c)
{
	struct buf key = BUF_INIT;
	struct rslot *sl;

	if (resumed == NULL)
		return -1;
	if (buf_printf(&key, "%s:%s", group, stream ? stream : "*") == -1)
		log_oom();
	sl = strmap_get(resumed, buf_str(&key));
	buf_free(&key);
	if (sl == NULL || sl->taken)
		return -1;
	sl->taken = 1;
	*c = sl->c;
	memset(&sl->c, 0, sizeof(sl->c));
	return 0;
}

int
resume_group_oldest(const char *group, int64_t *ts)
{
	size_t it;
	int64_t newest = INT64_MIN, oldest = INT64_MAX;
	const char *k;
	void *v;
	int pass;

	if (resumed == NULL)
		return -1;
	/* two passes: the newest, then the oldest within a horizon of it */
	for (pass = 0; pass < 2; pass++)
		for (it = 0; strmap_next(resumed, &it, &k, &v); ) {
			const struct rslot *sl = v;

			/* the cursor's group, not the key's first bytes:
			 * the key of a linked account's group, ACCOUNT:G:S,
			 * starts as that of a group named ACCOUNT does */
			if (sl->taken || sl->c.group == NULL ||
			    strcmp(sl->c.group, group) != 0 ||
			    strcmp(sl->c.stream, "*") == 0)
				continue;
			if (pass == 0 && sl->c.ts > newest)
				newest = sl->c.ts;
			if (pass == 1 && sl->c.ts < oldest &&
			    (T.horizon <= 0 || sl->c.ts >= newest - T.horizon))
				oldest = sl->c.ts;
		}
	if (oldest == INT64_MAX)
		return -1;
	*ts = oldest;
	return 0;
}

/* --- sources from arguments and stdin --------------------------------- */

/* How a group is read: group-wide with FilterLogEvents when a filter
 * pattern or --mode filter says so, and when following (the only way
 * that is right whatever order AWS keeps a stream in, group.c; a
 * multiline pattern joins each stream's lines there) unless --mode
 * stream says otherwise; else stream by stream. */
static int
group_mode(const struct group *g)
{
	if (T.mode != MODE_AUTO)
		return T.mode;
	if (g->p->mode != MODE_AUTO)
		return g->p->mode;
	if (g->p->filter_pattern && *g->p->filter_pattern)
		return MODE_FILTER;
	return T.follow ? MODE_FILTER : MODE_STREAM;
}

/* A multiline pattern joins the lines of each stream: on the group-wide
 * path only when following (group.c), and never with a filter pattern,
 * which leaves out lines of an event. */
static int
ml_refused(const struct group *g)
{
	return g->p->ml.pattern && (!T.follow ||
	    (g->p->filter_pattern && *g->p->filter_pattern));
}

static void
add_fstream(struct group *g, const char *stream)
{
	char **v;
	size_t i;

	for (i = 0; i < g->nfstreams; i++)
		if (strcmp(g->fstreams[i], stream) == 0)
			return;
	if ((v = realloc(g->fstreams, (g->nfstreams + 1) * sizeof(*v))) == NULL ||
	    (v[g->nfstreams] = strdup(stream)) == NULL)
		log_oom();
	g->fstreams = v;
	g->nfstreams++;
}

/* Log group names: 1-512 of [.-_/#A-Za-z0-9]; stream names: 1-512, no
 * ':' or '*'. A linked source account's group is named by its ARN
 * (arn:...:log-group:G, with or without ":*"), a stream of it by the
 * stream's ARN (arn:...:log-group:G:log-stream:S). */
int
arg_source(const char *arg, struct err *e)
{
	const char *colon = strchr(arg, ':');
	struct buf gname = BUF_INIT;
	const char *stream = NULL;
	struct group *g = NULL;
	struct arn_group a;

	if (strncmp(arg, "arn:", 4) == 0) {
		if (arn_parse(arg, &a) == -1 || (g = group_get_arn(arg)) == NULL)
			return err_set(e, EXIT_USAGE, "'%s': not the ARN of a "
			    "log group or stream", arg);
		stream = a.stream;
	} else if (colon) {
		buf_add(&gname, arg, (size_t)(colon - arg));
		stream = colon + 1;
	} else {
		buf_adds(&gname, arg);
	}
	if (gname.len == 0 && strncmp(arg, "arn:", 4) != 0) {
		buf_free(&gname);
		return err_set(e, EXIT_USAGE, "'%s': no log group name", arg);
	}
	if (stream && (*stream == '\0' || strchr(stream, '*'))) {
		buf_free(&gname);
		return err_set(e, EXIT_USAGE, "'%s': not GROUP:STREAM", arg);
	}
	if (gname.len)
		g = group_get(buf_str(&gname));
	buf_free(&gname);
	g->explicit_arg = 1;
	if (group_mode(g) == MODE_FILTER) {
		if (ml_refused(g))
			return err_set(e, EXIT_USAGE, "%s: multiline needs "
			    "--mode stream, not a group-wide filter", g->name);
		if (stream)
			add_fstream(g, stream);
		else
			g->all_streams = 1;
		if (g->nfstreams > 100 && !g->all_streams)
			return err_set(e, EXIT_USAGE, "%s: more than 100 streams "
			    "for FilterLogEvents", g->name);
		src_group(g)->explicit_arg = 1;
	} else if (stream) {
		src_stream(g, stream, -1, -1, 1);
	} else {
		group_want_list(g);
	}
	return 0;
}

static void
reject(const char *why, const char *detail)
{
	log_warn("stdin:%zu: %s%s%s", T.in_line, why, detail ? ": " : "",
	    detail ? detail : "");
	T.rejected++;
}

/* The group of a line: by logGroupIdentifier, the ARN of a linked
 * account's group, which must name the line's logGroupName and accountId
 * (when given), else by logGroupName. Returns NULL, the line rejected,
 * when they disagree. */
static struct group *
line_group(json_object *o, const char *gname)
{
	const char *ident = jsonx_get_str(o, "logGroupIdentifier", NULL);
	const char *account = jsonx_get_str(o, "accountId", NULL);
	struct arn_group a;
	struct group *g;

	if (account && !arn_account_ok(account)) {
		reject("bad accountId", account);
		return NULL;
	}
	if (ident == NULL) {
		g = group_get(gname);
		/* a group line as AWS gives it: the owner from its ARN */
		if (account == NULL && (ident = jsonx_get_str(o, "arn", NULL)) &&
		    arn_parse(ident, &a) == 0)
			account = a.account;
		group_account(g, account);
		return g;
	}
	if (arn_parse(ident, &a) == -1 || a.stream || a.glen != strlen(gname) ||
	    strncmp(a.group, gname, a.glen) != 0 ||
	    (account && strcmp(account, a.account) != 0)) {
		reject("logGroupIdentifier is not the ARN of the line's group", ident);
		return NULL;
	}
	return group_get_arn(ident);
}

/* One line from cwl-list: a DescribeLogStreams object with logGroupName,
 * or a DescribeLogGroups object (all streams of that group). */
static void
stdin_line(const char *line, size_t n)
{
	const char *why, *gname, *stream, *prefix;
	json_object *o;
	struct group *g;

	while (n > 0 && strchr(" \t\r", line[n - 1]))
		n--;
	while (n > 0 && strchr(" \t", *line)) {
		line++;
		n--;
	}
	if (n == 0)
		return;
	if ((o = jsonx_parse(line, n, &why)) == NULL) {
		reject("not JSON", why);
		return;
	}
	if (!json_object_is_type(o, json_type_object)) {
		reject("not a JSON object", NULL);
		goto out;
	}
	gname = jsonx_get_str(o, "logGroupName", NULL);
	stream = jsonx_get_str(o, "logStreamName", NULL);
	if (gname == NULL || *gname == '\0' || strchr(gname, ':')) {
		reject("no logGroupName", NULL);
		goto out;
	}
	if (stream && (*stream == '\0' || strchr(stream, '*'))) {
		reject("bad logStreamName", stream);
		goto out;
	}
	if ((g = line_group(o, gname)) == NULL)
		goto out;
	if (group_mode(g) == MODE_FILTER) {
		if (ml_refused(g)) {
			reject("multiline needs --mode stream", gname);
			goto out;
		}
		g->all_streams = 1;
		src_group(g);
		if (stream)
			group_stream_listed(g, stream,
			    jsonx_get_int(o, "lastIngestionTime", -1));
	} else if (stream) {
		prefix = g->p->stream_prefix;
		if (prefix && strncmp(stream, prefix, strlen(prefix)) != 0)
			goto out;
		src_stream(g, stream, jsonx_get_int(o, "lastIngestionTime", -1),
		    jsonx_get_int(o, "firstEventTimestamp", -1), 0);
	} else {
		group_want_list(g);
	}
out:
	json_object_put(o);
}

void
stdin_read(void)
{
	char tmp[65536];
	ssize_t n;
	char *nl, *p;

	n = read(T.in_fd, tmp, sizeof(tmp));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		cli_fail(&T.fail, EXIT_RUNTIME, "read stdin: %s",
		    strerror(errno));
		return;
	}
	if (n > 0 && buf_add(&T.in, tmp, (size_t)n) == -1)
		log_oom();
	/* the rest of a line too long to keep, already counted and warned
	 * about: dropped up to its end */
	if (T.in_skip && T.in.len > 0) {
		if ((nl = memchr(T.in.p, '\n', T.in.len)) == NULL) {
			buf_reset(&T.in);
		} else {
			buf_consume(&T.in, (size_t)(nl - T.in.p) + 1);
			T.in_skip = 0;
		}
	}
	p = T.in.p;
	while (p && (nl = memchr(p, '\n', T.in.len - (size_t)(p - T.in.p))) != NULL) {
		T.in_line++;
		stdin_line(p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (p)
		buf_consume(&T.in, (size_t)(p - T.in.p));
	if (T.in.len > (1u << 20)) {
		T.in_line++;
		reject("line longer than 1 MiB", NULL);
		buf_reset(&T.in);
		T.in_skip = 1;
	}
	if (n == 0) {
		if (T.in.len > 0 && !T.in_skip) {
			T.in_line++;
			stdin_line(T.in.p, T.in.len);
		}
		buf_free(&T.in);
		T.in_fd = -1;
		stdin_closed();
	}
}

/* --- prospectors -------------------------------------------------------- */

static int
glob_match(const char *pat, const char *name)
{
	size_t n = strlen(pat);

	if (n > 0 && pat[n - 1] == '*')
		return strncmp(pat, name, n - 1) == 0;
	return strcmp(pat, name) == 0;
}

static json_object *cli_fields;
static json_object *global_fields;	/* the config's top-level fields */
static int global_under_root;

int
fields_option(const char *arg, struct err *e)
{
	return evline_fields_arg(&cli_fields, arg, e);
}

static int
merge(struct prosp *dst, const struct prosp *cfgp, json_object *cfg_fields,
    int fur_set, struct err *e)
{
	const struct prosp *orig = cfgp;
	json_object *src[3];
	struct buf who = BUF_INIT;
	int r;

	*dst = *cfgp;
	memset(&dst->ml, 0, sizeof(dst->ml));
	dst->ml_timeout = T.ml_timeout;
	if (T.cli_p.ml.pattern)
		cfgp = &T.cli_p;
	if (cfgp->ml.pattern) {
		if (multiline_init(&dst->ml, cfgp->ml.pattern, cfgp->ml.negate,
		    cfgp->ml.before ? "before" : "after", e) == -1)
			return -1;
		dst->ml.max_lines = cfgp->ml.max_lines;
		dst->ml_timeout = cfgp->ml_timeout;
	}
	if (T.cli_p.filter_pattern)
		dst->filter_pattern = T.cli_p.filter_pattern;
	if (T.cli_p.stream_prefix)
		dst->stream_prefix = T.cli_p.stream_prefix;
	if (!fur_set)
		dst->fields_under_root = global_under_root;
	if (dst->fields_under_root) {
		buf_printf(&who, "prospector %s", orig->id ? orig->id : "");
		r = evline_fields_check(global_fields, "fields", e) == -1 ||
		    evline_fields_check(cfg_fields, buf_str(&who), e) == -1 ||
		    evline_fields_check(cli_fields, "--fields", e) == -1;
		buf_free(&who);
		if (r)
			return -1;
	}
	src[0] = global_fields;
	src[1] = cfg_fields;
	src[2] = cli_fields;
	dst->fields = evline_fields(src, 3);
	return 0;
}

static struct prosp *merged_p;

const struct prosp *
prosp_for(const char *group)
{
	size_t i, k;

	for (i = 0; i < T.nprosps; i++)
		for (k = 0; k < T.prosps[i].ngroupnames; k++)
			if (glob_match(T.prosps[i].groupnames[k], group))
				return &merged_p[i];
	return &merged_p[T.nprosps];
}

/* The key of prospector i's setting name, in k. */
static const char *
prosp_key(struct buf *k, size_t i, const char *name)
{
	buf_reset(k);
	buf_printf(k, "cloudwatchlogsbeat.prospectors.%zu.%s", i, name);
	return buf_str(k);
}

/* A prospector's multiline settings as the config gives them. */
struct ml_conf {
	const char *pattern, *match;
	int negate;
	int64_t max_lines;
};

/* Reads prospector i's multiline settings into mc, and its timeout into
 * p. Returns 0 or -1 with e. */
static int
prosp_ml_read(struct cfg *c, size_t i, struct prosp *p, struct ml_conf *mc,
    struct buf *k, struct err *e)
{
	if (cfg_str(c, prosp_key(k, i, "multiline.pattern"), NULL, &mc->pattern,
	    e) == -1 ||
	    cfg_get_bool(c, prosp_key(k, i, "multiline.negate"), &mc->negate,
	    e) == -1 ||
	    cfg_get_str(c, prosp_key(k, i, "multiline.match"), &mc->match,
	    e) == -1 ||
	    cfg_get_int(c, prosp_key(k, i, "multiline.max_lines"),
	    &mc->max_lines, e) == -1 ||
	    cfg_get_duration(c, prosp_key(k, i, "multiline.timeout"),
	    &p->ml_timeout, e) == -1)
		return -1;
	return 0;
}

/* Sets up prospector i's multiline from mc: max_lines above 0, the
 * pattern compiled, and only in mode streams without a filter_pattern.
 * Returns 0 or -1 with e. */
static int
prosp_ml_setup(struct cfg *c, size_t i, struct prosp *p,
    const struct ml_conf *mc, struct buf *k, struct err *e)
{
	if (mc->max_lines < 1)
		return err_set(e, EXIT_USAGE, "%s: %s: must be above 0",
		    cfg_where(c, prosp_key(k, i, "multiline.max_lines")),
		    prosp_key(k, i, "multiline.max_lines"));
	if (mc->pattern && multiline_init(&p->ml, mc->pattern, mc->negate,
	    mc->match, e) == -1) {
		err_prefix(e, "%s", cfg_where(c,
		    prosp_key(k, i, "multiline.pattern")));
		return -1;
	}
	p->ml.max_lines = (size_t)mc->max_lines;
	if (p->ml.pattern && ((p->filter_pattern && *p->filter_pattern) ||
	    p->mode == MODE_FILTER))
		return err_set(e, EXIT_USAGE, "%s: prospector %zu: multiline "
		    "needs mode streams and no filter_pattern",
		    cfg_where(c, prosp_key(k, i, "multiline.pattern")), i);
	return 0;
}

/* Prospector i's mode: streams (or stream), group (or filter), or
 * unset for auto. Returns 0 or -1 with e. */
static int
prosp_mode(struct cfg *c, size_t i, struct prosp *p, const char *mode,
    struct buf *k, struct err *e)
{
	if (mode == NULL)
		p->mode = MODE_AUTO;
	else if (strcmp(mode, "streams") == 0 || strcmp(mode, "stream") == 0)
		p->mode = MODE_STREAM;
	else if (strcmp(mode, "group") == 0 || strcmp(mode, "filter") == 0)
		p->mode = MODE_FILTER;
	else
		return err_set(e, EXIT_USAGE, "%s: %s: '%s' is not streams or "
		    "group", cfg_where(c, prosp_key(k, i, "mode")),
		    prosp_key(k, i, "mode"), mode);
	return 0;
}

/* Reads prospector i into p, its fields into *fields, and into *fur_set
 * whether it sets fields_under_root. Returns 0 or -1 with e. */
static int
prosp_read(struct cfg *c, size_t i, struct prosp *p, json_object **fields,
    int *fur_set, struct err *e)
{
	struct buf k = BUF_INIT;
	struct ml_conf mc;
	json_object *f;
	const char *mode;
	int fur, r = -1;

	if (cfg_str(c, prosp_key(&k, i, "id"), NULL, &p->id, e) == -1 ||
	    cfg_strlist(c, prosp_key(&k, i, "groupnames"), &p->groupnames,
	    &p->ngroupnames, e) == -1 ||
	    cfg_str(c, prosp_key(&k, i, "filter_pattern"), NULL,
	    &p->filter_pattern, e) == -1 ||
	    cfg_str(c, prosp_key(&k, i, "stream_prefix"), NULL,
	    &p->stream_prefix, e) == -1 ||
	    (*fur_set = cfg_bool(c, prosp_key(&k, i, "fields_under_root"), 0,
	    &fur, e)) == -1 ||
	    prosp_ml_read(c, i, p, &mc, &k, e) == -1 ||
	    cfg_str(c, prosp_key(&k, i, "mode"), NULL, &mode, e) == -1)
		goto out;
	p->fields_under_root = fur;
	if (prosp_mode(c, i, p, mode, &k, e) == -1 ||
	    prosp_ml_setup(c, i, p, &mc, &k, e) == -1)
		goto out;
	f = cfg_node(c, prosp_key(&k, i, "fields"));
	if (f && !json_object_is_type(f, json_type_object)) {
		err_set(e, EXIT_USAGE, "%s: %s: not a map",
		    cfg_where(c, prosp_key(&k, i, "fields")),
		    prosp_key(&k, i, "fields"));
		goto out;
	}
	*fields = f;
	r = 0;
out:
	buf_free(&k);
	return r;
}

/* The config's top-level fields (a map), fields_under_root and tags.
 * Returns 0 or -1 with e. */
static int
prosp_globals(struct cfg *c, struct err *e)
{
	global_fields = cfg_node(c, "fields");
	if (global_fields && !json_object_is_type(global_fields, json_type_object))
		return err_set(e, EXIT_USAGE, "%s: fields: not a map",
		    cfg_where(c, "fields"));
	if (cfg_bool(c, "fields_under_root", 0, &global_under_root, e) == -1 ||
	    evline_tags(c, &T.tags, e) == -1)
		return -1;
	return 0;
}

int
prosp_load(struct err *e)
{
	struct cfg *c = cli.cfg;
	json_object *arr = cfg_node(c, "cloudwatchlogsbeat.prospectors");
	json_object **cfg_fields = NULL;
	int *fur_set = NULL;
	struct prosp none;
	size_t i, n = 0;
	int rc = -1;

	if (arr && json_object_is_type(arr, json_type_array))
		n = json_object_array_length(arr);
	else if (arr)
		return err_set(e, EXIT_USAGE, "%s: cloudwatchlogsbeat.prospectors: "
		    "not a list", cfg_where(c, "cloudwatchlogsbeat.prospectors"));
	if ((T.prosps = calloc(n + 1, sizeof(*T.prosps))) == NULL ||
	    (cfg_fields = calloc(n + 1, sizeof(*cfg_fields))) == NULL ||
	    (merged_p = calloc(n + 1, sizeof(*merged_p))) == NULL ||
	    (fur_set = calloc(n + 1, sizeof(*fur_set))) == NULL)
		log_oom();
	if (prosp_globals(c, e) == -1)
		goto out;
	T.nprosps = n;
	for (i = 0; i < n; i++)
		if (prosp_read(c, i, &T.prosps[i], &cfg_fields[i], &fur_set[i],
		    e) == -1)
			goto out;
	memset(&none, 0, sizeof(none));
	for (i = 0; i < n; i++)
		if (merge(&merged_p[i], &T.prosps[i], cfg_fields[i], fur_set[i],
		    e) == -1)
			goto out;
	if (merge(&merged_p[n], &none, NULL, 0, e) == -1)
		goto out;
	rc = 0;
out:
	free(cfg_fields);
	free(fur_set);
	return rc;
}
