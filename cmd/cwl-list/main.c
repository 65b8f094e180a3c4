/*
 * cwl-list: discovers log groups and streams (DescribeLogGroups,
 * DescribeLogStreams), the first stage of the pipeline.
 *
 * Reads: the command line (groups or streams, and the names, prefixes
 * or patterns that select groups), else the config's
 * prospectors[].groupnames. Writes: one line per group (the API's
 * object) or per stream (the API's object with "logGroupName" first),
 * as NDJSON, plain names or a table. With --watch it keeps listing and
 * writes a stream again whenever its lastIngestionTime moves, so that
 * cwl-tail learns of new and reawakened streams within one interval.
 * Guarantees: every page is read to the end of the API's tokens; a
 * stream is written at most once per change; SIGTERM and a closed
 * stdout end it with 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arn.h"
#include "cli.h"
#include "config.h"
#include "creds.h"
#include "jsonx.h"
#include "list.h"
#include "log.h"
#include "timex.h"

static const char synopsis[] =
    "cwl-list [options] groups [PREFIX|PATTERN ...]\n"
    "       cwl-list [options] streams [--prefix P] [--pattern GLOB]\n"
    "                [--active-since TIME] [--order-by name|last-event] "
    "[--limit N]\n"
    "                [GROUP|PREFIX*|PATTERN ...]\n"
    "       cwl-list [options] --include-linked-accounts [--account-id ID ...] "
    "groups|streams ...";

static const char help[] =
    "Commands:\n"
    "  groups [PREFIX|PATTERN ...]  log groups: by name prefix, or glob pattern\n"
    "                               (/aws/*/prod-*); default: the config's, else all\n"
    "  streams [GROUP ...]          streams of log groups: exact names, PREFIX*\n"
    "                               or patterns; default: the config's prospectors\n"
    "\n"
    "Options:\n"
    "  -o, --output FORMAT    json (one object a line), plain (names) or table;\n"
    "                         default: table on a terminal, else json\n"
    "      --json, --plain, --table   the same\n"
    "      --prefix P         streams whose name starts with P\n"
    "      --pattern GLOB     streams whose name matches GLOB\n"
    "      --active-since T   streams with events since T (5m, 2h ago, ISO 8601)\n"
    "      --order-by KEY     name (default) or last-event (newest first)\n"
    "      --limit N          at most N streams per group\n"
    "      --shard I/N        only the streams (or groups) of shard I of N\n"
    "      --include-linked-accounts  also the groups of the source accounts\n"
    "                         linked to this monitoring account (by ARN)\n"
    "      --account-id ID    with --include-linked-accounts: only this\n"
    "                         account's groups (repeat: at most 20)\n"
    "  -w, --watch[=INTERVAL] keep listing; write new and changed streams\n"
    "                         (default: stream_refresh_frequency, 20s)\n"
    "      --stats FILE       after every listing and at exit, write the\n"
    "                         requests per API to FILE (for cloudwatchlogsbeat)\n"
    "      --credentials-source  print where the AWS credentials come from\n"
    "  -c, --config FILE      the configuration file\n"
    "  -E, --define K=V       override a configuration key\n"
    "  -d, --debug SELECTORS  debug output (list, aws, http, ...)\n"
    "  -v, --verbose          info lines as well: what is being done\n"
    "  -q, --quiet            errors only (default: warnings and errors)\n"
    "  -h, --help             this help\n"
    "  -V, --version          the version\n"
    "      --check-config     check the configuration as a run would, and exit\n"
    "      --config-value KEY print a configuration value and exit (secrets as\n"
    "                         [REDACTED] unless --show-secrets)\n"
    "      --config-ms KEY    print a duration of the configuration in ms\n";

enum {
	OPT_JSON = 0x2000, OPT_PLAIN, OPT_TABLE, OPT_PREFIX, OPT_PATTERN,
	OPT_SINCE, OPT_ORDER, OPT_LIMIT, OPT_SHARD, OPT_CREDS, OPT_STATS,
	OPT_LINKED, OPT_ACCOUNT
};

#define MAX_ACCOUNTS 20	/* accountIdentifiers: "as many as 20" */

