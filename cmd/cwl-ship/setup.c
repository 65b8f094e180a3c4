/*
 * setup.c: `cwl-ship setup [--dry-run]` and `cwl-ship --test-output`.
 *
 * setup installs, through the Elasticsearch output's hosts, TLS settings
 * and credentials, what the events want on the server side, in this
 * order: the lifecycle policy (setup.ilm.enabled), the composable index
 * template (ECS mappings of every field cwl-tail writes), then the data
 * stream (op_type create with a fixed index name) or the first index of
 * the rollover alias. Each is read first: the same content is left alone
 * and nothing is sent; a different one is replaced only with overwrite.
 * "Same" means that every member we would send is there with the same
 * value: Elasticsearch adds defaults and turns numbers of settings into
 * strings when it gives a template back. --dry-run prints the requests
 * and sends nothing at all.
 *
 * --test-output connects to the output of the config and prints one line
 * per check, as a beat's `test output` does, going on whatever fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonx.h"
#include "log.h"
#include "ship.h"
#include "timex.h"

#define MAX_FILE_BYTES (1024 * 1024)
#define DATE_FORMAT "strict_date_optional_time||epoch_millis"

struct setup {
	struct ship *s;
	int dry_run;
	struct buf out;		/* what goes to stdout */
	/* the template */
	int tmpl_on;
	const char *tmpl_name;
	const char *pattern;	/* NULL: from the index */
	const char *tmpl_file;
	int tmpl_overwrite;
	int64_t priority;
	int64_t shards, replicas;	/* -1: not set */
	int data_stream;
	/* the lifecycle policy */
	int ilm_on;
	const char *policy_name;
	const char *policy_file;
	const char *alias;
	int64_t delete_ms;
	int ilm_overwrite;
};

static void
say(struct setup *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct setup *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&st->out, fmt, ap);
	va_end(ap);
	if (st->dry_run) {	/* stdout holds only the requests */
		log_info("%s", st->out.p);
		buf_reset(&st->out);
		return;
	}
	buf_addc(&st->out, '\n');
	cli_flush_stdout(&st->out);
}

/* --- JSON -------------------------------------------------------------- */

static json_object *
obj(json_object *parent, const char *key)
{
	json_object *o;

	if ((o = jsonx_get(parent, key, json_type_object)) != NULL)
		return o;
	o = json_object_new_object();
	json_object_object_add(parent, key, o);
	return o;
}

static void
set_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* Maps a dotted field as an ECS template writes it: nested properties. */
static void
field(json_object *props, const char *path, const char *type,
    const char *format)
{
	const char *dot;
	char part[64];
	json_object *f;
	size_t n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		if (n >= sizeof(part))
			return;
		memcpy(part, path, n);
		part[n] = '\0';
		props = obj(obj(props, part), "properties");
		path = dot + 1;
	}
	f = obj(props, path);
	set_str(f, "type", type);
	if (format)
		set_str(f, "format", format);
}

/* Returns 1 if every member of want is in have with the same value;
 * scalars are compared as text ("1" and 1 are the same setting). */
static int
covers(json_object *have, json_object *want)
{
	json_object *h;
	size_t i, n;

	if (want == NULL)
		return have == NULL;
	if (have == NULL)
		return 0;
	switch (json_object_get_type(want)) {
	case json_type_object:
		if (!json_object_is_type(have, json_type_object))
			return 0;
		json_object_object_foreach(want, k, v) {
			if (!json_object_object_get_ex(have, k, &h) ||
			    !covers(h, v))
				return 0;
		}
		return 1;
	case json_type_array:
		if (!json_object_is_type(have, json_type_array) ||
		    (n = json_object_array_length(want)) !=
		    json_object_array_length(have))
			return 0;
		for (i = 0; i < n; i++)
			if (!covers(json_object_array_get_idx(have, i),
			    json_object_array_get_idx(want, i)))
				return 0;
		return 1;
	default:
		if (json_object_is_type(have, json_type_object) ||
		    json_object_is_type(have, json_type_array))
			return 0;
		return strcmp(json_object_get_string(have),
		    json_object_get_string(want)) == 0;
	}
}

