/*
 * cwl-tail: reads the events of CloudWatch Logs streams and writes them
 * as event lines (DESIGN.md), NDJSON flushed after every page.
 *
 * Reads: GROUP[:STREAM] arguments, or stream and group lines of cwl-list
 * on stdin; --resume FILE, checkpoint lines whose cursors say where each
 * source starts.
 * Writes: one event line per event, with @metadata._id (CloudWatch's
 * eventId, or a stable hash) and @metadata.cursor (where to resume after
 * it).
 * Guarantees: every event of a source is written once, in the order the
 * API gives; a restart from any written cursor continues right after it;
 * throttling slows it down and never loses a page; SIGTERM finishes the
 * page in hand and exits 0; a closed stdout exits 0 quietly.
 *
 * One thread drives every request with curl's multi interface. Streams
 * are read with GetLogEvents and forward tokens (the end of a stream is
 * the token coming back unchanged); group-wide reads (a filter pattern,
 * or --mode filter) use FilterLogEvents over time windows that stay
 * --latency behind now.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "tail.h"
#include "timex.h"

struct cli cli;

static const char synopsis[] =
    "cwl-tail [-f] [--since TIME] [--end TIME] [--resume FILE]\n"
    "                [--mode stream|filter] [--filter PATTERN] [--stream-prefix PREFIX]\n"
    "                [-o json|text] [options] [GROUP[:STREAM]...]";

static const char help[] =
    "Reads the events of CloudWatch Logs streams and writes them as NDJSON\n"
    "event lines, flushed after every page. Sources: GROUP (all its streams),\n"
    "GROUP:STREAM, or without arguments the stream and group lines of cwl-list\n"
    "on stdin.\n"
    "\n"
    "  -f, --follow             keep polling for new events and new streams\n"
    "  -s, --since, --start TIME  read events from TIME: now, 10m, 2h ago,\n"
    "                           2026-11-23T10:00:00Z, epoch s or ms\n"
    "      --end TIME           read events before TIME\n"
    "      --resume FILE        start each source after its cursor in FILE\n"
    "      --mode stream|filter GetLogEvents per stream (default), or\n"
    "                           FilterLogEvents per group\n"
    "      --filter PATTERN     CloudWatch filter pattern (implies --mode filter)\n"
    "      --stream-prefix P    only the streams whose name starts with P\n"
    "      --max-delay DUR      following, every event ingested up to DUR after\n"
    "                           its timestamp is written once (default 2m; 0:\n"
    "                           each window read once, --latency behind now)\n"
    "      --latency DUR        group-wide reads stay DUR behind now (default 0);\n"
    "                           following, at most DUR (default 10s)\n"
    "  -o, --output json|text   event lines (default), or lines for people\n"
    "      --color auto|always|never  colours in text output (default auto)\n"
    "      --local              text times in the local zone (default UTC)\n"
    "      --fields K=V[,K=V]   add fields to every event\n"
    "      --multiline RE       join lines into events: RE marks the lines that\n"
    "                           continue one (see --multiline-match)\n"
    "      --multiline-negate   RE marks the lines that do not continue one\n"
    "      --multiline-match after|before  continuation lines join the line\n"
    "                           before them (default) or after them\n"
    "      --progress           a progress line on stderr (default: on a\n"
    "                           terminal with --end)\n"
    "      --no-progress\n"
    "      --budget-get N       GetLogEvents requests per second (default 10,\n"
    "                           0: no limit)\n"
    "      --budget-filter N    FilterLogEvents requests per second (default 2)\n"
    "      --limit N            events per request (default: the API's)\n"
    "      --shard I/N          only the streams of shard I of N, as cwl-list's\n"
    "      --stats FILE         on SIGUSR1 and at exit, write the counters to\n"
    "                           FILE (per log group) instead of stderr\n"
    "  -c, --config FILE        configuration file\n"
    "  -E, --define KEY=VALUE   override a configuration setting\n"
    "  -d, --debug SELECTORS    debug output (tail, aws, http, ... or *)\n"
    "  -v, --verbose            info lines as well: what is being done\n"
    "  -q, --quiet              errors only (default: warnings and errors)\n"
    "      --check-config       check the configuration as a run would, and exit\n"
    "      --config-value KEY   print a configuration value and exit (secrets\n"
    "                           as [REDACTED] unless --show-secrets)\n"
    "      --config-ms KEY      print a duration of the configuration in ms\n"
    "  -h, --help               this help\n"
    "  -V, --version            the version\n"
    "\n"
    "Exit: 0 done (also on SIGTERM and a closed stdout), 1 runtime failure,\n"
    "2 usage or configuration error, 3 some stdin lines were rejected,\n"
    "4 authentication or permission refused. SIGUSR1 prints counters.\n";

enum {
	OPT_END = 0x2000, OPT_RESUME, OPT_MODE, OPT_FILTER, OPT_PREFIX,
	OPT_LATENCY, OPT_COLOR, OPT_LOCAL, OPT_FIELDS, OPT_ML, OPT_ML_NEGATE,
	OPT_ML_MATCH, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_BUDGET_GET,
	OPT_BUDGET_FILTER, OPT_LIMIT, OPT_STATS, OPT_MAX_DELAY, OPT_SHARD
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "follow", no_argument, NULL, 'f' },
	{ "since", required_argument, NULL, 's' },
	{ "start", required_argument, NULL, 's' },
	{ "end", required_argument, NULL, OPT_END },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "filter-pattern", required_argument, NULL, OPT_FILTER },
	{ "stream-prefix", required_argument, NULL, OPT_PREFIX },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "output", required_argument, NULL, 'o' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "local", no_argument, NULL, OPT_LOCAL },
	{ "fields", required_argument, NULL, OPT_FIELDS },
	{ "multiline", required_argument, NULL, OPT_ML },
	{ "multiline-negate", no_argument, NULL, OPT_ML_NEGATE },
	{ "multiline-match", required_argument, NULL, OPT_ML_MATCH },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "budget-get", required_argument, NULL, OPT_BUDGET_GET },
	{ "budget-filter", required_argument, NULL, OPT_BUDGET_FILTER },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ NULL, 0, NULL, 0 }
};

/* What the command line said, before the config is read. */
static struct {
	const char *start, *end, *resume, *mode, *filter, *prefix, *latency;
	const char *output, *color, *ml, *ml_match, *max_delay, *shard;
	int ml_negate, progress;
	double budget_get, budget_filter;
	long limit;
} opt = { .progress = -1, .budget_get = -1, .budget_filter = -1 };

