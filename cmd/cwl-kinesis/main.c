/*
 * cwl-kinesis: reads the CloudWatch Logs events that subscription filters
 * deliver to a Kinesis data stream and writes them as event lines
 * (DESIGN.md), NDJSON flushed after every GetRecords answer.
 *
 * Reads: every shard of the stream (ListShards, GetShardIterator,
 * GetRecords), children only after their parents are finished; --resume
 * FILE, checkpoint lines whose cursors say where each shard starts.
 * Writes: one event line per log event, with CloudWatch's eventId as
 * @metadata._id and event.id (the id cwl-tail --mode filter gives the same
 * event) and @metadata.cursor: the shard, the record's sequence number and
 * how many of its events are done. A record with nothing to write (a
 * CONTROL_MESSAGE, a record set aside, events of groups not kept) gives a
 * checkpoint mark, so that the checkpoint moves past it.
 * Guarantees: every event of a shard is written once, in the shard's
 * order; a restart from any written cursor continues right after it;
 * throttling and expired iterators slow it down and never lose a record;
 * SIGTERM finishes the answer in hand and exits 0; a closed stdout exits
 * 0 quietly; a bad record is set aside and makes the exit status 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kinesis.h"
#include "log.h"
#include "timex.h"

struct kinesis K = { .fail.stop = &K.stopping };
static struct cli cli;

static const char synopsis[] =
    "cwl-kinesis [-f] [--resume FILE] [--since TIME] [--group GROUP]...\n"
    "                   [--dead-letter FILE] [--lease URL] [options]\n"
    "                   [STREAM_NAME_OR_ARN]\n"
    "       cwl-kinesis setup [--dry-run | --account-policy] [options] [STREAM_NAME_OR_ARN]";

static const char help[] =
    "Reads the CloudWatch Logs events that subscription filters deliver to a\n"
    "Kinesis data stream and writes them as NDJSON event lines, flushed after\n"
    "every GetRecords answer. Without --follow it reads every shard up to its\n"
    "current end and exits.\n"
    "\n"
    "  -f, --follow             keep reading until SIGTERM\n"
    "      --resume FILE        start each shard after its checkpoint in FILE\n"
    "  -s, --since TIME         shards with no checkpoint start at TIME (default:\n"
    "                           the oldest record kept, TRIM_HORIZON)\n"
    "      --group GROUP        keep only the events of this log group (exact,\n"
    "                           or a prefix ending in '*'); repeatable\n"
    "      --dead-letter FILE   append the records set aside to FILE\n"
    "      --fields K=V[,K=V]   add fields to every event\n"
    "      --poll DUR           how often a shard at its tip is read (default 1s)\n"
    "      --limit N            records per GetRecords (default: the API's)\n"
    "      --lease URL          share the shards with other instances through\n"
    "                           leases in this registry (s3:// or dynamodb://)\n"
    "      --lease-timeout DUR  a lease not renewed for this long is taken\n"
    "                           over (default 20s)\n"
    "      --lease-owner NAME   this instance's name in the leases (default\n"
    "                           HOST:PID)\n"
    "  -c, --config FILE        configuration file\n"
    "  -E, --define KEY=VALUE   override a configuration setting\n"
    "  -d, --debug SELECTORS    debug output (kinesis, lease, aws, http, ... or *)\n"
    "  -v, --verbose            info lines as well: what is being done\n"
    "  -q, --quiet              errors only (default: warnings and errors)\n"
    "      --check-config       check the configuration as a run would, and exit\n"
    "      --config-value KEY   print a configuration value and exit (secrets\n"
    "                           as [REDACTED] unless --show-secrets)\n"
    "      --config-ms KEY      print a duration of the configuration in ms\n"
    "  -h, --help               this help\n"
    "  -V, --version            the version\n"
    "\n"
    "setup puts a subscription filter to the stream on each log group of\n"
    "cloudwatchlogsbeat.kinesis.groups (else the prospectors'), with the role\n"
    "cloudwatchlogsbeat.kinesis.subscription.role_arn; --dry-run prints the\n"
    "requests and the account-level policy that could be used instead,\n"
    "--account-policy only that policy.\n"
    "\n"
    "The stream is STREAM_NAME_OR_ARN, or cloudwatchlogsbeat.kinesis.stream.\n"
    "Exit: 0 done (also on SIGTERM and a closed stdout), 1 runtime failure,\n"
    "2 usage or configuration error, 3 some records were set aside,\n"
    "4 authentication or permission refused.\n";

enum {
	OPT_RESUME = 0x2000, OPT_GROUP, OPT_DEAD, OPT_FIELDS, OPT_POLL,
	OPT_LIMIT, OPT_LEASE, OPT_LEASE_TIMEOUT, OPT_LEASE_OWNER, OPT_DRY_RUN,
	OPT_ACCOUNT_POLICY
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "follow", no_argument, NULL, 'f' },
	{ "since", required_argument, NULL, 's' },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "dead-letter", required_argument, NULL, OPT_DEAD },
	{ "fields", required_argument, NULL, OPT_FIELDS },
	{ "poll", required_argument, NULL, OPT_POLL },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "lease", required_argument, NULL, OPT_LEASE },
	{ "lease-timeout", required_argument, NULL, OPT_LEASE_TIMEOUT },
	{ "lease-owner", required_argument, NULL, OPT_LEASE_OWNER },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "account-policy", no_argument, NULL, OPT_ACCOUNT_POLICY },
	{ NULL, 0, NULL, 0 }
};

static struct {
	const char *since, *resume, *dead, *poll, *stream;
	const char *lease, *lease_timeout, *lease_owner;
	int setup, dry_run, account_policy;
	const char **groups;
	size_t ngroups;
	json_object *fields;
	long limit;
} opt;

static void
need(int rc, struct err *e)
{
	if (rc == -1)
		cli_die(e);
}

static void
parse_args(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char **v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "fs:", longopts,
	    NULL)) != -1) {
		if (cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'f': K.follow = 1; break;
		case 's': opt.since = optarg; break;
		case OPT_RESUME: opt.resume = optarg; break;
		case OPT_DEAD:
			if (*optarg == '\0')
				cli_usage(&cli, "--dead-letter: no file name");
			opt.dead = optarg;
			break;
		case OPT_POLL: opt.poll = optarg; break;
		case OPT_LEASE: opt.lease = optarg; break;
		case OPT_DRY_RUN: opt.dry_run = 1; break;
		case OPT_ACCOUNT_POLICY: opt.account_policy = 1; break;
		case OPT_LEASE_TIMEOUT: opt.lease_timeout = optarg; break;
		case OPT_LEASE_OWNER:
			if (*optarg == '\0')
				cli_usage(&cli, "--lease-owner: no name");
			opt.lease_owner = optarg;
			break;
		case OPT_GROUP:
			if (*optarg == '\0' || strchr(optarg, ':') != NULL)
				cli_usage(&cli, "--group '%s': not a log group "
				    "name", optarg);
			if ((v = realloc(opt.groups, (opt.ngroups + 2) *
			    sizeof(*v))) == NULL)
				log_oom();
			opt.groups = v;
			opt.groups[opt.ngroups++] = optarg;
			opt.groups[opt.ngroups] = NULL;
			break;
		case OPT_FIELDS:
			if (evline_fields_arg(&opt.fields, optarg, &e) == -1)
				cli_usage(&cli, "%s", err_msg(&e));
			break;
		case OPT_LIMIT:
			errno = 0;
			opt.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || opt.limit < 1 ||
			    opt.limit > 10000)
				cli_usage(&cli, "--limit '%s': not a number from 1 "
				    "to 10000", optarg);
			break;
		default:
			cli_usage(&cli, "unknown option");
		}
	}
	if (optind < argc && strcmp(argv[optind], "setup") == 0) {
		opt.setup = 1;
		optind++;
	} else if (opt.dry_run || opt.account_policy) {
		cli_usage(&cli, "%s is an option of setup", opt.dry_run ?
		    "--dry-run" : "--account-policy");
	}
	if (opt.dry_run && opt.account_policy)
		cli_usage(&cli, "--dry-run or --account-policy, not both");
	if (optind + 1 < argc)
		cli_usage(&cli, "one stream only: '%s' and '%s'", argv[optind],
		    argv[optind + 1]);
	if (optind < argc)
		opt.stream = argv[optind];
}

/* A stream name as Kinesis allows it: [a-zA-Z0-9_.-]{1,128}. */
static int
stream_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* The stream's name from NAME or
 * arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME; *region gets the
 * ARN's region (malloc'd) or NULL. */
