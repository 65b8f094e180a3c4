/*
 * cwl-registry: loads and saves checkpoints.
 *
 *   get     prints the checkpoint lines (DESIGN.md): the newest cursor per
 *           source, sorted by source key. An absent registry is empty.
 *   put     reads ack lines (cursors, or event lines with
 *           @metadata.cursor) on stdin, keeps the newest cursor per source
 *           and saves the changed ones every flush interval, at EOF and on
 *           SIGTERM or SIGINT. A malformed line is reported with its number
 *           and skipped (exit 3 at the end). A cursor never moves back.
 *   list    the sources with their position and age.
 *   delete  removes checkpoints.
 *   init    prepares the store (creates the DynamoDB table).
 *   import-legacy  reads the original beat's per-stream S3 objects.
 *
 * The store is the URL argument, else cloudwatchlogsbeat.registry.url,
 * else s3://s3_bucket_name/s3_key_prefix, else memory:.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arn.h"
#include "buf.h"
#include "ckpt.h"
#include "cli.h"
#include "config.h"
#include "cursor.h"
#include "log.h"
#include "timex.h"

#define MAX_LINE (1024 * 1024)

static const char synopsis[] =
    "cwl-registry [options] get|list|delete [URL] [-g group] "
    "[-s group:stream]\n"
    "       cwl-registry [options] put [URL] [-i interval] [--stats FILE]\n"
    "       cwl-registry [options] init [URL]\n"
    "       cwl-registry [options] import-legacy s3://bucket/prefix "
    "[--to URL] [-g group]";

static const char help[] =
    "Commands:\n"
    "  get [URL]            print the checkpoint lines, sorted by source\n"
    "  put [URL]            save the ack lines read on stdin\n"
    "  list [URL]           the sources, their position and age\n"
    "  delete [URL]         delete checkpoints (all, or those selected)\n"
    "  init [URL]           prepare the store (create the DynamoDB table)\n"
    "  import-legacy S3URL  import the original beat's registry\n"
    "\n"
    "URL: memory:, file:PATH or PATH, s3://BUCKET/PREFIX, dynamodb://TABLE\n"
    "(default: cloudwatchlogsbeat.registry.url, else s3_bucket_name and\n"
    "s3_key_prefix, else memory:)\n"
    "\n"
    "Options:\n"
    "  -g, --group G          only the sources of log group G, or of a\n"
    "                         linked account's ACCOUNT:G (repeatable)\n"
    "  -s, --source G:S       only the source G:S (repeatable)\n"
    "  -i, --flush-interval D put: save every D (default: 5s, or\n"
    "                         cloudwatchlogsbeat.registry.flush_interval)\n"
    "      --stats FILE       put: after every save, write the time of the\n"
    "                         last one to FILE (for cloudwatchlogsbeat)\n"
    "      --to URL           import-legacy: the registry to import into\n"
    "  -c, --config FILE      the configuration file\n"
    "  -E, --define K=V       override a configuration key\n"
    "  -d, --debug SELECTORS  debug output (registry, aws, http, ...)\n"
    "  -v, --verbose          info lines as well: what is being done\n"
    "  -q, --quiet            errors only (default: warnings and errors)\n"
    "  -h, --help             this help\n"
    "  -V, --version          the version\n"
    "      --check-config     check the configuration as a run would, and exit\n"
    "      --config-value KEY print a configuration value and exit (secrets as\n"
    "                         [REDACTED] unless --show-secrets)\n"
    "      --config-ms KEY    print a duration of the configuration in ms\n";

enum { OPT_TO = 0x2000, OPT_STATS };

struct opts {
	const char **groups;
	size_t ngroups;
	const char **sources;
	size_t nsources;
	const char *interval;
	const char *to;
	const char *stats;
};

static struct cli cli;

/*
 * put --stats FILE, read by cloudwatchlogsbeat for its metrics.
 * Tab-separated, replaced whole at start and after every save:
 *
 *	cwl-registry	WALL_MS
 *		saves=N	last_save_ms=MS
 *
 * saves: the saves of this run that wrote something; last_save_ms: the
 * wall time of the last one, or of the last one an earlier run wrote to
 * the same file (0: none yet), so that a restart does not forget it.
 */
static struct {
	const char *path;
	uint64_t saves;
	int64_t last_ms;
} stats;