/* Reads a JSON object from a file of the config (key names it). */
static json_object *
read_json(struct setup *st, const char *key, const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	json_object *o;
	const char *why;
	char chunk[8192];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(e, EXIT_USAGE, "%s: %s: %s: %s",
		    cfg_where(st->s->cfg, key), key, path, strerror(errno));
		return NULL;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || b.len + (size_t)r > MAX_FILE_BYTES ||
		    buf_add(&b, chunk, (size_t)r) == -1) {
			err_set(e, EXIT_USAGE, "%s: %s: %s: %s",
			    cfg_where(st->s->cfg, key), key, path, r == -1 ?
			    strerror(errno) : "larger than 1 MiB");
			close(fd);
			buf_free(&b);
			return NULL;
		}
	}
	close(fd);
	o = jsonx_parse(buf_str(&b), b.len, &why);
	buf_free(&b);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		err_set(e, EXIT_USAGE, "%s: %s: %s: %s",
		    cfg_where(st->s->cfg, key), key, path,
		    o ? "not a JSON object" : why);
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* --- settings ---------------------------------------------------------- */

/* The first key that is set of two (the beat's, the original's). */
static int
str2(struct cfg *c, const char *k1, const char *k2, const char *def,
    const char **out, struct err *e)
{
	int r;

	if ((r = cfg_str(c, k1, NULL, out, e)) != 0)
		return r;
	return cfg_str(c, k2, def, out, e);
}

static int
bool2(struct cfg *c, const char *k1, const char *k2, int def, int *out,
    struct err *e)
{
	int r;

	if ((r = cfg_bool(c, k1, def, out, e)) != 0)
		return r;
	return cfg_bool(c, k2, def, out, e);
}

static int
read_settings(struct setup *st, struct err *e)
{
	struct cfg *c = st->s->cfg;

	if (bool2(c, "setup.template.enabled",
	    "output.elasticsearch.template.enabled", 1, &st->tmpl_on, e) == -1 ||
	    str2(c, "setup.template.name", "output.elasticsearch.template.name",
	    "cloudwatchlogsbeat", &st->tmpl_name, e) == -1 ||
	    cfg_str(c, "setup.template.pattern", NULL, &st->pattern, e) == -1 ||
	    cfg_str(c, "output.elasticsearch.template.path", NULL,
	    &st->tmpl_file, e) == -1 ||
	    bool2(c, "setup.template.overwrite",
	    "output.elasticsearch.template.overwrite", 0, &st->tmpl_overwrite,
	    e) == -1 ||
	    cfg_get_int(c, "setup.template.priority", &st->priority, e) == -1 ||
	    cfg_get_int(c, "setup.template.settings.index.number_of_shards",
	    &st->shards, e) == -1 ||
	    cfg_int(c, "setup.template.settings.index.number_of_replicas", -1,
	    &st->replicas, e) == -1 ||
	    cfg_get_bool(c, "setup.ilm.enabled", &st->ilm_on, e) == -1 ||
	    cfg_get_str(c, "setup.ilm.policy_name", &st->policy_name, e) == -1 ||
	    cfg_str(c, "setup.ilm.policy_file", NULL, &st->policy_file,
	    e) == -1 ||
	    cfg_str(c, "setup.ilm.rollover_alias", NULL, &st->alias, e) == -1 ||
	    cfg_duration(c, "setup.ilm.delete_after", 0, &st->delete_ms,
	    e) == -1 ||
	    cfg_get_bool(c, "setup.ilm.overwrite", &st->ilm_overwrite, e) == -1)
		return -1;
	if (*st->tmpl_name == '\0')
		return err_set(e, EXIT_USAGE, "%s: setup.template.name: empty",
		    cfg_where(c, "setup.template.name"));
	if (st->shards < 1)
		return err_set(e, EXIT_USAGE, "%s: setup.template.settings.index."
		    "number_of_shards: %" PRId64 ": 1 or more", cfg_where(c,
		    "setup.template.settings.index.number_of_shards"),
		    st->shards);
	if (cfg_node(c, "setup.template.settings.index.number_of_replicas") &&
	    st->replicas < 0)
		return err_set(e, EXIT_USAGE, "%s: setup.template.settings.index."
		    "number_of_replicas: %" PRId64 ": 0 or more", cfg_where(c,
		    "setup.template.settings.index.number_of_replicas"),
		    st->replicas);
	if (st->priority < 0)
		return err_set(e, EXIT_USAGE, "%s: setup.template.priority: "
		    "%" PRId64 ": 0 or more", cfg_where(c,
		    "setup.template.priority"), st->priority);
	if (*st->policy_name == '\0')
		return err_set(e, EXIT_USAGE, "%s: setup.ilm.policy_name: empty",
		    cfg_where(c, "setup.ilm.policy_name"));
	if (st->alias && *st->alias == '\0')
		st->alias = NULL;
	if (st->tmpl_file && *st->tmpl_file == '\0')
		st->tmpl_file = NULL;
	/* op_type create into one fixed name: that name is a data stream */
	st->data_stream = es_op_create(st->s) && st->s->index_name != NULL;
	if (st->data_stream && st->alias)
		return err_set(e, EXIT_USAGE, "%s: setup.ilm.rollover_alias: "
		    "not with a data stream (op_type create into '%s'), which "
		    "rolls over by itself", cfg_where(c,
		    "setup.ilm.rollover_alias"), st->s->index_name);
	return 0;
}