/* A whole number from lo to hi, or a usage error: "NAME 'S': not a
 * number WHAT". */
static long
long_arg(const char *name, const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		cli_usage(&cli, "%s '%s': not a number %s", name, s, what);
	return v;
}

static double
rate_arg(const char *name, const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno || !(d >= 0) || d > 100000)
		cli_usage(&cli, "%s '%s': not a number of requests per second "
		    "(0: no limit)", name, s);
	return d;
}

static void
die(struct err *e)
{
	cli_die(e);
}

static void
need(int rc, struct err *e)
{
	if (rc == -1)
		die(e);
}

/* A start in the future reads nothing, or nothing yet: say so rather
 * than be silent (--since 2099-01-01, or a typo in the year). */
static void
warn_future(const char *what, const char *text, int64_t start)
{
	char iso[25];

	log_warn("%s '%s': %s is in the future: no event is read before then%s",
	    what, text, timex_iso(start, iso),
	    T.follow ? "" : ", and without --follow none at all");
}

/* How often streams are read and listed, and the horizons of hot and
 * cold streams. */
static void
settings_refresh(struct cfg *c)
{
	struct err e = ERR_INIT;

	need(cfg_get_duration(c, "cloudwatchlogsbeat.stream_event_refresh_frequency",
	    &T.refresh, &e), &e);
	need(cfg_get_duration(c, "cloudwatchlogsbeat.hot_stream_event_refresh_frequency",
	    &T.hot_refresh, &e), &e);
	need(cfg_get_duration(c, "cloudwatchlogsbeat.hot_stream_event_horizon",
	    &T.hot_horizon, &e), &e);
	need(cfg_get_duration(c, "cloudwatchlogsbeat.stream_event_horizon",
	    &T.horizon, &e), &e);
	need(cfg_get_duration(c, "cloudwatchlogsbeat.stream_refresh_frequency",
	    &T.list_refresh, &e), &e);
	if (T.refresh <= 0) {
		err_set(&e, EXIT_USAGE, "%s: cloudwatchlogsbeat.stream_event_refresh_"
		    "frequency must be above 0", cfg_where(c,
		    "cloudwatchlogsbeat.stream_event_refresh_frequency"));
		die(&e);
	}
	/* the original's rule */
	if (T.hot_horizon > 0 && T.hot_refresh <= 0) {
		err_set(&e, EXIT_USAGE, "%s: cloudwatchlogsbeat.hot_stream_event_"
		    "refresh_frequency cannot be zero while hot_stream_event_"
		    "horizon is %llds", cfg_where(c,
		    "cloudwatchlogsbeat.hot_stream_event_refresh_frequency"),
		    (long long)T.hot_horizon / 1000);
		die(&e);
	}
	/* 0: the default, as the original took it */
	if (T.list_refresh <= 0 && timex_duration(cfg_default(
	    "cloudwatchlogsbeat.stream_refresh_frequency"), &T.list_refresh,
	    &e) == -1)
		die(&e);
}