static char *
stream_arg(const char *arg, const char *where, char **region)
{
	const char *p, *f[6];
	char *name;
	int i;

	*region = NULL;
	if (strncmp(arg, "arn:", 4) != 0) {
		if (!stream_name_ok(arg, strlen(arg)))
			cli_usage(&cli, "%s '%s': not a stream name or ARN "
			    "(letters, digits, '_', '.', '-'; at most 128)",
			    where, arg);
		return strdup(arg);
	}
	/* arn : partition : kinesis : region : account : stream/NAME */
	f[0] = arg;
	for (i = 1, p = arg; i < 6 && (p = strchr(p, ':')) != NULL; i++)
		f[i] = ++p;
	if (i < 6 || strncmp(f[2], "kinesis:", 8) != 0 ||
	    strncmp(f[5], "stream/", 7) != 0 ||
	    !stream_name_ok(f[5] + 7, strlen(f[5] + 7)) || f[4] - f[3] < 2)
		cli_usage(&cli, "%s '%s': not a Kinesis stream ARN "
		    "(arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)", where, arg);
	if ((name = strdup(f[5] + 7)) == NULL ||
	    (*region = strndup(f[3], (size_t)(f[4] - f[3] - 1))) == NULL)
		log_oom();
	return name;
}

static void
resume_load(const char *path)
{
	struct err e = ERR_INIT;
	struct cursor c, *v;
	char *line = NULL;
	size_t cap = 0, lineno = 0, i;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		err_set(&e, EXIT_USAGE, "--resume %s: %s", path, strerror(errno));
		cli_die(&e);
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		for (i = 0; i < (size_t)n && strchr(" \t\r\n", line[i]); i++)
			;
		if (i == (size_t)n)
			continue;
		if (cursor_parse(line, (size_t)n, &c, &e) == -1) {
			err_prefix(&e, "--resume %s:%zu", path, lineno);
			e.code = EXIT_USAGE;
			cli_die(&e);
		}
		if (strcmp(c.group, K.group) != 0) {
			cursor_clear(&c);
			continue;
		}
		for (i = 0; i < K.nresume; i++)
			if (strcmp(K.resume[i].stream, c.stream) == 0)
				break;
		if (i < K.nresume) {
			if (cursor_cmp(&c, &K.resume[i]) > 0) {
				cursor_clear(&K.resume[i]);
				K.resume[i] = c;
			} else {
				cursor_clear(&c);
			}
			continue;
		}
		if ((v = realloc(K.resume, (K.nresume + 1) * sizeof(*v))) == NULL)
			log_oom();
		K.resume = v;
		K.resume[K.nresume++] = c;
	}
	if (ferror(f)) {
		err_set(&e, EXIT_USAGE, "--resume %s: %s", path, strerror(errno));
		cli_die(&e);
	}
	free(line);
	fclose(f);
	log_debug("kinesis", "--resume %s: %zu checkpoints of %s", path,
	    K.nresume, K.stream);
}