/* --include-linked-accounts and its --account-id, over the config's */
static int cli_linked;
static const char **cli_accounts;
static size_t cli_naccounts;

struct list L;
static struct cli cli;

static void warn_missing(const char *group);

/* The names seen: a strmap to a malloc'd int64_t each. */

/* Returns the value stored for key, or INT64_MIN if absent. */
static int64_t
seen_get(const char *key)
{
	int64_t *v;

	if (L.seen == NULL || (v = strmap_get(L.seen, key)) == NULL)
		return INT64_MIN;
	return *v;
}

static void
seen_put(const char *key, int64_t val)
{
	void **v;

	if ((L.seen == NULL && (L.seen = strmap_new()) == NULL) ||
	    (v = strmap_put(L.seen, key)) == NULL ||
	    (*v == NULL && (*v = malloc(sizeof(int64_t))) == NULL))
		log_oom();
	*(int64_t *)*v = val;
}

/* Selecting groups. */

static int
group_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("._-/#", c) != NULL;
}

/*
 * Adds a spec for text. A name with wildcards is a glob matched here
 * (its literal start is sent as the prefix); "X*" is the prefix X; a
 * plain name is a prefix when plain_is_prefix (groups), else exact.
 * Returns 0, or -1 with e (EXIT_USAGE).
 */
static int
add_spec(const char *text, int plain_is_prefix, const char *stream_prefix,
    struct err *e)
{
	struct spec *s, *v;
	size_t n = strlen(text), lit = strcspn(text, "*?[");
	const char *p;

	for (p = text; *p; p++)
		if (!group_char((unsigned char)*p) && !strchr("*?[]!^", *p))
			return err_set(e, EXIT_USAGE, "'%s': not a log group "
			    "name, prefix or pattern (letters, digits and "
			    "._-/# with * ? [...])", text);
	if (n > 512)
		return err_set(e, EXIT_USAGE, "'%.40s...': longer than a log "
		    "group name can be (512)", text);
	if ((v = realloc(L.specs, (L.nspecs + 1) * sizeof(*v))) == NULL)
		log_oom();
	L.specs = v;
	s = &L.specs[L.nspecs++];
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->stream_prefix = stream_prefix;
	if (lit == n) {
		s->kind = plain_is_prefix ? SPEC_PREFIX : SPEC_EXACT;
	} else if (lit == n - 1 && text[lit] == '*') {
		s->kind = SPEC_PREFIX;
	} else {
		s->kind = SPEC_GLOB;
	}
	if ((s->prefix = strndup(text, lit)) == NULL)
		log_oom();
	if (s->kind == SPEC_EXACT && n == 0)
		return err_set(e, EXIT_USAGE, "an empty log group name");
	return 0;
}

/* Checks account ids: 12 digits each, at most 20. Returns 0, or -1 with
 * e (EXIT_USAGE). */
static int
check_accounts(const char *const *ids, size_t n, struct err *e)
{
	size_t i;

	if (n > MAX_ACCOUNTS)
		return err_set(e, EXIT_USAGE, "%zu account ids: at most %d",
		    n, MAX_ACCOUNTS);
	for (i = 0; i < n; i++)
		if (!arn_account_ok(ids[i]))
			return err_set(e, EXIT_USAGE, "'%s': not an AWS account "
			    "id (12 digits)", ids[i]);
	return 0;
}

/* Reads prospector i's include_linked_accounts and account_ids into
 * the specs from first on. Returns 0 or -1 with e. */
