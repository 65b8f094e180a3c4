/*
 * stats.c: the --stats file, read by cloudwatchlogsbeat for its report
 * line. Tab-separated, replaced whole at every report:
 *
 *	cwl-tail	WALL_MS
 *		read=N	requests=N	throttles=N	retries=N	streams=N	active=N	idle=N	received=N	met=N	beyond_delay=N
 *	GROUP	read=N	newest_ms=N	swept_ms=N
 *
 * The second line, the totals, has an empty first field (no log group
 * is named so); then a line per group. streams: the sources (streams
 * read one by one, groups read as a whole); read: events written; received:
 * events in the API's answers; met: those of them written already (a
 * sweep meets what fresh passes wrote); beyond_delay: streams found with
 * events ingested later than --max-delay after their timestamps;
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
	int bad = 0, r = 0;

	bad |= buf_printf(&b, "cwl-tail\t%" PRId64 "\n", timex_now_ms());
	bad |= buf_printf(&b, "\tread=%" PRIu64 "\trequests=%" PRIu64
	    "\tthrottles=%" PRIu64 "\tretries=%" PRIu64 "\tstreams=%zu"
	    "\tactive=%zu\tidle=%zu\treceived=%" PRIu64 "\tmet=%" PRIu64
	    "\tbeyond_delay=%" PRIu64 "\n", T.c.events, T.c.requests,
	    T.c.throttles, T.c.retries, T.nsrc, T.nsrc - T.nidle - T.ndone,
	    T.nidle, T.c.received, T.c.met, T.c.beyond);
	for (g = T.groups; g; g = g->next) {
		bad |= cli_stats_name(&b, g->name, strlen(g->name));
		bad |= buf_printf(&b, "\tread=%" PRIu64 "\tnewest_ms=%" PRId64
		    "\tswept_ms=%" PRId64 "\n", g->events, g->newest,
		    group_swept(g));
	}
	if (bad) {
		err_set(e, EXIT_RUNTIME, "--stats %s: out of memory", T.stats);
		r = -1;
	} else if (cli_replace_file(T.stats, b.p, b.len, e) == -1) {
		err_prefix(e, "--stats");
		r = -1;
	}
	buf_free(&b);
	return r;
}