/* The index pattern: the configured one, else the index with its first
 * %{...} and what follows made "*", or the fixed name itself. */
static int
index_pattern(struct setup *st, struct buf *out, struct err *e)
{
	const char *index, *p;
	size_t n, i;

	buf_reset(out);
	if (st->pattern && *st->pattern)
		return buf_adds(out, st->pattern);
	if (st->alias)
		return buf_printf(out, "%s-*", st->alias);
	if (st->s->index_name)
		return buf_adds(out, st->s->index_name);
	if (cfg_get_str(st->s->cfg, "output.elasticsearch.index", &index,
	    e) == -1)
		return -1;
	p = strstr(index, "%{");
	n = p ? (size_t)(p - index) : strlen(index);
	if (n == 0)
		return err_set(e, EXIT_USAGE, "setup.template.pattern: needed, "
		    "since the index '%s' starts with a field", index);
	for (i = 0; i < n; i++)
		buf_addc(out, (char)(index[i] >= 'A' && index[i] <= 'Z' ?
		    index[i] - 'A' + 'a' : index[i]));
	return buf_addc(out, '*');
}

/* "30d", "12h", ...: the largest unit that divides the duration. */
static void
es_duration(int64_t ms, char *out, size_t len)
{
	static const struct { int64_t ms; const char *u; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" }
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0)
			break;
	snprintf(out, len, "%" PRId64 "%s", ms / units[i].ms, units[i].u);
}

static json_object *
policy_body(struct setup *st, struct err *e)
{
	json_object *body, *file, *phases, *hot, *ro, *del;
	char age[32];

	if (st->policy_file) {
		if ((file = read_json(st, "setup.ilm.policy_file",
		    st->policy_file, e)) == NULL)
			return NULL;
		if (jsonx_get(file, "policy", json_type_object))
			return file;
		body = json_object_new_object();
		json_object_object_add(body, "policy", file);
		return body;
	}
	body = json_object_new_object();
	phases = obj(obj(body, "policy"), "phases");
	hot = obj(phases, "hot");
	set_str(hot, "min_age", "0ms");
	/* "rollover: Rolls over a target to a new index when the existing
	 * index meets one or more of the rollover conditions" -- only a
	 * data stream or an alias can roll over; daily indices just age */
	if (st->data_stream || st->alias) {
		ro = obj(obj(hot, "actions"), "rollover");
		set_str(ro, "max_primary_shard_size", "50gb");
		set_str(ro, "max_age", "30d");
	} else {
		obj(hot, "actions");
	}
	if (st->delete_ms > 0) {
		del = obj(phases, "delete");
		es_duration(st->delete_ms, age, sizeof(age));
		set_str(del, "min_age", age);
		obj(obj(del, "actions"), "delete");
	}
	set_str(obj(obj(body, "policy"), "_meta"), "managed_by",
	    "cloudwatchlogsbeat");
	return body;
}