/* The shard of the streams this instance reads, the request budgets
 * (shared out among the shards; the flags win) and the longest delay an
 * event may wait. */
static void
settings_budget(struct cfg *c)
{
	struct err e = ERR_INIT;
	double rate[API_N];
	int v;

	cli_shard(&cli, opt.shard, &T.shard_i, &T.shard_n);
	rate[API_GET] = cli_budget(&cli,
	    "cloudwatchlogsbeat.request_budget.get_log_events", T.shard_n);
	rate[API_FILTER] = cli_budget(&cli,
	    "cloudwatchlogsbeat.request_budget.filter_log_events", T.shard_n);
	rate[API_LIST] = cli_budget(&cli,
	    "cloudwatchlogsbeat.request_budget.describe", T.shard_n);
	if (opt.max_delay) {
		if (timex_duration(opt.max_delay, &T.max_delay, &e) == -1) {
			err_prefix(&e, "--max-delay");
			e.code = EXIT_USAGE;
			die(&e);
		}
	} else {
		need(cfg_get_duration(c, "cloudwatchlogsbeat.max_event_delay",
		    &T.max_delay, &e), &e);
	}
	if (opt.budget_get >= 0)
		rate[API_GET] = opt.budget_get;
	if (opt.budget_filter >= 0)
		rate[API_FILTER] = opt.budget_filter;
	for (v = 0; v < API_N; v++)
		bucket_init(&T.budget[v], rate[v], timex_mono_ms());
}

/* How far behind the newest events reads stay (--latency, else the
 * config's, else 10s when following and 0 otherwise). */
static void
settings_latency(struct cfg *c)
{
	struct err e = ERR_INIT;

	if (opt.latency) {
		if (timex_duration(opt.latency, &T.latency, &e) == -1)
			cli_usage(&cli, "--latency: %s", err_msg(&e));
	} else if (cfg_duration(c, "cloudwatchlogsbeat.latency", -1, &T.latency,
	    &e) == -1) {
		die(&e);
	} else if (T.latency < 0) {
		/* following, the lag of fresh reads is picked below this */
		T.latency = T.follow ? 10000 : 0;
	}
}

/* The time window read: --since (else the config's start, else the
 * horizon when following) to --end. */
