/*
 * stats.c: the --stats file, read by cloudwatchlogsbeat for its report
 * line and its metrics. Tab-separated, replaced whole at every report:
 *
 *	cwl-tail	WALL_MS	region=REGION
 *		read=N	requests=N	throttles=N	retries=N	streams=N	active=N	idle=N	received=N	met=N	beyond_delay=N	requests.API=N	throttles.API=N	retries.API=N ...
 *	GROUP	read=N	newest_ms=N	swept_ms=N
 *
 * The second line, the totals, has an empty first field (no log group
 * is named so); then a line per group. streams: the sources (streams
 * read one by one, groups read as a whole); read: events written;
 * received: events in the API's answers; met: those of them written
 * already (a sweep meets what fresh passes wrote); beyond_delay: streams
 * found with events ingested later than --max-delay after their
 * timestamps; requests, throttles and retries are also given per API
 * (GetLogEvents, FilterLogEvents, DescribeLogStreams), each API always;
 * swept_ms: a followed group's events stamped before it are all written
 * (group.c), -1 for a group read stream by stream.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "tail.h"
#include "timex.h"

int
stats_write(struct err *e)
{
	struct buf b = BUF_INIT;
	struct group *g;
	int bad = 0, api;

	bad |= buf_printf(&b, "cwl-tail\t%" PRId64 "\tregion=",
	    timex_now_ms());
	if (T.region)
		bad |= cli_stats_name(&b, T.region, strlen(T.region));
	bad |= buf_addc(&b, '\n');
	bad |= buf_printf(&b, "\tread=%" PRIu64 "\trequests=%" PRIu64
	    "\tthrottles=%" PRIu64 "\tretries=%" PRIu64 "\tstreams=%zu"
	    "\tactive=%zu\tidle=%zu\treceived=%" PRIu64 "\tmet=%" PRIu64
	    "\tbeyond_delay=%" PRIu64, T.c.events, T.c.requests,
	    T.c.throttles, T.c.retries, T.nsrc, T.nsrc - T.nidle - T.ndone,
	    T.nidle, T.c.received, T.c.met, T.c.beyond);
	for (api = 0; api < API_N; api++)
		bad |= cli_stats_api(&b, api_name[api], T.c.api[api].requests,
		    T.c.api[api].throttles, T.c.api[api].retries);
	bad |= buf_addc(&b, '\n');
	for (g = T.groups; g; g = g->next) {
		bad |= cli_stats_name(&b, g->name, strlen(g->name));
		bad |= buf_printf(&b, "\tread=%" PRIu64 "\tnewest_ms=%" PRId64
		    "\tswept_ms=%" PRId64 "\n", g->events, g->newest,
		    group_swept(g));
	}
	return cli_stats_write(T.stats, &b, bad, e);
}