static json_object *
template_body(struct setup *st, struct err *e)
{
	json_object *body, *pats, *tmpl, *idx, *map, *props, *dyn, *d;
	struct buf pat = BUF_INIT;
	char n[32];

	if (index_pattern(st, &pat, e) == -1) {
		buf_free(&pat);
		return NULL;
	}
	if (st->tmpl_file) {
		body = read_json(st, "output.elasticsearch.template.path",
		    st->tmpl_file, e);
		if (body && !json_object_object_get_ex(body, "index_patterns",
		    NULL)) {
			pats = json_object_new_array();
			json_object_array_add(pats, json_object_new_string(pat.p));
			json_object_object_add(body, "index_patterns", pats);
		}
		buf_free(&pat);
		return body;
	}
	body = json_object_new_object();
	pats = json_object_new_array();
	json_object_array_add(pats, json_object_new_string(pat.p));
	buf_free(&pat);
	json_object_object_add(body, "index_patterns", pats);
	json_object_object_add(body, "priority",
	    json_object_new_int64(st->priority));
	if (st->data_stream)
		obj(body, "data_stream");
	tmpl = obj(body, "template");
	/* Elasticsearch gives settings back nested, numbers as strings */
	idx = obj(obj(tmpl, "settings"), "index");
	snprintf(n, sizeof(n), "%" PRId64, st->shards);
	set_str(idx, "number_of_shards", n);
	if (st->replicas >= 0) {
		snprintf(n, sizeof(n), "%" PRId64, st->replicas);
		set_str(idx, "number_of_replicas", n);
	}
	if (st->ilm_on) {
		set_str(obj(idx, "lifecycle"), "name", st->policy_name);
		if (st->alias)
			set_str(obj(idx, "lifecycle"), "rollover_alias",
			    st->alias);
	}
	map = obj(tmpl, "mappings");
	/* prospector fields: strings are exact values, as in the beats */
	dyn = json_object_new_array();
	d = json_object_new_object();
	set_str(obj(d, "fields"), "path_match", "fields.*");
	set_str(obj(d, "fields"), "match_mapping_type", "string");
	set_str(obj(obj(d, "fields"), "mapping"), "type", "keyword");
	json_object_array_add(dyn, d);
	json_object_object_add(map, "dynamic_templates", dyn);
	props = obj(map, "properties");
	field(props, "@timestamp", "date", DATE_FORMAT);
	field(props, "message", "text", NULL);
	field(props, "event.id", "keyword", NULL);
	field(props, "log.file.path", "keyword", NULL);
	field(props, "aws.cloudwatch.log_group", "keyword", NULL);
	field(props, "aws.cloudwatch.log_stream", "keyword", NULL);
	field(props, "aws.cloudwatch.ingestion_time", "date", DATE_FORMAT);
	field(props, "cloud.provider", "keyword", NULL);
	field(props, "cloud.region", "keyword", NULL);
	field(props, "prospector", "keyword", NULL);
	field(props, "tags", "keyword", NULL);
	d = obj(body, "_meta");
	set_str(d, "description", "CloudWatch Logs events of cloudwatchlogsbeat");
	set_str(d, "managed_by", "cloudwatchlogsbeat");
	set_str(d, "version", CWL_VERSION);
	return body;
}

/* --- requests ---------------------------------------------------------- */

/* Sends to the first host that answers. Returns 0 with resp, or -1 with
 * e (a network error on every host: EXIT_RUNTIME). */
static int
call(struct setup *st, const char *method, const char *path,
    json_object *body, struct http_resp *resp, size_t *host, struct err *e)
{
	const char *txt = NULL;
	size_t h, n = es_nhosts(st->s);

	if (body)
		txt = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
	for (h = 0; h < n; h++) {
		http_resp_free(resp);
		memset(resp, 0, sizeof(*resp));
		err_clear(e);
		*host = h;
		if (es_request(st->s, h, method, path, txt, txt ? strlen(txt) : 0,
		    resp, e) == 0)
			return 0;
		if (!resp->neterr)
			return -1;
		log_debug("ship", "%s", err_msg(e));
	}
	if (e->code == 0)
		e->code = EXIT_RUNTIME;
	return -1;
}

/* An answer that is not the one wanted: 401 and 403 are refusals (4), a
 * retry may cure 408, 429 and 5xx (1); any other 4xx is a setting the
 * server will not take (2). */
static int
refused(struct setup *st, const char *method, const char *path, size_t h,
    const struct http_resp *r, struct err *e)
{
	struct buf w = BUF_INIT;
	long s = r->status;
	int code;

	es_resp_words(r, &w);
	code = s == 401 || s == 403 ? EXIT_AUTH : s == 408 || s == 429 ||
	    s >= 500 ? EXIT_RUNTIME : EXIT_USAGE;
	err_set(e, code, "%s %s%s: %s", method, es_host_url(st->s, h), path,
	    buf_str(&w));
	buf_free(&w);
	return -1;
}