static void
settings_window(struct cfg *c, int64_t now)
{
	struct err e = ERR_INIT;
	const char *s;

	T.start = T.end = -1;
	if (opt.start) {
		if (timex_parse(opt.start, now, &T.start, &e) == -1) {
			err_prefix(&e, "--since");
			die(&e);
		}
	} else {
		need(cfg_str(c, "cloudwatchlogsbeat.start", NULL, &s, &e), &e);
		if (s && timex_parse(s, now, &T.start, &e) == -1) {
			err_prefix(&e, "%s: cloudwatchlogsbeat.start",
			    cfg_where(c, "cloudwatchlogsbeat.start"));
			die(&e);
		}
		/* like the original: streams are read from the horizon on */
		if (s == NULL && T.follow)
			T.start = now - T.horizon;
	}
	if (opt.end && timex_parse(opt.end, now, &T.end, &e) == -1) {
		err_prefix(&e, "--end");
		die(&e);
	}
	if (T.start >= 0 && T.end >= 0 && T.end < T.start)
		cli_usage(&cli, "--end is before --since");
	if (T.start > now)
		warn_future(opt.start ? "--since" : "cloudwatchlogsbeat.start",
		    opt.start ? opt.start : s, T.start);
}

/* Reads the config's settings; flags win over them. */
static void
settings(void)
{
	struct cfg *c = cli.cfg;
	int64_t now = timex_now_ms();

	settings_refresh(c);
	settings_budget(c);
	settings_latency(c);
	settings_window(c, now);
}

/* --output and --color: JSON lines by default; colour only in text, and
 * with auto only on a terminal that is not dumb, unless NO_COLOR. */
static void
output_format(void)
{
	if (opt.output == NULL || strcmp(opt.output, "json") == 0)
		T.out_fmt = OUT_JSON;
	else if (strcmp(opt.output, "text") == 0)
		T.out_fmt = OUT_TEXT;
	else
		cli_usage(&cli, "--output '%s': not json or text", opt.output);
	if (opt.color == NULL || strcmp(opt.color, "auto") == 0) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

		T.color = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
		    (term == NULL || strcmp(term, "dumb") != 0);
	} else if (strcmp(opt.color, "always") == 0) {
		T.color = 1;
	} else if (strcmp(opt.color, "never") == 0) {
		T.color = 0;
	} else {
		cli_usage(&cli, "--color '%s': not auto, always or never", opt.color);
	}
	if (T.out_fmt != OUT_TEXT)
		T.color = 0;
}

static void
parse_args(int argc, char **argv)
{
	int c;

	while ((c = cli_getopt(&cli, argc, argv, CLI_SHORTOPTS "fs:o:",
	    longopts)) != -1) {
		if (cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'f': T.follow = 1; break;
		case 's': opt.start = optarg; break;
		case OPT_END: opt.end = optarg; break;
		case OPT_RESUME: opt.resume = optarg; break;
		case OPT_MODE: opt.mode = optarg; break;
		case OPT_FILTER: opt.filter = optarg; break;
		case OPT_PREFIX: opt.prefix = optarg; break;
		case OPT_LATENCY: opt.latency = optarg; break;
		case 'o': opt.output = optarg; break;
		case OPT_COLOR: opt.color = optarg; break;
		case OPT_LOCAL: T.local = 1; break;
		case OPT_FIELDS: {
			struct err e = ERR_INIT;

			if (fields_option(optarg, &e) == -1)
				cli_usage(&cli, "%s", err_msg(&e));
			break;
		}
		case OPT_ML: opt.ml = optarg; break;
		case OPT_ML_NEGATE: opt.ml_negate = 1; break;
		case OPT_ML_MATCH: opt.ml_match = optarg; break;
		case OPT_PROGRESS: opt.progress = 1; break;
		case OPT_NO_PROGRESS: opt.progress = 0; break;
		case OPT_BUDGET_GET:
			opt.budget_get = rate_arg("--budget-get", optarg);
			break;
		case OPT_BUDGET_FILTER:
			opt.budget_filter = rate_arg("--budget-filter", optarg);
			break;
		case OPT_LIMIT:
			opt.limit = long_arg("--limit", optarg, 1, 10000,
			    "from 1 to 10000");
			break;
		case OPT_MAX_DELAY:
			opt.max_delay = optarg;
			break;
		case OPT_SHARD:
			opt.shard = optarg;
			break;
		case OPT_STATS:
			if (*optarg == '\0')
				cli_usage(&cli, "--stats: no file name");
			T.stats = optarg;
			break;
		default:
			cli_usage(&cli, "unknown option");
		}
	}
	if (opt.mode == NULL)
		T.mode = MODE_AUTO;
	else if (strcmp(opt.mode, "stream") == 0 || strcmp(opt.mode, "streams") == 0 ||
	    strcmp(opt.mode, "get") == 0)
		T.mode = MODE_STREAM;
	else if (strcmp(opt.mode, "filter") == 0 || strcmp(opt.mode, "group") == 0)
		T.mode = MODE_FILTER;
	else
		cli_usage(&cli, "--mode '%s': not stream or filter", opt.mode);
	if (opt.filter && T.mode == MODE_STREAM)
		cli_usage(&cli, "--filter reads with FilterLogEvents: not with "
		    "--mode stream");
	if (opt.ml && (opt.filter || T.mode == MODE_FILTER))
		cli_usage(&cli, "--multiline needs --mode stream: lines of "
		    "streams read group-wide are interleaved");
	if ((opt.ml_negate || opt.ml_match) && opt.ml == NULL)
		cli_usage(&cli, "--multiline-negate and --multiline-match need "
		    "--multiline");
	output_format();
	T.limit = opt.limit;
}