static void
push(const char ***v, size_t *n, const char *s)
{
	const char **p;

	if ((p = realloc(*v, (*n + 1) * sizeof(*p))) == NULL)
		log_oom();
	p[(*n)++] = s;
	*v = p;
}

/* The store's URL: the argument, then the config, then memory:. *dflt
 * is set when nothing named one. Returns a malloc'd string. */
static char *
resolve_url(const char *arg, int *dflt)
{
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	const char *url = NULL, *bucket = NULL, *prefix = NULL;

	*dflt = 0;
	if (arg != NULL)
		return strdup(arg);
	if (cfg_str(cli.cfg, "cloudwatchlogsbeat.registry.url", NULL, &url,
	    &e) == -1 ||
	    cfg_str(cli.cfg, "cloudwatchlogsbeat.s3_bucket_name", NULL, &bucket,
	    &e) == -1 ||
	    cfg_str(cli.cfg, "cloudwatchlogsbeat.s3_key_prefix", "", &prefix,
	    &e) == -1)
		cli_die(&e);
	if (url != NULL && *url != '\0')
		return strdup(url);
	if (bucket != NULL && *bucket != '\0') {
		/* The original's settings name our layout in that bucket. */
		if (buf_printf(&b, "s3://%s/%s", bucket, prefix ? prefix : "")
		    == -1)
			log_oom();
		return buf_detach(&b);
	}
	*dflt = 1;
	return strdup("memory:");
}

static struct ckpt *
open_store(const char *url, int writer, struct aws_opts *ao)
{
	struct ckpt_opts o = { ao, writer };
	struct err e = ERR_INIT;
	struct ckpt *k;

	if ((k = ckpt_open(url, &o, &e)) == NULL)
		cli_die(&e);
	return k;
}

/* put's flush interval: --flush-interval, else the config's. */
static int64_t
flush_interval(const char *arg)
{
	struct err e = ERR_INIT;
	int64_t ms;

	if (arg) {
		if (timex_duration(arg, &ms, &e) == -1) {
			err_prefix(&e, "--flush-interval");
			cli_die(&e);
		}
	} else if (cfg_get_duration(cli.cfg,
	    "cloudwatchlogsbeat.registry.flush_interval", &ms, &e) == -1) {
		cli_die(&e);
	}
	if (ms <= 0)
		cli_usage(&cli, "put: the flush interval must be more than 0");
	return ms;
}

/* --check-config with no command: the settings of the registry the
 * wrapper runs, get and put, read as they read them; nothing is opened
 * for writing and nothing is sent. */
static void __attribute__((noreturn))
check_config(void)
{
	struct aws_opts ao;
	struct err e = ERR_INIT;
	char *url;
	int dflt;

	if (cli_aws_opts(&cli, &ao, &e) == -1)
		cli_die(&e);
	flush_interval(NULL);
	if ((url = resolve_url(NULL, &dflt)) == NULL)
		log_oom();
	ckpt_close(open_store(url, 0, &ao));
	free(url);
	cli_checked(&cli);
	exit(0);
}

static void
filter_of(const struct opts *op, struct ckpt_filter *f)
{
	f->groups = op->groups;
	f->ngroups = op->ngroups;
	f->sources = op->sources;
	f->nsources = op->nsources;
}

static int
cmd_get(struct ckpt *k, const struct opts *op)
{
	struct ckpt_filter f;
	struct ckpt_set *s;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;

	filter_of(op, &f);
	if ((s = ckpt_set_new()) == NULL)
		log_oom();
	if (ckpt_load(k, &f, s, &e) == -1)
		cli_die(&e);
	if (ckpt_set_ndjson(s, &out) == -1)
		log_oom();
	cli_flush_stdout(&out);
	buf_free(&out);
	ckpt_set_free(s);
	return 0;
}

