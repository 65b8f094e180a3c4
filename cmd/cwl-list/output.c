/*
 * What cwl-list writes: NDJSON (the API's objects, a stream's with
 * "logGroupName" first), plain names (GROUP, or GROUP:STREAM as cwl-tail
 * takes them; a linked account's group by its ARN), or an aligned table
 * for people.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jsonx.h"
#include "list.h"
#include "log.h"
#include "timex.h"

#define NCOLS 5

/* The rows of a table, printed when a round of listing ends. */
static char **cells;
static size_t ncells, capcells;

/* A cell of the table, cleaned for the terminal. */
static void
cell(const char *s)
{
	struct buf b = BUF_INIT;
	char **p;

	if (ncells == capcells) {
		capcells = capcells ? capcells * 2 : 64;
		if ((p = realloc(cells, capcells * sizeof(*p))) == NULL)
			log_oom();
		cells = p;
	}
	if (s == NULL)
		s = "-";
	if (log_printable(&b, s, strlen(s), 0) == -1 ||
	    (cells[ncells] = buf_detach(&b)) == NULL)
		log_oom();
	ncells++;
}

/* A name of the plain listing: cleaned when it goes to a terminal, as
 * it is for a pipe (where cwl-tail takes it). */
static void
plain_name(const char *s)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDOUT_FILENO);
	if ((tty ? log_printable(&L.out, s, strlen(s), 0) :
	    buf_adds(&L.out, s)) == -1)
		log_oom();
}

/* A time in ms as "2026-11-23 10:00:00" (UTC), or "-". */
static void
cell_time(json_object *o, const char *key)
{
	char iso[25];
	int64_t ms = jsonx_get_int(o, key, -1);

	if (ms < 0) {
		cell("-");
		return;
	}
	timex_iso(ms, iso);
	iso[10] = ' ';
	iso[19] = '\0';
	cell(iso);
}

/* A size in bytes as "0", "512 B", "1.2 KB", "3.4 MB", ... */
static void
cell_bytes(json_object *o, const char *key)
{
	static const char *const unit[] = { "KB", "MB", "GB", "TB", "PB" };
	char s[32];
	double v = (double)jsonx_get_int(o, key, 0);
	int u = -1;

	if (v < 1000) {
		snprintf(s, sizeof(s), "%.0f B", v);
	} else {
		while (v >= 1000 && u < 4) {
			v /= 1000;
			u++;
		}
		snprintf(s, sizeof(s), "%.1f %s", v, unit[u]);
	}
	cell(s);
}

static void
table_header(void)
{
	if (ncells > 0)
		return;
	if (L.mode == MODE_GROUPS) {
		cell("NAME");
		cell("CREATED");
		cell("RETENTION");
		cell("STORED");
		cell("CLASS");
	} else {
		cell("GROUP");
		cell("STREAM");
		cell("CREATED");
		cell("LAST EVENT");
		cell("LAST INGESTION");
	}
}

void
out_group(json_object *g, const struct grp *gr)
{
	const char *name = gr->key;
	char days[32];
	int64_t r;

	switch (L.fmt) {
	case FMT_JSON:
		buf_adds(&L.out, json_object_to_json_string_ext(g,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		buf_addc(&L.out, '\n');
		break;
	case FMT_PLAIN:
		plain_name(gr->ident ? gr->ident : name);
		buf_addc(&L.out, '\n');
		break;
	case FMT_TABLE:
		table_header();
		cell(name);
		cell_time(g, "creationTime");
		if ((r = jsonx_get_int(g, "retentionInDays", -1)) > 0) {
			snprintf(days, sizeof(days), "%lld days", (long long)r);
			cell(days);
		} else {
			cell("never expire");
		}
		cell_bytes(g, "storedBytes");
		cell(jsonx_get_str(g, "logGroupClass", "-"));
		break;
	}
}

void
out_stream(const struct grp *g, json_object *s)
{
	const char *js, *name = jsonx_get_str(s, "logStreamName", "");

	switch (L.fmt) {
	case FMT_JSON:
		/* the stream's own logGroupName, were an answer to hold one,
		 * would come after the group's and stand for it with a
		 * reader that keeps the last (cwl-tail, json-c) */
		json_object_object_del(s, "logGroupName");
		json_object_object_del(s, "logGroupIdentifier");
		json_object_object_del(s, "accountId");
		js = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		buf_adds(&L.out, "{\"logGroupName\":");
		jsonx_strz(&L.out, g->name);
		if (g->ident) {
			buf_adds(&L.out, ",\"logGroupIdentifier\":");
			jsonx_strz(&L.out, g->ident);
		}
		if (g->account) {
			buf_adds(&L.out, ",\"accountId\":");
			jsonx_strz(&L.out, g->account);
		}
		if (js[0] == '{' && js[1] != '}')
			buf_addc(&L.out, ',');
		buf_adds(&L.out, js + 1);
		buf_addc(&L.out, '\n');
		break;
	case FMT_PLAIN:
		plain_name(g->ident ? g->ident : g->name);
		buf_adds(&L.out, g->ident ? ":log-stream:" : ":");
		plain_name(name);
		buf_addc(&L.out, '\n');
		break;
	case FMT_TABLE:
		table_header();
		cell(g->key);
		cell(name);
		cell_time(s, "creationTime");
		cell_time(s, "lastEventTimestamp");
		cell_time(s, "lastIngestionTime");
		break;
	}
}

/* Prints the table with each column as wide as its widest cell. */
static void
table_print(void)
{
	size_t w[NCOLS] = { 0 }, i, n;

	for (i = 0; i < ncells; i++)
		if ((n = strlen(cells[i])) > w[i % NCOLS])
			w[i % NCOLS] = n;
	for (i = 0; i < ncells; i++) {
		if (i % NCOLS == NCOLS - 1)
			buf_printf(&L.out, "%s\n", cells[i]);
		else
			buf_printf(&L.out, "%-*s  ", (int)w[i % NCOLS], cells[i]);
		free(cells[i]);
		if (L.out.len >= 65536)
			cli_flush_stdout(&L.out);
	}
	ncells = 0;
}

void
out_flush(int end_of_round)
{
	if (L.fmt == FMT_TABLE) {
		if (!end_of_round)
			return;
		table_print();
	}
	cli_flush_stdout(&L.out);
}