/* The stream (the argument, else the config's) and the region: the
 * stream ARN's, else the config's. */
static void
settings_stream(struct cfg *c, struct aws_opts *ao, char **arn_region)
{
	struct err e = ERR_INIT;
	const char *s, *region;

	need(cfg_str(c, "cloudwatchlogsbeat.kinesis.stream", NULL, &s, &e), &e);
	if (opt.stream == NULL && s == NULL) {
		/* a config for polling has no stream, and a run may be given
		 * one: --check-config checks the other settings */
		if (!cli.check_config)
			cli_usage(&cli, "no stream: give STREAM_NAME_OR_ARN, or "
			    "set cloudwatchlogsbeat.kinesis.stream");
	} else {
		K.stream_given = opt.stream ? opt.stream : s;
		if (opt.stream)
			K.stream = stream_arg(opt.stream, "stream", arn_region);
		else
			K.stream = stream_arg(s, cfg_where(c,
			    "cloudwatchlogsbeat.kinesis.stream"), arn_region);
		if (K.stream == NULL)
			log_oom();
	}
	need(cfg_str(c, "cloudwatchlogsbeat.kinesis.region", NULL, &region,
	    &e), &e);
	if (*arn_region)
		ao->creds.region = *arn_region;
	else if (region)
		ao->creds.region = region;
	/* an endpoint URL in the config is CloudWatch Logs' */
	if (ao->endpoint && strstr(ao->endpoint, "://"))
		ao->endpoint = NULL;
}