static void
age(char *out, size_t n, int64_t ms)
{
	int64_t s = ms / 1000;
	int r;

	if (s < 0)
		s = 0;
	if (s < 120)
		r = snprintf(out, n, "%llds", (long long)s);
	else if (s < 7200)
		r = snprintf(out, n, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		r = snprintf(out, n, "%lldh", (long long)(s / 3600));
	else
		r = snprintf(out, n, "%lldd", (long long)(s / 86400));
	if (r < 0 || (size_t)r >= n)
		out[0] = '\0';
}

/* The timestamp of the cursor's event, or -1 when the cursor does not
 * hold it. A cursor with a token holds its event's timestamp, and so
 * does a group-wide one; a cursor of the first page read from a stream
 * (no token) holds the time that page was read from, where a resume
 * reads it again, which says nothing of its event's age. */
static int64_t
event_time(const struct cursor *c)
{
	if ((c->token && *c->token) || strcmp(c->stream, "*") == 0)
		return c->ts;
	return -1;
}

static int
cmd_list(struct ckpt *k, const struct opts *op)
{
	struct ckpt_filter f;
	struct ckpt_set *s;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT, key = BUF_INIT, raw = BUF_INIT;
	const struct cursor **v;
	int64_t now = timex_now_ms(), ts;
	size_t i, n, w = strlen("SOURCE");
	int tty = isatty(STDOUT_FILENO);
	char iso[25], ago[32];

	filter_of(op, &f);
	if ((s = ckpt_set_new()) == NULL)
		log_oom();
	if (ckpt_load(k, &f, s, &e) == -1)
		cli_die(&e);
	if ((v = ckpt_set_sorted(s, 0, &n)) == NULL && n)
		log_oom();
	for (i = 0; i < n; i++) {
		size_t l = strlen(v[i]->group) + 1 + strlen(v[i]->stream);

		if (l > w)
			w = l;
	}
	if (tty && n)
		buf_printf(&out, "%-*s  %12s  %-24s  %s\n", (int)w, "SOURCE", "N",
		    "LAST EVENT", "AGE");
	for (i = 0; i < n; i++) {
		buf_reset(&key);
		buf_reset(&raw);
		if (cursor_key(v[i], &raw) == -1 ||
		    log_printable(&key, raw.p, raw.len, 0) == -1)
			log_oom();
		ts = event_time(v[i]);
		if (ts > 0) {
			timex_iso(ts, iso);
			age(ago, sizeof(ago), now - ts);
		} else {
			strcpy(iso, "-");
			strcpy(ago, "-");
		}
		if (tty)
			buf_printf(&out, "%-*s  %12lld  %-24s  %s\n", (int)w,
			    buf_str(&key), (long long)v[i]->n, iso, ago);
		else
			buf_printf(&out, "%s\t%lld\t%s\t%lld\n", buf_str(&key),
			    (long long)v[i]->n, iso, ts > 0 ?
			    (long long)((now - ts) / 1000) : -1LL);
		if (out.len > 65536)
			cli_flush_stdout(&out);
	}
	cli_flush_stdout(&out);
	free(v);
	buf_free(&out);
	buf_free(&key);
	buf_free(&raw);
	ckpt_set_free(s);
	return 0;
}

static int
cmd_delete(struct ckpt *k, const struct opts *op)
{
	struct ckpt_filter f;
	struct err e = ERR_INIT;
	size_t n = 0;

	filter_of(op, &f);
	if (ckpt_delete(k, &f, &n, &e) == -1)
		cli_die(&e);
	log_info("deleted %zu checkpoint%s from %s", n, n == 1 ? "" : "s",
	    ckpt_name(k));
	return 0;
}

static int
cmd_init(struct ckpt *k)
{
	struct err e = ERR_INIT;
	const char *sch = ckpt_scheme(k);
	int created = 0;

	if (ckpt_init(k, &created, &e) == -1)
		cli_die(&e);
	if (strcmp(sch, "dynamodb") == 0)
		log_info("%s: table %s", ckpt_name(k), created ?
		    "created, ACTIVE" : "exists, ACTIVE");
	else if (strcmp(sch, "file") == 0)
		log_info("%s: %s", ckpt_name(k), created ? "created" : "exists");
	else if (strcmp(sch, "s3") == 0)
		log_info("%s: the bucket is there", ckpt_name(k));
	return 0;
}

/* Returns the last_save_ms of an earlier run's --stats file, or 0. */
static int64_t
stats_last(const char *path)
{
	char line[256], *p;
	int64_t ms = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, "\tlast_save_ms=")) != NULL)
			ms = strtoll(p + 14, NULL, 10);
	fclose(f);
	return ms > 0 ? ms : 0;
}

/* Writes the --stats file. Returns 0, or -1 with e. */
static int
stats_write(struct err *e)
{
	struct buf b = BUF_INIT;
	int bad;

	bad = buf_printf(&b, "cwl-registry\t%" PRId64 "\n\tsaves=%" PRIu64
	    "\tlast_save_ms=%" PRId64 "\n", timex_now_ms(), stats.saves,
	    stats.last_ms);
	return cli_stats_write(stats.path, &b, bad, e);
}