static void
cli_prospector(void)
{
	struct err e = ERR_INIT;

	memset(&T.cli_p, 0, sizeof(T.cli_p));
	if (opt.ml) {
		if (multiline_init(&T.cli_p.ml, opt.ml, opt.ml_negate,
		    opt.ml_match, &e) == -1)
			cli_usage(&cli, "--multiline: %s", err_msg(&e));
		T.cli_p.ml_timeout = T.ml_timeout;
	}
	T.cli_p.filter_pattern = opt.filter;
	T.cli_p.stream_prefix = opt.prefix;
}

/* Waits for a transfer, stdin or a timer; at most timeout ms. */
static void
wait_events(int64_t timeout)
{
	int ready = 0;

	if (http_multi_pending(T.multi) == 0 && T.in_fd < 0) {
		if (timeout > 0)
			poll(NULL, 0, (int)timeout);
		return;
	}
	if (http_multi_wait(T.multi, (long)timeout, T.in_fd, &ready) == -1 &&
	    !cli_stop && !cli_report) {
		cli_fail(&T.fail, EXIT_RUNTIME, "%s",
		    err_msg(http_multi_error(T.multi)));
		return;
	}
	if (ready)
		stdin_read();
}

static void
run(void)
{
	struct http_done d;
	struct err e = ERR_INIT;
	int64_t now, timeout;

	for (;;) {
		now = timex_mono_ms();
		if (cli_report) {
			cli_report = 0;
			if (T.stats == NULL) {
				report_counters();
			} else if (stats_write(&e) == -1) {
				log_warn("%s", err_msg(&e));
				err_clear(&e);
			}
		}
		if (cli_stop)
			T.stopping = 1;
		if (T.stopping)
			break;
		start_requests(now);
		if (T.stopping || all_done())
			break;
		/* wake up at least twice a second for the signal flags */
		timeout = next_wakeup(now, 500);
		if (T.progress && T.progress_next - now < timeout)
			timeout = T.progress_next > now ? T.progress_next - now : 0;
		wait_events(timeout);
		while (http_multi_next(T.multi, &d)) {
			handle_done(&d);
			err_clear(&d.err);
		}
		progress_update(timex_mono_ms(), 0);
	}
}

/* How requests are retried (as the AWS settings say, with defaults for
 * what they leave at 0) and how many of each API may be in flight. */