static void
dry_print(struct setup *st, const char *method, const char *path,
    json_object *body)
{
	buf_printf(&st->out, "%s %s\n", method, path);
	if (body)
		buf_printf(&st->out, "%s\n", json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	cli_flush_stdout(&st->out);
}

static int
encoded_path(struct buf *b, const char *prefix, const char *name,
    const char *suffix)
{
	buf_reset(b);
	if (buf_adds(b, prefix) == -1 ||
	    http_uri_encode(b, name, strlen(name), 0) == -1 ||
	    buf_adds(b, suffix) == -1)
		return -1;
	return 0;
}

/*
 * One object that may already be there: GET path; 404: PUT it; 200: if
 * what pick() finds in the answer covers want, nothing; if not, PUT it
 * only with overwrite. label names it in the messages.
 */
static int
install(struct setup *st, const char *label, const char *path,
    json_object *body, json_object *want,
    json_object *(*pick)(json_object *, const char *), const char *name,
    int overwrite, const char *overwrite_key, struct err *e)
{
	struct http_resp r;
	json_object *ans, *have;
	const char *why;
	size_t h;
	int same;

	if (st->dry_run) {
		dry_print(st, "PUT", path, body);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (call(st, "GET", path, NULL, &r, &h, e) == -1)
		goto fail;
	if (r.status == 200) {
		ans = jsonx_parse(r.body.p, r.body.len, &why);
		have = ans ? pick(ans, name) : NULL;
		same = have && covers(have, want);
		json_object_put(ans);
		if (same) {
			say(st, "%s: up to date", label);
			http_resp_free(&r);
			return 0;
		}
		if (!overwrite) {
			say(st, "%s: exists and differs: left as it is (%s: "
			    "true replaces it)", label, overwrite_key);
			http_resp_free(&r);
			return 0;
		}
	} else if (r.status != 404) {
		refused(st, "GET", path, h, &r, e);
		goto fail;
	}
	same = r.status == 200;
	if (call(st, "PUT", path, body, &r, &h, e) == -1)
		goto fail;
	if (r.status != 200) {
		refused(st, "PUT", path, h, &r, e);
		goto fail;
	}
	say(st, "%s: %s", label, same ? "replaced" : "installed");
	http_resp_free(&r);
	return 0;
fail:
	http_resp_free(&r);
	return -1;
}

static json_object *
pick_policy(json_object *ans, const char *name)
{
	json_object *p = jsonx_get(ans, name, json_type_object);

	return p ? jsonx_get(p, "policy", json_type_object) : NULL;
}

static json_object *
pick_template(json_object *ans, const char *name)
{
	json_object *a = jsonx_get(ans, "index_templates", json_type_array), *t;
	size_t i, n = a ? json_object_array_length(a) : 0;

	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(a, i);
		if (strcmp(jsonx_get_str(t, "name", ""), name) == 0)
			return jsonx_get(t, "index_template", json_type_object);
	}
	return NULL;
}

/* Something that is created once and never replaced: a data stream, the
 * first index of an alias. GET check; 404: PUT path with body. */
static int
create_once(struct setup *st, const char *label, const char *check,
    const char *path, json_object *body, struct err *e)
{
	struct http_resp r;
	size_t h;

	if (st->dry_run) {
		dry_print(st, "PUT", path, body);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (call(st, "GET", check, NULL, &r, &h, e) == -1)
		goto fail;
	if (r.status == 200) {
		say(st, "%s: exists", label);
		http_resp_free(&r);
		return 0;
	}
	if (r.status != 404) {
		refused(st, "GET", check, h, &r, e);
		goto fail;
	}
	if (call(st, "PUT", path, body, &r, &h, e) == -1)
		goto fail;
	if (r.status != 200) {
		refused(st, "PUT", path, h, &r, e);
		goto fail;
	}
	say(st, "%s: created", label);
	http_resp_free(&r);
	return 0;
fail:
	http_resp_free(&r);
	return -1;
}

int
setup_check(struct ship *s, struct err *e)
{
	struct setup st;
	json_object *policy = NULL, *tmpl = NULL;
	int r = -1;

	memset(&st, 0, sizeof(st));
	st.s = s;
	if (read_settings(&st, e) == -1 ||
	    (st.ilm_on && (policy = policy_body(&st, e)) == NULL) ||
	    (st.tmpl_on && (tmpl = template_body(&st, e)) == NULL))
		goto out;
	r = 0;
out:
	json_object_put(policy);
	json_object_put(tmpl);
	buf_free(&st.out);
	return r;
}

static int
run_setup(struct setup *st, struct err *e)
{
	json_object *policy = NULL, *tmpl = NULL, *b;
	struct buf path = BUF_INIT, label = BUF_INIT, first = BUF_INIT,
	    check = BUF_INIT;
	int r = -1;

	if (read_settings(st, e) == -1)
		return -1;
	if (st->ilm_on && (policy = policy_body(st, e)) == NULL)
		goto out;
	if (st->tmpl_on && (tmpl = template_body(st, e)) == NULL)
		goto out;
	if (st->dry_run)
		log_info("dry run: the requests are printed, nothing is sent "
		    "(not even the GETs that would check what is there)");
	if (policy) {
		buf_printf(&label, "ilm policy %s", st->policy_name);
		if (encoded_path(&path, "/_ilm/policy/", st->policy_name, "") ||
		    install(st, label.p, path.p, policy,
		    jsonx_get(policy, "policy", json_type_object), pick_policy,
		    st->policy_name, st->ilm_overwrite, "setup.ilm.overwrite",
		    e) == -1)
			goto out;
	} else {
		say(st, "ilm policy: not enabled (setup.ilm.enabled)");
	}
	buf_reset(&label);
	if (tmpl) {
		buf_printf(&label, "template %s", st->tmpl_name);
		if (encoded_path(&path, "/_index_template/", st->tmpl_name, "") ||
		    install(st, label.p, path.p, tmpl, tmpl, pick_template,
		    st->tmpl_name, st->tmpl_overwrite, "setup.template.overwrite",
		    e) == -1)
			goto out;
	} else {
		say(st, "template: not enabled (setup.template.enabled: false)");
	}
	buf_reset(&label);
	if (st->data_stream && tmpl) {
		buf_printf(&label, "data stream %s", st->s->index_name);
		if (encoded_path(&path, "/_data_stream/", st->s->index_name, "") ||
		    create_once(st, label.p, path.p, path.p, NULL, e) == -1)
			goto out;
	} else if (st->alias && st->ilm_on) {
		/* "bootstrap an initial time series index and designate it
		 * as the write index for the rollover alias" */
		buf_printf(&first, "%s-000001", st->alias);
		buf_printf(&label, "index %s (write index of %s)", first.p,
		    st->alias);
		b = json_object_new_object();
		json_object_object_add(obj(obj(b, "aliases"), st->alias),
		    "is_write_index", json_object_new_boolean(1));
		if (encoded_path(&check, "/_alias/", st->alias, "") ||
		    encoded_path(&path, "/", first.p, "")) {
			json_object_put(b);
			goto out;
		}
		r = create_once(st, label.p, check.p, path.p, b, e);
		json_object_put(b);
		if (r == -1)
			goto out;
	}
	r = 0;
out:
	json_object_put(policy);
	json_object_put(tmpl);
	buf_free(&path);
	buf_free(&label);
	buf_free(&first);
	buf_free(&check);
	return r;
}

int
setup_run(struct ship *s, const struct output_def *out, int dry_run)
{
	struct setup st;
	struct err e = ERR_INIT, ce = ERR_INIT;
	struct buf key = BUF_INIT;
	int r;

	if (!out->setup) {
		/* none enabled: the output is the default, not configured */
		buf_printf(&key, "output.%s", out->name);
		err_set(&e, EXIT_USAGE, "setup: the index template and the "
		    "lifecycle policy are Elasticsearch's, and output."
		    "elasticsearch is %s", cfg_node(s->cfg, buf_str(&key)) ==
		    NULL ? "not configured" : "not the output enabled");
		cli_die(&e);
	}
	if (out->open(s, &e) == -1)
		cli_die(&e);
	memset(&st, 0, sizeof(st));
	st.s = s;
	st.dry_run = dry_run;
	r = run_setup(&st, &e);
	s->out.close(s, &ce);
	err_clear(&ce);
	buf_free(&st.out);
	if (r == -1) {
		log_error("setup: %s", err_msg(&e));
		r = e.code ? e.code : EXIT_RUNTIME;
		err_clear(&e);
		return r;
	}
	return 0;
}

/* --- --test-output ----------------------------------------------------- */

struct check {
	struct buf out;
	int failed;		/* this target failed a check */
	int rc;
};

static void
check_line(struct check *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
check_line(struct check *c, const char *what, const char *fmt, ...)
{
	va_list ap;

	buf_printf(&c->out, "  %s... ", what);
	va_start(ap, fmt);
	buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	buf_addc(&c->out, '\n');
	cli_flush_stdout(&c->out);
}

static void
check_fail(struct check *c, int code, const char *target, const char *what,
    const char *why)
{
	check_line(c, what, "ERROR %s", why);
	log_error("test output: %s: %s: %s", target, what, why);
	c->failed = 1;
	if (code == EXIT_AUTH || c->rc == 0)
		c->rc = code;
}

/* Connects to one of the addresses within timeout_ms. Returns 0 or -1
 * with why. */
static int
dial(struct addrinfo *ai, long timeout_ms, char *why, size_t len)
{
	struct pollfd p;
	socklen_t sl = sizeof(int);
	int fd, err, r;

	snprintf(why, len, "no address");
	for (; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			snprintf(why, len, "socket: %s", strerror(errno));
			continue;
		}
		err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			if (errno != EINPROGRESS) {
				err = errno;
			} else {
				p.fd = fd;
				p.events = POLLOUT;
				while ((r = poll(&p, 1, (int)timeout_ms)) == -1 &&
				    errno == EINTR)
					;
				if (r == 0)
					err = ETIMEDOUT;
				else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				    &sl) == -1)
					err = errno;
			}
		}
		close(fd);
		if (err == 0)
			return 0;
		snprintf(why, len, "connect: %s", strerror(err));
	}
	return -1;
}