/* Saves what put holds; on failure, exits with the error's code. */
static void
save(struct ckpt *k, struct ckpt_set *s)
{
	struct ckpt_stats st;
	struct err e = ERR_INIT;

	if (ckpt_set_ndirty(s) == 0)
		return;
	if (ckpt_save(k, s, &st, &e) == -1)
		cli_die(&e);
	if (st.kept)
		log_warn("registry %s: %zu source%s: it holds a newer "
		    "checkpoint, kept (another writer on the same sources?)",
		    ckpt_name(k), st.kept, st.kept == 1 ? "" : "s");
	if (st.conflicts)
		log_debug("registry", "%s: %zu conditional writes refused, "
		    "merged and retried", ckpt_name(k), st.conflicts);
	log_debug("registry", "%s: saved %zu source%s", ckpt_name(k),
	    st.written, st.written == 1 ? "" : "s");
	if (stats.path) {
		stats.saves++;
		stats.last_ms = timex_now_ms();
		if (stats_write(&e) == -1) {
			log_warn("%s", err_msg(&e));
			err_clear(&e);
		}
	}
}

/* Takes one ack line. Returns 0, or 1 if it was rejected. */
static int
ack(struct ckpt_set *s, const char *p, size_t n, size_t lineno)
{
	struct cursor c;
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++)
		;
	if (i == n)
		return 0;
	if (cursor_parse(p, n, &c, &e) == -1) {
		log_error("ack line %zu: %s", lineno, err_msg(&e));
		err_clear(&e);
		return 1;
	}
	if (ckpt_set_put(s, &c, 1) == -1)
		log_oom();
	cursor_clear(&c);
	return 0;
}

static int
cmd_put(struct ckpt *k, int64_t interval)
{
	struct ckpt_set *s;
	struct buf in = BUF_INIT;
	struct pollfd pfd;
	int64_t next;
	size_t lineno = 0, len;
	ssize_t r;
	int rejected = 0, eof = 0, skipping = 0, timeout;

	if ((s = ckpt_set_new()) == NULL)
		log_oom();
	cli_signals();
	next = timex_mono_ms() + interval;
	while (!eof && !cli_stop) {
		timeout = (int)(next - timex_mono_ms());
		if (timeout < 0)
			timeout = 0;
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, timeout) == -1 && errno != EINTR) {
			log_error("poll stdin: %s", strerror(errno));
			exit(EXIT_RUNTIME);
		}
		if (pfd.revents) {
			if (buf_reserve(&in, 65536) == -1)
				log_oom();
			r = read(STDIN_FILENO, in.p + in.len, 65536);
			if (r < 0 && errno != EINTR && errno != EAGAIN) {
				log_error("read stdin: %s", strerror(errno));
				exit(EXIT_RUNTIME);
			}
			if (r == 0)
				eof = 1;
			if (r > 0)
				in.len += (size_t)r;
			while (in.len > 0) {
				len = ckpt_eol(in.p, in.len);
				if (len == in.len && !eof) {
					if (in.len > MAX_LINE && !skipping) {
						log_error("ack line %zu: longer "
						    "than %d bytes", lineno + 1,
						    MAX_LINE);
						rejected = 1;
						skipping = 1;
					}
					if (skipping)
						buf_reset(&in);
					break;
				}
				lineno++;
				if (!skipping && len > MAX_LINE) {
					log_error("ack line %zu: longer than %d "
					    "bytes", lineno, MAX_LINE);
					rejected = 1;
				} else if (!skipping)
					rejected |= ack(s, in.p, len, lineno);
				skipping = 0;
				buf_consume(&in, len < in.len ? len + 1 : len);
			}
		}
		if (timex_mono_ms() >= next) {
			save(k, s);
			next = timex_mono_ms() + interval;
		}
	}
	if (cli_stop)
		log_debug("registry", "signal: saving and stopping");
	save(k, s);
	buf_free(&in);
	ckpt_set_free(s);
	return rejected ? EXIT_REJECTED : 0;
}

struct imp {
	int rejected;
};

static void
import_note(void *arg, const char *key, const char *why, int rejected)
{
	struct imp *im = arg;

	if (rejected) {
		log_error("import-legacy: %s: %s: skipped", key, why);
		im->rejected = 1;
	} else
		log_warn("import-legacy: %s: %s", key, why);
}