static int
prospector_linked(size_t i, size_t first, struct err *e)
{
	struct cfg *c = cli.cfg;
	struct buf k1 = BUF_INIT, k2 = BUF_INIT;
	const char *const *ids = NULL;
	size_t n = 0;
	int linked = 0, r = -1;

	buf_printf(&k1, "cloudwatchlogsbeat.prospectors.%zu."
	    "include_linked_accounts", i);
	buf_printf(&k2, "cloudwatchlogsbeat.prospectors.%zu.account_ids", i);
	if (cfg_bool(c, buf_str(&k1), 0, &linked, e) == -1 ||
	    cfg_strlist(c, buf_str(&k2), &ids, &n, e) == -1)
		goto out;
	if (n && !linked) {
		err_set(e, EXIT_USAGE, "%s: %s without include_linked_accounts: "
		    "true", cfg_where(c, buf_str(&k2)), buf_str(&k2));
		goto out;
	}
	if (check_accounts(ids, n, e) == -1) {
		err_prefix(e, "%s: %s", cfg_where(c, buf_str(&k2)), buf_str(&k2));
		goto out;
	}
	for (; first < L.nspecs; first++) {
		L.specs[first].linked = linked;
		L.specs[first].accounts = n ? ids : NULL;
		L.specs[first].naccounts = n;
	}
	r = 0;
out:
	buf_free(&k1);
	buf_free(&k2);
	return r;
}

/* The config's groups: prospectors[].groupnames (with their
 * stream_prefix, include_linked_accounts and account_ids), and the
 * top-level groupnames. */
static int
config_specs(struct err *e)
{
	struct cfg *c = cli.cfg;
	struct buf key = BUF_INIT;
	json_object *ps = cfg_node(c, "cloudwatchlogsbeat.prospectors");
	const char *const *names, *sp;
	size_t i, j, n, np, first;

	np = json_object_is_type(ps, json_type_array) ?
	    json_object_array_length(ps) : 0;
	for (i = 0; i <= np; i++) {
		buf_reset(&key);
		sp = NULL;
		if (i < np) {
			buf_printf(&key, "cloudwatchlogsbeat.prospectors.%zu."
			    "stream_prefix", i);
			if (cfg_str(c, buf_str(&key), NULL, &sp, e) == -1)
				goto fail;
			buf_reset(&key);
			buf_printf(&key, "cloudwatchlogsbeat.prospectors.%zu."
			    "groupnames", i);
		} else {
			buf_adds(&key, "cloudwatchlogsbeat.groupnames");
		}
		if (cfg_strlist(c, buf_str(&key), &names, &n, e) == -1)
			goto fail;
		first = L.nspecs;
		for (j = 0; j < n; j++)
			if (add_spec(names[j], 0, sp, e) == -1) {
				err_prefix(e, "%s: %s", cfg_where(c, buf_str(&key)),
				    buf_str(&key));
				goto fail;
			}
		if (i < np && prospector_linked(i, first, e) == -1)
			goto fail;
	}
	buf_free(&key);
	return 0;
fail:
	buf_free(&key);
	return -1;
}

/* Groups mode. */

static int
print_group(json_object *g, void *arg)
{
	struct buf key = BUF_INIT;
	struct grp gr;

	(void)arg;
	list_grp(g, &gr, &key);
	if (seen_get(gr.key) == INT64_MIN && in_shard(gr.key, NULL)) {
		seen_put(gr.key, 0);
		out_group(g, &gr);
	}
	buf_free(&key);
	return 0;
}

/* Lists the groups of every spec once. Returns 0 or -1 with e. */
static int
round_groups(struct err *e)
{
	size_t i;
	int r;

	for (i = 0; i < L.nspecs && !cli_stop; i++) {
		if ((r = list_groups(&L.specs[i], print_group, NULL, e)) == -1)
			return -1;
		if (r == 1 && !L.specs[i].missing)
			warn_missing(L.specs[i].text);
		L.specs[i].missing = r == 1;
	}
	out_flush(1);
	return 0;
}

/* Streams mode: the groups to list, found anew every group interval. */

struct target {
	char *name, *ident, *account;	/* owned; as struct grp */
	char *key;			/* owned */
	const char *stream_prefix;	/* NULL: all streams */
	int missing;			/* warned that it does not exist */
};

static struct target *targets;
static size_t ntargets;

static struct target *
target_find(const char *key)
{
	size_t i;

	for (i = 0; i < ntargets; i++)
		if (strcmp(targets[i].key, key) == 0)
			return &targets[i];
	return NULL;
}

static char *
dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		log_oom();
	return d;
}

/* Adds a group to the round; a group two specs select gets all its
 * streams unless both name the same stream prefix. */