static void
test_es_host(struct ship *s, size_t h, struct check *c)
{
	const char *url = es_host_url(s, h), *ver, *dist;
	const struct hostspec *hs = es_host(s, h);
	struct buf w = BUF_INIT;
	struct addrinfo hints, *ai = NULL, *a;
	struct http_resp r;
	struct err e = ERR_INIT;
	char addr[64], why[300];
	json_object *o, *v;
	int tls = strncasecmp(url, "https://", 8) == 0, gai;
	const char *pw;

	c->failed = 0;
	buf_printf(&c->out, "elasticsearch: %s...\n", url);
	check_line(c, "parse url", "OK");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(hs->name, hs->port, &hints, &ai)) != 0) {
		check_fail(c, EXIT_RUNTIME, url, "dns lookup", gai_strerror(gai));
		goto out;
	}
	buf_reset(&w);
	for (a = ai; a; a = a->ai_next) {
		const void *sa = a->ai_family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr;

		if (inet_ntop(a->ai_family, sa, addr, sizeof(addr)) &&
		    strstr(w.p ? w.p : "", addr) == NULL)
			buf_printf(&w, "%s%s", w.len ? ", " : "", addr);
	}
	check_line(c, "dns lookup", "OK (%s)", buf_str(&w));
	if (dial(ai, 10000, why, sizeof(why)) == -1) {
		check_fail(c, EXIT_RUNTIME, url, "dial up", why);
		goto out;
	}
	check_line(c, "dial up", "OK");
	memset(&r, 0, sizeof(r));
	if (es_request(s, h, "GET", "/", NULL, 0, &r, &e) == -1) {
		pw = r.neterr_msg ? r.neterr_msg : err_msg(&e);
		check_fail(c, r.neterr ? EXIT_RUNTIME : e.code ? e.code :
		    EXIT_RUNTIME, url, tls ? "TLS" : "talk to server", pw);
		http_resp_free(&r);
		err_clear(&e);
		goto out;
	}
	check_line(c, "TLS", tls ? "OK" : "no TLS");
	if (r.status == 401 || r.status == 403) {
		buf_reset(&w);
		es_resp_words(&r, &w);
		check_fail(c, EXIT_AUTH, url, "auth", w.p);
	} else if (r.status != 200) {
		buf_reset(&w);
		es_resp_words(&r, &w);
		check_fail(c, r.status >= 400 && r.status < 500 &&
		    r.status != 408 && r.status != 429 ? EXIT_USAGE :
		    EXIT_RUNTIME, url, "talk to server", w.p);
	} else {
		check_line(c, "auth", "OK (%s)", es_auth_kind(s));
		o = jsonx_parse(r.body.p, r.body.len, &pw);
		v = o ? jsonx_get(o, "version", json_type_object) : NULL;
		ver = v ? jsonx_get_str(v, "number", NULL) : NULL;
		dist = v ? jsonx_get_str(v, "distribution", NULL) : NULL;
		if (ver)
			check_line(c, "version", "%s%s%s", ver, dist ? " " : "",
			    dist ? dist : "");
		else
			check_fail(c, EXIT_RUNTIME, url, "version",
			    "GET / answered no version.number");
		json_object_put(o);
	}
	http_resp_free(&r);