/* The log group names of the config's prospectors. */
static void
config_groups(struct opts *op)
{
	json_object *ps, *p, *names, *g;
	size_t i, j, n, m;

	if ((ps = cfg_node(cli.cfg, "cloudwatchlogsbeat.prospectors")) == NULL ||
	    !json_object_is_type(ps, json_type_array))
		return;
	n = json_object_array_length(ps);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ps, i);
		if (!json_object_is_type(p, json_type_object) ||
		    !json_object_object_get_ex(p, "groupnames", &names))
			continue;
		if (json_object_is_type(names, json_type_string)) {
			push(&op->groups, &op->ngroups,
			    json_object_get_string(names));
			continue;
		}
		if (!json_object_is_type(names, json_type_array))
			continue;
		m = json_object_array_length(names);
		for (j = 0; j < m; j++) {
			g = json_object_array_get_idx(names, j);
			if (json_object_is_type(g, json_type_string))
				push(&op->groups, &op->ngroups,
				    json_object_get_string(g));
		}
	}
}

static int
cmd_import(const char *from, struct opts *op, struct aws_opts *ao)
{
	struct ckpt *src, *dst;
	struct ckpt_set *s, *imp;
	struct ckpt_stats st;
	const struct cursor **v;
	size_t i, n;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;
	struct imp im = { 0 };
	char *to;
	int dflt;

	if (strncasecmp(from, "s3://", 5) != 0)
		cli_usage(&cli, "import-legacy: '%s': the original registry is "
		    "an S3 location, s3://BUCKET/PREFIX", from);
	to = resolve_url(op->to, &dflt);
	if (to == NULL)
		log_oom();
	if (dflt)
		cli_usage(&cli, "import-legacy: no registry to import into: "
		    "give --to URL or set cloudwatchlogsbeat.registry.url");
	if (op->ngroups == 0)
		config_groups(op);
	src = open_store(from, 0, ao);
	dst = open_store(to, 1, ao);
	if ((s = ckpt_set_new()) == NULL)
		log_oom();
	if ((imp = ckpt_set_new()) == NULL)
		log_oom();
	if (ckpt_legacy_s3(src, op->groups, op->ngroups, imp, import_note, &im,
	    &e) == -1)
		cli_die(&e);
	/* Mark them all for saving: the store keeps what is newer. */
	if ((v = ckpt_set_sorted(imp, 0, &n)) == NULL && n)
		log_oom();
	for (i = 0; i < n; i++)
		if (ckpt_set_put(s, v[i], 1) == -1)
			log_oom();
	free(v);
	if (ckpt_save(dst, s, &st, &e) == -1)
		cli_die(&e);
	if (ckpt_set_ndjson(imp, &out) == -1)
		log_oom();
	cli_flush_stdout(&out);
	n = ckpt_set_len(imp);
	log_info("imported %zu stream%s from %s into %s", n, n == 1 ? "" : "s",
	    ckpt_name(src), ckpt_name(dst));
	if (st.kept)
		log_warn("import-legacy: %zu of them already had a newer "
		    "checkpoint in %s, kept", st.kept, ckpt_name(dst));
	buf_free(&out);
	ckpt_set_free(s);
	ckpt_set_free(imp);
	ckpt_close(src);
	ckpt_close(dst);
	free(to);
	return im.rejected ? EXIT_REJECTED : 0;
}

static void
parse_options(struct opts *op, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "group", required_argument, NULL, 'g' },
		{ "source", required_argument, NULL, 's' },
		{ "flush-interval", required_argument, NULL, 'i' },
		{ "to", required_argument, NULL, OPT_TO },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = cli_getopt(&cli, argc, argv, CLI_SHORTOPTS "g:s:i:",
	    longopts)) != -1) {
		if (cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'g':
			if (!arn_source_group_ok(optarg))
				cli_usage(&cli, "--group '%s': not a log group "
				    "name, nor ACCOUNT:GROUP", optarg);
			push(&op->groups, &op->ngroups, optarg);
			break;
		case 's':
			if (strchr(optarg, ':') == NULL || *optarg == ':' ||
			    optarg[strlen(optarg) - 1] == ':')
				cli_usage(&cli, "--source '%s': expected "
				    "GROUP:STREAM", optarg);
			push(&op->sources, &op->nsources, optarg);
			break;
		case 'i':
			op->interval = optarg;
			break;
		case OPT_TO:
			op->to = optarg;
			break;
		case OPT_STATS:
			if (*optarg == '\0')
				cli_usage(&cli, "--stats: no file name");
			op->stats = optarg;
			break;
		default:
			cli_usage(&cli, "unknown option");
		}
	}
}