static void
target_add(const struct grp *g, const char *stream_prefix)
{
	struct target *t;

	if ((t = target_find(g->key)) != NULL) {
		if (t->stream_prefix && (stream_prefix == NULL ||
		    strcmp(t->stream_prefix, stream_prefix) != 0))
			t->stream_prefix = NULL;
		return;
	}
	if ((t = realloc(targets, (ntargets + 1) * sizeof(*t))) == NULL)
		log_oom();
	targets = t;
	t = &targets[ntargets++];
	memset(t, 0, sizeof(*t));
	t->name = dup_or_null(g->name);
	t->ident = dup_or_null(g->ident);
	t->account = dup_or_null(g->account);
	t->key = dup_or_null(g->key);
	t->stream_prefix = stream_prefix;
}

static int
collect_group(json_object *g, void *arg)
{
	const struct spec *s = arg;
	struct buf key = BUF_INIT;
	struct grp gr;

	list_grp(g, &gr, &key);
	target_add(&gr, s->stream_prefix);
	buf_free(&key);
	return 0;
}

/* Resolves the specs into targets. Exact names need no call. */
static int
resolve_targets(struct err *e)
{
	size_t i;
	int r;

	for (i = 0; i < L.nspecs && !cli_stop; i++) {
		if (L.specs[i].kind == SPEC_EXACT && !L.specs[i].linked) {
			struct grp g = { L.specs[i].text, NULL, NULL,
			    L.specs[i].text };

			target_add(&g, L.specs[i].stream_prefix);
			continue;
		}
		if ((r = list_groups(&L.specs[i], collect_group, &L.specs[i],
		    e)) == -1)
			return -1;
	}
	return 0;
}

static int
print_stream(const struct grp *group, json_object *s, void *arg)
{
	struct buf key = BUF_INIT;
	int64_t it = jsonx_get_int(s, "lastIngestionTime", -1), old;

	(void)arg;
	if (L.watch) {
		buf_printf(&key, "%s:%s", group->key,
		    jsonx_get_str(s, "logStreamName", ""));
		old = seen_get(buf_str(&key));
		if (old != INT64_MIN && it <= old) {
			buf_free(&key);
			return 0;
		}
		seen_put(buf_str(&key), it);
		buf_free(&key);
	}
	out_stream(group, s);
	return 0;
}

static void
warn_missing(const char *group)
{
	if (L.watch) {
		log_warn("log group %s: does not exist (yet)", group);
	} else {
		log_error("log group %s: does not exist", group);
		L.missing = 1;
	}
}

/* Lists the streams of every target once. */
static int
round_streams(struct err *e)
{
	struct target *t;
	struct grp g;
	size_t i;
	int r;

	for (i = 0; i < ntargets && !cli_stop; i++) {
		t = &targets[i];
		g.name = t->name;
		g.ident = t->ident;
		g.account = t->account;
		g.key = t->key;
		r = list_streams(&g, t->stream_prefix, print_stream, NULL, e);
		if (r == -1)
			return -1;
		if (r == 1 && !t->missing) {
			warn_missing(t->ident ? t->ident : t->name);
			t->missing = 1;
		} else if (r == 0) {
			t->missing = 0;
		}
	}
	out_flush(1);
	return 0;
}

static void
targets_free(void)
{
	size_t i;

	for (i = 0; i < ntargets; i++) {
		free(targets[i].name);
		free(targets[i].ident);
		free(targets[i].account);
		free(targets[i].key);
	}
	free(targets);
	targets = NULL;
	ntargets = 0;
}

/* Options. */


static int64_t
duration_arg(const char *s, const char *opt)
{
	struct err e = ERR_INIT;
	int64_t ms;

	if (timex_duration(s, &ms, &e) == -1)
		cli_usage(&cli, "%s: %s", opt, err_msg(&e));
	if (ms < 100)
		cli_usage(&cli, "%s '%s': shorter than 100ms", opt, s);
	return ms;
}

