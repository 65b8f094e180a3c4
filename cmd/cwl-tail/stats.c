/*
 * stats.c: the --stats file, read by cloudwatchlogsbeat for its report
 * line. Tab-separated, replaced whole at every report:
 *
 *	cwl-tail	WALL_MS	region=REGION
 *		read=N	requests=N	throttles=N	retries=N	streams=N	active=N	idle=N	group_poll=N	group_poll_met=N	requests.API=N	throttles.API=N	retries.API=N ...
 *	GROUP	read=N	newest_ms=N
 *
 * The second line, the totals, has an empty first field (no log group
 * is named so); then a line per group. group_poll: events the group
 * polls wrote; group_poll_met: those GetLogEvents met after them.
 * requests, throttles and retries are also given per API (GetLogEvents,
 * FilterLogEvents, DescribeLogStreams), each API always.
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
	    "\tactive=%zu\tidle=%zu\tgroup_poll=%" PRIu64 "\tgroup_poll_met=%"
	    PRIu64, T.c.events, T.c.requests, T.c.throttles, T.c.retries,
	    T.nsrc, T.nsrc - T.nidle - T.ndone, T.nidle, T.c.gp_events,
	    T.c.gp_met);
	for (api = 0; api < API_N; api++)
		bad |= cli_stats_api(&b, api_name[api], T.c.api[api].requests,
		    T.c.api[api].throttles, T.c.api[api].retries);
	bad |= buf_addc(&b, '\n');
	for (g = T.groups; g; g = g->next) {
		bad |= cli_stats_name(&b, g->name, strlen(g->name));
		bad |= buf_printf(&b, "\tread=%" PRIu64 "\tnewest_ms=%" PRId64
		    "\n", g->events, g->newest);
	}
	return cli_stats_write(T.stats, &b, bad, e);
}