/* Refuses an unknown command, and options the command does not take. */
static void
check_command(const char *cmd, const struct opts *op)
{
	if (strcmp(cmd, "get") && strcmp(cmd, "put") && strcmp(cmd, "list") &&
	    strcmp(cmd, "delete") && strcmp(cmd, "init") &&
	    strcmp(cmd, "import-legacy"))
		cli_usage(&cli, "unknown command '%s'", cmd);
	if ((op->ngroups || op->nsources) && (strcmp(cmd, "put") == 0 ||
	    strcmp(cmd, "init") == 0))
		cli_usage(&cli, "%s: --group and --source select what get, list "
		    "and delete read", cmd);
	if (op->nsources && strcmp(cmd, "import-legacy") == 0)
		cli_usage(&cli, "import-legacy: --source does not apply; "
		    "--group names the log groups");
	if (op->interval && strcmp(cmd, "put") != 0)
		cli_usage(&cli, "%s: --flush-interval is for put", cmd);
	if (op->to && strcmp(cmd, "import-legacy") != 0)
		cli_usage(&cli, "%s: --to is for import-legacy", cmd);
	if (op->stats && strcmp(cmd, "put") != 0)
		cli_usage(&cli, "%s: --stats is for put", cmd);
}

/* put --stats: a file that cannot be written is said at once. */
static void
stats_open(const char *path)
{
	struct err e = ERR_INIT;

	stats.path = path;
	stats.last_ms = stats_last(path);
	if (stats_write(&e) == -1) {
		e.code = EXIT_USAGE;
		cli_die(&e);
	}
}

/* Runs a command on the registry (all but import-legacy). */
static int
run_command(const char *cmd, const char *arg, const struct opts *op,
    struct aws_opts *ao)
{
	struct ckpt *k;
	char *url;
	int64_t interval;
	int rc, dflt, writer;

	interval = strcmp(cmd, "put") == 0 ? flush_interval(op->interval) : 5000;
	if ((url = resolve_url(arg, &dflt)) == NULL)
		log_oom();
	writer = strcmp(cmd, "put") == 0 || strcmp(cmd, "delete") == 0 ||
	    strcmp(cmd, "init") == 0;
	k = open_store(url, writer, ao);
	cli_checked(&cli);
	if (op->stats)
		stats_open(op->stats);
	if (strcmp(cmd, "get") == 0)
		rc = cmd_get(k, op);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(k, op);
	else if (strcmp(cmd, "delete") == 0)
		rc = cmd_delete(k, op);
	else if (strcmp(cmd, "init") == 0)
		rc = cmd_init(k);
	else
		rc = cmd_put(k, interval);
	ckpt_close(k);
	free(url);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts op;
	struct aws_opts ao;
	struct err e = ERR_INIT;
	const char *cmd, *arg;
	int rc;

	memset(&op, 0, sizeof(op));
	cli_init(&cli, "cwl-registry", synopsis, help);
	parse_options(&op, argc, argv);
	if (cli_load(&cli, &e) == -1)
		cli_die(&e);
	if (cli.check_config && optind >= argc)
		check_config();
	if (optind >= argc)
		cli_usage(&cli, "no command (get, put, list, delete, init, "
		    "import-legacy)");
	cmd = argv[optind++];
	arg = optind < argc ? argv[optind++] : NULL;
	if (optind < argc)
		cli_usage(&cli, "%s: unexpected argument '%s'", cmd, argv[optind]);
	check_command(cmd, &op);
	if (cli_aws_opts(&cli, &ao, &e) == -1)
		cli_die(&e);
	if (strcmp(cmd, "import-legacy") == 0) {
		if (arg == NULL)
			cli_usage(&cli, "import-legacy: no s3://BUCKET/PREFIX");
		rc = cmd_import(arg, &op, &ao);
	} else {
		rc = run_command(cmd, arg, &op, &ao);
	}
	free(op.groups);
	free(op.sources);
	cli_free(&cli);
	return rc;
}