static int
credentials_source(void)
{
	struct err e = ERR_INIT;
	const struct creds *c;

	if ((c = creds_get(aws_creds(L.aws), &e)) == NULL)
		cli_die(&e);
	printf("%s\n", c->source ? c->source : "unknown");
	return 0;
}

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "pattern", required_argument, NULL, OPT_PATTERN },
	{ "active-since", required_argument, NULL, OPT_SINCE },
	{ "order-by", required_argument, NULL, OPT_ORDER },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "watch", optional_argument, NULL, 'w' },
	{ "credentials-source", no_argument, NULL, OPT_CREDS },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "include-linked-accounts", no_argument, NULL, OPT_LINKED },
	{ "account-id", required_argument, NULL, OPT_ACCOUNT },
	{ NULL, 0, NULL, 0 }
};

/* What the command line says, before the config is read. */
struct opts {
	const char *fmt, *since, *shard, *watch, *order;
	int nfmt;
	int creds_only;
};

/* --account-id: only with --include-linked-accounts, and each a valid
 * account id, at most MAX_ACCOUNTS of them. */
static void
linked_options(void)
{
	struct err e = ERR_INIT;

	if (cli_naccounts && !cli_linked)
		cli_usage(&cli, "--account-id goes with --include-linked-accounts");
	if (check_accounts(cli_accounts, cli_naccounts, &e) == -1)
		cli_usage(&cli, "--account-id: %s", err_msg(&e));
}

/* -o and its short forms: a table on a terminal, else JSON lines by
 * default; --order-by: name (the default) or last-event. */
static void
output_format(const struct opts *o)
{
	if (o->fmt == NULL)
		L.fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_JSON;
	else if (strcmp(o->fmt, "json") == 0)
		L.fmt = FMT_JSON;
	else if (strcmp(o->fmt, "plain") == 0)
		L.fmt = FMT_PLAIN;
	else if (strcmp(o->fmt, "table") == 0)
		L.fmt = FMT_TABLE;
	else
		cli_usage(&cli, "-o '%s': expected json, plain or table", o->fmt);
	if (o->order && strcmp(o->order, "last-event") == 0)
		L.order_last = 1;
	else if (o->order && strcmp(o->order, "name") != 0)
		cli_usage(&cli, "--order-by '%s': expected name or last-event",
		    o->order);
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	char *end;
	int opt;

	while ((opt = cli_getopt(&cli, argc, argv, CLI_SHORTOPTS "o:w::",
	    longopts)) != -1) {
		if (cli_option(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'o':
			o->fmt = optarg;
			o->nfmt++;
			break;
		case OPT_JSON:
			o->fmt = "json";
			o->nfmt++;
			break;
		case OPT_PLAIN:
			o->fmt = "plain";
			o->nfmt++;
			break;
		case OPT_TABLE:
			o->fmt = "table";
			o->nfmt++;
			break;
		case OPT_PREFIX:
			L.prefix = optarg;
			break;
		case OPT_PATTERN:
			L.pattern = optarg;
			break;
		case OPT_SINCE:
			o->since = optarg;
			break;
		case OPT_ORDER:
			o->order = optarg;
			break;
		case OPT_LIMIT:
			errno = 0;
			L.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || L.limit < 1)
				cli_usage(&cli, "--limit '%s': expected a number "
				    "of streams, 1 or more", optarg);
			break;
		case OPT_SHARD:
			o->shard = optarg;
			break;
		case 'w':
			L.watch = 1;
			o->watch = optarg;
			break;
		case OPT_CREDS:
			o->creds_only = 1;
			break;
		case OPT_STATS:
			if (*optarg == '\0')
				cli_usage(&cli, "--stats: no file name");
			L.stats = optarg;
			break;
		case OPT_LINKED:
			cli_linked = 1;
			break;
		case OPT_ACCOUNT:
			cli_accounts = realloc(cli_accounts, (cli_naccounts + 1) *
			    sizeof(*cli_accounts));
			if (cli_accounts == NULL)
				log_oom();
			cli_accounts[cli_naccounts++] = optarg;
			break;
		default:
			cli_usage(&cli, "unknown option");
		}
	}
	if (o->nfmt > 1)
		cli_usage(&cli, "give one output format (-o, --json, --plain, "
		    "--table)");
	linked_options();
	output_format(o);
}

/* The command and what selects the groups: the arguments, else the
 * config. */