static void
retry_settings(const struct aws_opts *ao)
{
	T.retry = ao->retry;
	T.max_attempts = ao->retry.max_attempts;
	if (T.retry.base_ms <= 0)
		T.retry.base_ms = 100;
	if (T.retry.cap_ms <= 0)
		T.retry.cap_ms = 20000;
	T.max_flight[API_GET] = 8;
	T.max_flight[API_FILTER] = 4;
	T.max_flight[API_LIST] = 2;
}

/* The AWS client and the multi handle the reads go through. */
static void
open_client(struct aws_opts *ao)
{
	struct err e = ERR_INIT;

	if ((T.aws = aws_new(ao, &e)) == NULL)
		die(&e);
	T.region = aws_region(T.aws);
	if ((T.multi = http_multi_new(aws_http(T.aws), &e)) == NULL)
		die(&e);
}

/* The GROUP[:STREAM] arguments; "-", or no argument at all, reads
 * cwl-list lines on stdin. */
static void
arg_sources(int argc, char **argv)
{
	struct err e = ERR_INIT;
	int i;

	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			T.in_fd = STDIN_FILENO;
			continue;
		}
		if (arg_source(argv[i], &e) == -1)
			cli_usage(&cli, "%s", err_msg(&e));
	}
	if (optind == argc) {
		if (isatty(STDIN_FILENO))
			cli_usage(&cli, "no log group: give GROUP[:STREAM] "
			    "arguments, or cwl-list lines on stdin");
		T.in_fd = STDIN_FILENO;
	}
}

/* Whether and how often progress is shown: by default on a terminal,
 * and only with an --end. */
static void
progress_setup(void)
{
	T.progress = opt.progress >= 0 ? opt.progress :
	    isatty(STDERR_FILENO) && T.end >= 0;
	T.progress_tty = isatty(STDERR_FILENO);
	T.t0 = timex_mono_ms();
	T.progress_next = T.t0 + (T.progress_tty ? 500 : 5000);
}

/* After the reads: writes what is left and the last counters, and says
 * how it went. Returns the exit code. */
static int
finish(void)
{
	struct err e = ERR_INIT;
	int code;

	out_flush();
	if (T.stats && stats_write(&e) == -1) {
		log_warn("%s", err_msg(&e));
		err_clear(&e);
	}
	if (T.fail.code) {
		progress_update(timex_mono_ms(), 1);
		log_error("%s", err_msg(&T.fail.err));
		code = T.fail.code;
	} else {
		if (!cli_stop)
			flush_all_pending();
		progress_update(timex_mono_ms(), 1);
		code = T.rejected ? EXIT_REJECTED : 0;
	}
	return code;
}

int
main(int argc, char **argv)
{
	struct aws_opts ao;
	struct err e = ERR_INIT;
	int code;

	/* Pages of 1 MB come and go all the time: their memory stays with
	 * the process instead of going back to the kernel and faulting in
	 * again for the next page. */
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	cli_init(&cli, "cwl-tail", synopsis, help);
	need(timex_duration(cfg_default("cloudwatchlogsbeat.prospectors[]."
	    "multiline.timeout"), &T.ml_timeout, &e), &e);
	parse_args(argc, argv);
	need(cli_load(&cli, &e), &e);
	settings();
	need(cli_aws_opts(&cli, &ao, &e), &e);
	retry_settings(&ao);
	cli_prospector();
	need(prosp_load(&e), &e);
	if (opt.resume) {
		need(resume_load(opt.resume, &e), &e);
		T.marks = T.out_fmt == OUT_JSON;
	}
	T.in_fd = -1;
	open_client(&ao);
	cli_checked(&cli);
	arg_sources(argc, argv);
	progress_setup();
	/* a file that cannot be written is said at once, not at the
	 * first report; once it is there, SIGUSR1 is handled */
	cli_signals();
	if (T.stats && stats_write(&e) == -1) {
		e.code = EXIT_USAGE;
		die(&e);
	}
	run();
	code = finish();
	http_multi_free(T.multi);
	aws_free(T.aws);
	cli_free(&cli);
	return code;
}