/* How often shards are read and listed, and how many records a read
 * asks for. */
static void
settings_poll(struct cfg *c)
{
	struct err e = ERR_INIT;
	int64_t v;

	need(cfg_get_duration(c, "cloudwatchlogsbeat.kinesis.poll_frequency",
	    &K.poll, &e), &e);
	if (opt.poll && timex_duration(opt.poll, &K.poll, &e) == -1) {
		err_prefix(&e, "--poll");
		cli_die(&e);
	}
	if (K.poll <= 0) {
		err_set(&e, EXIT_USAGE, "%s: the poll interval must be above 0",
		    opt.poll ? "--poll" : cfg_where(c,
		    "cloudwatchlogsbeat.kinesis.poll_frequency"));
		cli_die(&e);
	}
	need(cfg_get_duration(c, "cloudwatchlogsbeat.kinesis.shard_refresh_frequency",
	    &K.refresh, &e), &e);
	need(cfg_int(c, "cloudwatchlogsbeat.kinesis.limit", 0, &v, &e), &e);
	if (v < 0 || v > 10000) {
		err_set(&e, EXIT_USAGE, "%s: cloudwatchlogsbeat.kinesis.limit: "
		    "not a number from 1 to 10000", cfg_where(c,
		    "cloudwatchlogsbeat.kinesis.limit"));
		cli_die(&e);
	}
	K.limit = opt.limit ? opt.limit : (long)v;
}

/* Which groups' events are kept, and from when. */
static void
settings_select(struct cfg *c)
{
	struct err e = ERR_INIT;

	need(cfg_strlist(c, "cloudwatchlogsbeat.kinesis.groups", &K.groups,
	    &K.ngroups, &e), &e);
	if (opt.ngroups) {
		K.groups = opt.groups;
		K.ngroups = opt.ngroups;
	}
	K.since = -1;
	if (opt.since == NULL)
		need(cfg_str(c, "cloudwatchlogsbeat.kinesis.start", NULL,
		    &opt.since, &e), &e);
	if (opt.since && timex_parse(opt.since, timex_now_ms(), &K.since,
	    &e) == -1) {
		err_prefix(&e, "--since");
		cli_die(&e);
	}
}

/* The dead-letter file, opened (but not by --check-config, which opens
 * nothing for writing). */