static void
parse_command(int argc, char **argv, const struct opts *o)
{
	struct err e = ERR_INIT;
	const char *cmd;
	int i;

	if (optind >= argc)
		cli_usage(&cli, "say what to list: groups or streams");
	cmd = argv[optind++];
	if (strcmp(cmd, "groups") == 0)
		L.mode = MODE_GROUPS;
	else if (strcmp(cmd, "streams") == 0)
		L.mode = MODE_STREAMS;
	else
		cli_usage(&cli, "'%s': expected groups or streams", cmd);
	if (L.mode == MODE_GROUPS && (L.prefix || L.pattern || o->since ||
	    o->order || L.limit))
		cli_usage(&cli, "--prefix, --pattern, --active-since, --order-by "
		    "and --limit apply to streams");
	if (L.watch && L.limit)
		cli_usage(&cli, "--limit and --watch do not go together");
	if (L.pattern && strcspn(L.pattern, "*?[") == strlen(L.pattern))
		cli_usage(&cli, "--pattern '%s': no wildcard (use --prefix)",
		    L.pattern);
	for (i = optind; i < argc; i++)
		if (add_spec(argv[i], L.mode == MODE_GROUPS, NULL, &e) == -1)
			cli_usage(&cli, "%s", err_msg(&e));
	if (L.nspecs == 0 && config_specs(&e) == -1)
		cli_die(&e);
	if (L.nspecs == 0) {
		if (L.mode == MODE_STREAMS)
			cli_usage(&cli, "name the log groups, here or in the "
			    "config (cloudwatchlogsbeat.prospectors[].groupnames)");
		if (add_spec("*", 1, NULL, &e) == -1)
			cli_die(&e);
	}
	/* the flags, over what the config says */
	for (i = 0; cli_linked && i < (int)L.nspecs; i++) {
		L.specs[i].linked = 1;
		L.specs[i].accounts = cli_naccounts ? cli_accounts : NULL;
		L.specs[i].naccounts = cli_naccounts;
	}
}

/* The settings that come from options and the config, and the client. */
static void
settings(const struct opts *o)
{
	struct err e = ERR_INIT;
	struct aws_opts ao;
	const char *shard = o->shard;
	int64_t horizon;
	int r;

	cli_shard(&cli, shard, &L.shard_i, &L.shard_n);
	if (o->since) {
		if (timex_parse(o->since, timex_now_ms(), &L.since_ms, &e) == -1)
			cli_usage(&cli, "--active-since: %s", err_msg(&e));
		L.has_since = 1;
	} else if (L.mode == MODE_STREAMS) {
		r = cfg_duration(cli.cfg, "cloudwatchlogsbeat."
		    "stream_last_event_horizon", 0, &horizon, &e);
		if (r == -1)
			cli_die(&e);
		if (r == 1 && horizon > 0) {
			L.since_ms = timex_now_ms() - horizon;
			L.has_since = 1;
		}
	}
	L.rate = cli_budget(&cli, "cloudwatchlogsbeat.request_budget.describe",
	    L.shard_n);
	if (cfg_get_duration(cli.cfg,
	    "cloudwatchlogsbeat.group_refresh_frequency", &L.group_interval_ms,
	    &e) == -1 || (L.mode == MODE_STREAMS && cfg_get_duration(cli.cfg,
	    "cloudwatchlogsbeat.stream_refresh_frequency", &L.interval_ms,
	    &e) == -1))
		cli_die(&e);
	if (L.mode == MODE_GROUPS)
		L.interval_ms = L.group_interval_ms;
	if (o->watch)
		L.interval_ms = duration_arg(o->watch, "--watch");
	if (L.interval_ms < 100)
		L.interval_ms = 100;
	if (L.group_interval_ms < 100)
		L.group_interval_ms = 100;
	if (cli_aws_opts(&cli, &ao, &e) == -1 ||
	    (L.aws = aws_new(&ao, &e)) == NULL)
		cli_die(&e);
}

/*
 * The --stats file, read by cloudwatchlogsbeat for its report and
 * metrics. Tab-separated, replaced whole each time:
 *
 *	cwl-list	WALL_MS	region=REGION
 *		requests=N	throttles=N	retries=N	requests.OP=N	throttles.OP=N	retries.OP=N ...
 *
 * The counts of aws_counts, in total and per operation called so far.
 * Returns 0, or -1 with e.
 */