out:
	if (ai)
		freeaddrinfo(ai);
	buf_free(&w);
}

static void
test_ls_host(struct ship *s, size_t h, struct check *c)
{
	static const char *const steps[] = { "dns lookup", "dial up", "TLS" };
	const char *label = ls_host_label(s, h), *step = "";
	struct err e = ERR_INIT;
	int failed, i, nsteps = ls_tls(s) ? 3 : 2;

	buf_printf(&c->out, "logstash: %s...\n", label);
	failed = ls_probe(s, h, &step, &e) == -1;
	for (i = 0; i < nsteps; i++) {
		if (failed && strcmp(steps[i], step) == 0) {
			check_fail(c, EXIT_RUNTIME, label, steps[i], err_msg(&e));
			err_clear(&e);
			return;
		}
		check_line(c, steps[i], "OK");
	}
	if (nsteps == 2)
		check_line(c, "TLS", "no TLS");
}

void
setup_test_file(struct ship *s, struct check *c)
{
	struct err e = ERR_INIT;
	const char *dir;
	struct buf parent = BUF_INIT;
	struct stat sb;
	char *slash;

	if (cfg_get_str(s->cfg, "output.file.path", &dir, &e) == -1)
		cli_die(&e);
	buf_printf(&c->out, "file: %s...\n", dir);
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			check_fail(c, EXIT_RUNTIME, dir, "directory",
			    "not a directory");
		else if (access(dir, W_OK | X_OK) == -1)
			check_fail(c, EXIT_RUNTIME, dir, "directory",
			    strerror(errno));
		else
			check_line(c, "directory", "OK (writable)");
		return;
	}
	if (errno != ENOENT) {
		check_fail(c, EXIT_RUNTIME, dir, "directory", strerror(errno));
		return;
	}
	/* the output creates it: the nearest existing parent must let it */
	buf_adds(&parent, dir);
	for (;;) {
		while (parent.len > 1 && parent.p[parent.len - 1] == '/')
			parent.p[--parent.len] = '\0';
		if ((slash = strrchr(parent.p, '/')) == NULL) {
			buf_reset(&parent);
			buf_adds(&parent, ".");
		} else {
			parent.len = slash == parent.p ? 1 : (size_t)(slash -
			    parent.p);
			parent.p[parent.len] = '\0';
		}
		if (stat(parent.p, &sb) == 0 || errno != ENOENT ||
		    strcmp(parent.p, ".") == 0 || strcmp(parent.p, "/") == 0)
			break;
	}
	if (access(parent.p, W_OK | X_OK) == -1)
		check_fail(c, EXIT_RUNTIME, dir, "directory", "missing, and "
		    "it cannot be created");
	else
		check_line(c, "directory", "OK (to be created)");
	buf_free(&parent);
}

void
setup_test_es(struct ship *s, struct check *c)
{
	struct err e = ERR_INIT;
	size_t h, n;

	if (es_open(s, &e) == -1)
		cli_die(&e);
	for (h = 0, n = es_nhosts(s); h < n; h++)
		test_es_host(s, h, c);
}

void
setup_test_ls(struct ship *s, struct check *c)
{
	struct err e = ERR_INIT;
	size_t h, n;

	if (ls_open(s, &e) == -1)
		cli_die(&e);
	for (h = 0, n = ls_nhosts(s); h < n; h++)
		test_ls_host(s, h, c);
}

void
setup_test_console(struct ship *s, struct check *c)
{
	buf_adds(&c->out, "console: standard output...\n");
	check_line(c, "write", "OK");
}

int
setup_test_output(struct ship *s, const struct output_def *out)
{
	struct check c;
	struct err e = ERR_INIT;

	memset(&c, 0, sizeof(c));
	out->test(s, &c);
	if (s->out.st && s->out.close(s, &e) == -1)
		err_clear(&e);
	buf_free(&c.out);
	return c.rc;
}