static void
settings_dead_letter(struct cfg *c)
{
	struct err e = ERR_INIT;

	K.dead_letter = opt.dead;
	if (K.dead_letter == NULL)
		need(cfg_str(c, "cloudwatchlogsbeat.kinesis.dead_letter", NULL,
		    &K.dead_letter, &e), &e);
	K.dl_fd = -1;
	if (K.dead_letter && !cli.check_config && (K.dl_fd = open(K.dead_letter, O_WRONLY |
	    O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		err_set(&e, EXIT_USAGE, "dead-letter file %s: %s",
		    K.dead_letter, strerror(errno));
		cli_die(&e);
	}
}

/* The leases: where, how long one lasts, and this instance's name. */
static void
settings_lease(struct cfg *c)
{
	struct err e = ERR_INIT;

	if (opt.lease == NULL)
		need(cfg_str(c, "cloudwatchlogsbeat.kinesis.lease_url", NULL,
		    &opt.lease, &e), &e);
	need(cfg_get_duration(c, "cloudwatchlogsbeat.kinesis.lease_timeout",
	    &K.lease_ms, &e), &e);
	if (opt.lease_timeout && timex_duration(opt.lease_timeout, &K.lease_ms,
	    &e) == -1) {
		err_prefix(&e, "--lease-timeout");
		cli_die(&e);
	}
	if (K.lease_ms < 300) {
		err_set(&e, EXIT_USAGE, "%s: a lease time of %lldms is too short "
		    "(300ms at least)", opt.lease_timeout ? "--lease-timeout" :
		    cfg_where(c, "cloudwatchlogsbeat.kinesis.lease_timeout"),
		    (long long)K.lease_ms);
		cli_die(&e);
	}
	K.owner = opt.lease_owner;
	if (K.owner == NULL)
		need(cfg_str(c, "cloudwatchlogsbeat.kinesis.lease_owner", NULL,
		    &K.owner, &e), &e);
}

/* The config's fields and tags, and --fields, added to every event. */
static void
settings_fields(struct cfg *c)
{
	struct err e = ERR_INIT;
	json_object *src[2];
	int fur;

	src[0] = cfg_node(c, "fields");
	src[1] = opt.fields;
	if (src[0] && !json_object_is_type(src[0], json_type_object)) {
		err_set(&e, EXIT_USAGE, "%s: fields: not a map", cfg_where(c,
		    "fields"));
		cli_die(&e);
	}
	need(cfg_bool(c, "fields_under_root", 0, &fur, &e), &e);
	if (fur && (evline_fields_check(src[0], "fields", &e) == -1 ||
	    evline_fields_check(src[1], "--fields", &e) == -1))
		cli_die(&e);
	K.lo.fields = evline_fields(src, 2);
	K.lo.fields_under_root = fur;
	need(evline_tags(c, (char **)&K.lo.tags, &e), &e);
}

/* The config's settings; flags win over them. */
static void
settings(struct aws_opts *ao, char **arn_region)
{
	struct cfg *c = cli.cfg;

	settings_stream(c, ao, arn_region);
	settings_poll(c);
	settings_select(c);
	settings_dead_letter(c);
	settings_lease(c);
	settings_fields(c);
}

static void
wait_events(int64_t timeout)
{
	if (http_multi_pending(K.multi) == 0) {
		if (timeout > 0)
			poll(NULL, 0, (int)timeout);
		return;
	}
	if (http_multi_wait(K.multi, (long)timeout, -1, NULL) == -1 &&
	    !cli_stop)
		cli_fail(&K.fail, EXIT_RUNTIME, "%s",
		    err_msg(http_multi_error(K.multi)));
}

static void
run(void)
{
	struct http_done d;
	struct err e = ERR_INIT;
	int64_t now;

	for (;;) {
		now = timex_mono_ms();
		if (cli_stop)
			K.stopping = 1;
		if (K.stopping)
			break;
		lease_round(now);
		if (K.follow && K.refresh > 0 && now >= K.next_list) {
			if (shards_list(&e) == -1) {
				/* the shards known are read on; the listing
				 * is tried again at the next refresh */
				if (e.code == EXIT_AUTH)
					cli_fail(&K.fail, e.code, "%s",
					    err_msg(&e));
				else
					log_warn("%s", err_msg(&e));
				err_clear(&e);
			}
			K.next_list = now + K.refresh;
		}
		shards_start(now);
		if (K.stopping || shards_all_done())
			break;
		wait_events(shards_wakeup(now, 500));
		while (http_multi_next(K.multi, &d)) {
			shards_done(&d);
			err_clear(&d.err);
		}
	}
}

/* How reads are retried: as the AWS settings say, with defaults for
 * what they leave at 0. */
static void
retry_settings(const struct aws_opts *ao)
{
	K.retry = ao->retry;
	K.max_attempts = ao->retry.max_attempts;
	if (K.retry.base_ms <= 0)
		K.retry.base_ms = 100;
	if (K.retry.cap_ms <= 0)
		K.retry.cap_ms = 20000;
	K.max_flight = 32;
}

/* The AWS client and the multi handle the reads go through. */
static void
open_client(struct aws_opts *ao)
{
	struct err e = ERR_INIT;

	if ((K.aws = aws_new(ao, &e)) == NULL)
		cli_die(&e);
	K.region = aws_region(K.aws);
	K.lo.region = K.region;
	if ((K.multi = http_multi_new(aws_http(K.aws), &e)) == NULL)
		cli_die(&e);
}

/* --lease: the registry of the leases, and this instance's name in
 * them (HOST:PID unless given). */
static void
lease_init(void)
{
	struct aws_opts ro;
	struct err e = ERR_INIT;
	struct buf g = BUF_INIT;
	char host[256];

	/* the registry's region and endpoint, not the stream's */
	need(cli_aws_opts(&cli, &ro, &e), &e);
	if (lease_setup(opt.lease, &ro, &e) == -1)
		cli_die(&e);
	if (K.owner == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		if (buf_printf(&g, "%s:%ld", host, (long)getpid()) == -1)
			log_oom();
		K.owner = buf_detach(&g);
	}
}

/* setup: puts the subscription filters. Returns the exit code. */
static int
run_setup(void)
{
	struct err e = ERR_INIT;
	int code = 0;

	if (setup_subscription(&cli, K.stream_given, opt.dry_run,
	    opt.account_policy, &e) == -1) {
		log_error("%s", err_msg(&e));
		code = e.code ? e.code : EXIT_RUNTIME;
		err_clear(&e);
	}
	http_multi_free(K.multi);
	aws_free(K.aws);
	cli_free(&cli);
	return code;
}

/* After the reads: writes what is left, gives the leases back, and says
 * how it went (the counters with -v). Returns the exit code. */
static int
finish(void)
{
	int code;

	out_flush();
	lease_release_all();
	if (K.fail.code) {
		log_error("%s", err_msg(&K.fail.err));
		code = K.fail.code;
	} else {
		code = K.rejected ? EXIT_REJECTED : 0;
	}
	if (cli.verbose)
		log_info("%s: %llu events from %llu records, %llu set aside; %llu "
		    "requests, %llu throttled, %llu iterators renewed", K.stream,
		    (unsigned long long)K.events, (unsigned long long)K.records,
		    (unsigned long long)K.rejected,
		    (unsigned long long)K.requests,
		    (unsigned long long)K.throttles,
		    (unsigned long long)K.expired);
	return code;
}

static void
kinesis_free(void)
{
	if (K.dl_fd >= 0)
		close(K.dl_fd);
	http_multi_free(K.multi);
	aws_free(K.aws);
	lease_close(K.leases);
	ckpt_close(K.reg);
}

int
main(int argc, char **argv)
{
	struct aws_opts ao;
	struct err e = ERR_INIT;
	struct buf g = BUF_INIT;
	char *arn_region = NULL;
	int code;

	cli_init(&cli, "cwl-kinesis", synopsis, help);
	parse_args(argc, argv);
	need(cli_load(&cli, &e), &e);
	need(cli_aws_opts(&cli, &ao, &e), &e);
	settings(&ao, &arn_region);
	retry_settings(&ao);
	if (K.stream == NULL)
		cli_checked(&cli);	/* --check-config, no stream */
	/* the cursors' group: no log group is named so ('@') */
	if (buf_printf(&g, "@kinesis/%s", K.stream) == -1)
		log_oom();
	K.group = buf_detach(&g);
	if (opt.resume)
		resume_load(opt.resume);
	open_client(&ao);
	if (opt.lease)
		lease_init();
	cli_checked(&cli);
	cli_signals();
	if (opt.setup)
		return run_setup();
	if (shards_list(&e) == -1) {
		if (!cli_stop)
			cli_die(&e);
	} else {
		K.next_list = timex_mono_ms() + K.refresh;
		run();
	}
	code = finish();
	kinesis_free();
	free(arn_region);
	cli_free(&cli);
	return code;
}