static int
stats_write(struct err *e)
{
	struct buf b = BUF_INIT;
	struct aws_count c;
	uint64_t req = 0, thr = 0, ret = 0;
	size_t i;
	int bad = 0;
	const char *region = aws_region(L.aws);

	for (i = 0; aws_counts(L.aws, i, &c) == 0; i++) {
		req += c.requests;
		thr += c.throttles;
		ret += c.retries;
	}
	bad |= buf_printf(&b, "cwl-list\t%" PRId64 "\tregion=",
	    timex_now_ms());
	bad |= cli_stats_name(&b, region, strlen(region));
	bad |= buf_printf(&b, "\n\trequests=%" PRIu64 "\tthrottles=%" PRIu64
	    "\tretries=%" PRIu64, req, thr, ret);
	for (i = 0; aws_counts(L.aws, i, &c) == 0; i++)
		bad |= cli_stats_api(&b, c.op, c.requests, c.throttles,
		    c.retries);
	bad |= buf_addc(&b, '\n');
	return cli_stats_write(L.stats, &b, bad, e);
}

/* Writes the --stats file, if there is one; a failure is a warning. */
static void
stats_update(void)
{
	struct err e = ERR_INIT;

	if (L.stats && stats_write(&e) == -1) {
		log_warn("%s", err_msg(&e));
		err_clear(&e);
	}
}

/* Lists once, or with --watch until stopped. Returns 0 or -1 with e. */
static int
run(struct err *e)
{
	int64_t now, next_groups = 0, next_streams = 0, next;

	for (;;) {
		now = timex_mono_ms();
		if (L.mode == MODE_GROUPS) {
			if (round_groups(e) == -1)
				return -1;
			next = now + L.interval_ms;
		} else {
			if (now >= next_groups) {
				if (resolve_targets(e) == -1)
					return -1;
				next_groups = now + L.group_interval_ms;
			}
			if (now >= next_streams) {
				if (round_streams(e) == -1)
					return -1;
				next_streams = now + L.interval_ms;
			}
			next = next_groups < next_streams ? next_groups :
			    next_streams;
		}
		log_debug("list", "round done: %zu calls so far", L.calls);
		stats_update();
		if (!L.watch || cli_stop)
			return 0;
		list_pause(next - timex_mono_ms());
		if (cli_stop)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	struct err e = ERR_INIT;
	struct opts o;
	struct aws_opts ao;
	size_t k;
	int r;

	memset(&o, 0, sizeof(o));
	cli_init(&cli, "cwl-list", synopsis, help);
	parse_options(argc, argv, &o);
	if (cli_load(&cli, &e) == -1)
		cli_die(&e);
	if (o.creds_only) {
		if (cli_aws_opts(&cli, &ao, &e) == -1 ||
		    (L.aws = aws_new(&ao, &e)) == NULL)
			cli_die(&e);
		r = credentials_source();
		aws_free(L.aws);
		cli_free(&cli);
		return r;
	}
	if (cli.check_config && optind >= argc) {
		/* the config alone, as the wrapper's cwl-list reads it */
		L.mode = MODE_STREAMS;
		if (config_specs(&e) == -1)
			cli_die(&e);
	} else {
		parse_command(argc, argv, &o);
	}
	settings(&o);
	cli_checked(&cli);
	/* a file that cannot be written is said at once */
	if (L.stats && stats_write(&e) == -1) {
		e.code = EXIT_USAGE;
		cli_die(&e);
	}
	cli_signals();
	/* a call cut short by SIGTERM is no failure */
	r = run(&e);
	stats_update();
	if (r == -1 && !cli_stop)
		cli_die(&e);
	out_flush(1);
	r = L.missing ? EXIT_RUNTIME : 0;
	err_clear(&e);
	targets_free();
	strmap_free(L.seen, free);
	for (k = 0; k < L.nspecs; k++)
		free(L.specs[k].prefix);
	free(L.specs);
	free(cli_accounts);
	free(L.own);
	buf_free(&L.out);
	aws_free(L.aws);
	cli_free(&cli);
	return r;
}
