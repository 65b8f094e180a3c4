/*
 * The event line, built in a buffer without printf: this is where a
 * reader spends much of its time after the parsing.
 */
#include <stdlib.h>
#include <string.h>

#include "evline.h"
#include "jsonx.h"
#include "timex.h"

#define DAY_MS 86400000LL

char *
evline_iso(int64_t ms, char out[25])
{
	static int64_t day = INT64_MIN;
	static char date[12];
	int64_t d;
	int rem, v;

	/* before the arithmetic: near INT64_MIN it would overflow */
	if (ms < 0 || ms > 253402300799999LL)
		return timex_iso(ms, out);
	d = ms / DAY_MS;
	rem = (int)(ms - d * DAY_MS);
	if (d != day) {
		timex_iso(d * DAY_MS, out);
		memcpy(date, out, 11);
		day = d;
	}
	memcpy(out, date, 11);
	v = rem / 3600000;
	out[11] = (char)('0' + v / 10);
	out[12] = (char)('0' + v % 10);
	out[13] = ':';
	v = rem / 60000 % 60;
	out[14] = (char)('0' + v / 10);
	out[15] = (char)('0' + v % 10);
	out[16] = ':';
	v = rem / 1000 % 60;
	out[17] = (char)('0' + v / 10);
	out[18] = (char)('0' + v % 10);
	out[19] = '.';
	v = rem % 1000;
	out[20] = (char)('0' + v / 100);
	out[21] = (char)('0' + v / 10 % 10);
	out[22] = (char)('0' + v % 10);
	out[23] = 'Z';
	out[24] = '\0';
	return out;
}

int
evline_json(struct buf *b, const struct evline_opts *o,
    const struct evline *ev)
{
	char ts[25], it[25];
	int r = 0;

	r |= buf_adds(b, "{\"@timestamp\":\"");
	r |= buf_add(b, evline_iso(ev->ts, ts), 24);
	r |= buf_adds(b, "\",\"message\":");
	r |= jsonx_str(b, ev->msg, ev->len);
	r |= buf_adds(b, ",\"event\":{\"id\":");
	r |= jsonx_strz(b, ev->id);
	r |= buf_adds(b, "},\"log\":{\"file\":{\"path\":");
	/* "GROUP/STREAM" as one JSON string: both escaped, quotes merged */
	r |= jsonx_strz(b, ev->group);
	if (r == 0) {
		size_t at;

		b->len--;
		r |= buf_addc(b, '/');
		at = b->len;
		r |= jsonx_strz(b, ev->stream);
		if (r == 0) {
			memmove(b->p + at, b->p + at + 1, b->len - at - 1);
			b->p[--b->len] = '\0';
		}
	}
	r |= buf_adds(b, "}},\"aws\":{\"cloudwatch\":{\"log_group\":");
	r |= jsonx_strz(b, ev->group);
	r |= buf_adds(b, ",\"log_stream\":");
	r |= jsonx_strz(b, ev->stream);
	if (ev->ingest != EVLINE_NO_TIME) {
		r |= buf_adds(b, ",\"ingestion_time\":\"");
		r |= buf_add(b, evline_iso(ev->ingest, it), 24);
		r |= buf_addc(b, '"');
	}
	r |= buf_adds(b, "}},\"cloud\":{\"provider\":\"aws\",\"region\":");
	r |= jsonx_strz(b, o->region);
	if (ev->account) {
		r |= buf_adds(b, ",\"account\":{\"id\":");
		r |= jsonx_strz(b, ev->account);
		r |= buf_addc(b, '}');
	}
	r |= buf_addc(b, '}');
	if (o->prospector) {
		/* as the original beat did */
		r |= buf_adds(b, ",\"prospector\":");
		r |= jsonx_strz(b, o->prospector);
	}
	if (o->fields) {
		if (o->fields_under_root) {
			r |= buf_adds(b, o->fields);
		} else {
			r |= buf_adds(b, ",\"fields\":{");
			r |= buf_adds(b, o->fields + 1);
			r |= buf_addc(b, '}');
		}
	}
	if (o->tags)
		r |= buf_adds(b, o->tags);
	r |= buf_adds(b, ",\"@metadata\":{\"_id\":");
	r |= jsonx_strz(b, ev->id);
	r |= buf_adds(b, ",\"cursor\":");
	r |= cursor_to_json(ev->cursor, b);
	r |= buf_adds(b, "}}\n");
	return r ? -1 : 0;
}

int
evline_reserved(const char *k)
{
	static const char *const names[] = { "@timestamp", "message", "event",
		"log", "aws", "cloud", "@metadata", "prospector", "tags", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

int
evline_fields_arg(json_object **acc, const char *arg, struct err *e)
{
	char *copy = strdup(arg), *tok, *save = NULL, *eq;

	if (copy == NULL || (*acc == NULL &&
	    (*acc = json_object_new_object()) == NULL)) {
		free(copy);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL || eq == tok) {
			err_set(e, EXIT_USAGE, "--fields '%s': not KEY=VALUE", tok);
			free(copy);
			return -1;
		}
		*eq = '\0';
		json_object_object_add(*acc, tok, json_object_new_string(eq + 1));
	}
	free(copy);
	return 0;
}

int
evline_fields_check(json_object *o, const char *who, struct err *e)
{
	json_object_iter it;

	if (o == NULL)
		return 0;
	json_object_object_foreachC(o, it)
		if (evline_reserved(it.key))
			return err_set(e, EXIT_USAGE, "%s: fields_under_root: "
			    "'%s' is a field of every event", who, it.key);
	return 0;
}

char *
evline_fields(json_object *const *src, size_t n)
{
	json_object *m = json_object_new_object();
	struct buf out = BUF_INIT;
	size_t i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (src[i] == NULL)
			continue;
		json_object_object_foreach(src[i], k, v)
			json_object_object_add(m, k, json_object_get(v));
	}
	if (json_object_object_length(m) == 0) {
		json_object_put(m);
		return NULL;
	}
	json_object_object_foreach(m, k, v) {
		buf_addc(&out, ',');
		jsonx_strz(&out, k);
		buf_addc(&out, ':');
		buf_adds(&out, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(m);
	return buf_detach(&out);
}

int
evline_tags(struct cfg *c, char **out, struct err *e)
{
	const char *const *tags;
	struct buf b = BUF_INIT;
	size_t i, n;

	*out = NULL;
	if (cfg_strlist(c, "tags", &tags, &n, e) == -1)
		return -1;
	if (n == 0)
		return 0;
	buf_adds(&b, ",\"tags\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ',');
		jsonx_strz(&b, tags[i]);
	}
	buf_addc(&b, ']');
	if ((*out = buf_detach(&b)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}
