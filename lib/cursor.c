#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cursor.h"
#include "jsonx.h"

static char *
dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Returns the name of the first string member among keys (and the
 * elements of "ids") that holds a NUL byte, which a C string would cut
 * ("\u0000x" would become ""), or NULL. */
static const char *
nul_member(json_object *o)
{
	static const char *const keys[] = { "group", "stream", "token", "ids" };
	json_object *v;
	size_t i, k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if ((v = jsonx_get(o, keys[k], json_type_string)) != NULL &&
		    memchr(json_object_get_string(v), '\0',
		    (size_t)json_object_get_string_len(v)) != NULL)
			return keys[k];
		if ((v = jsonx_get(o, keys[k], json_type_array)) == NULL)
			continue;
		for (i = 0; i < json_object_array_length(v); i++) {
			json_object *s = json_object_array_get_idx(v, i);

			if (json_object_is_type(s, json_type_string) &&
			    memchr(json_object_get_string(s), '\0',
			    (size_t)json_object_get_string_len(s)) != NULL)
				return keys[k];
		}
	}
	return NULL;
}

/* Reads the number at key into *out: absent is 0; present, it must be a
 * whole number of 0 or more, as cwl-tail writes it ("skip": -5, "ts":
 * "x", "n": 1e999 are not positions). Returns 0, or -1 with e. */
static int
position(json_object *o, const char *key, int64_t *out, struct err *e)
{
	json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return err_set(e, EXIT_REJECTED, "cursor \"%s\" is not a whole "
		    "number", key);
	if ((*out = json_object_get_int64(v)) < 0)
		return err_set(e, EXIT_REJECTED, "cursor \"%s\" is negative",
		    key);
	return 0;
}

int
cursor_from_json(json_object *o, struct cursor *c, struct err *e)
{
	json_object *v, *ids;
	const char *bad;
	size_t i, n;

	memset(c, 0, sizeof(*c));
	if (!json_object_is_type(o, json_type_object))
		return err_set(e, EXIT_REJECTED, "cursor is not a JSON object");
	if ((bad = nul_member(o)) != NULL)
		return err_set(e, EXIT_REJECTED, "cursor \"%s\" holds a NUL "
		    "byte", bad);
	if ((v = jsonx_get(o, "group", json_type_string)) == NULL ||
	    json_object_get_string_len(v) == 0)
		return err_set(e, EXIT_REJECTED, "cursor has no \"group\"");
	c->group = strdup(json_object_get_string(v));
	if ((v = jsonx_get(o, "stream", json_type_string)) == NULL ||
	    json_object_get_string_len(v) == 0) {
		cursor_clear(c);
		return err_set(e, EXIT_REJECTED, "cursor has no \"stream\"");
	}
	c->stream = strdup(json_object_get_string(v));
	c->token = dupstr(jsonx_get_str(o, "token", NULL));
	if (position(o, "skip", &c->skip, e) == -1 ||
	    position(o, "ts", &c->ts, e) == -1 ||
	    position(o, "to", &c->to, e) == -1 ||
	    position(o, "n", &c->n, e) == -1) {
		cursor_clear(c);
		return -1;
	}
	if ((ids = jsonx_get(o, "ids", json_type_array)) != NULL) {
		n = json_object_array_length(ids);
		if (n && (c->ids = calloc(n, sizeof(*c->ids))) == NULL) {
			cursor_clear(c);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(ids, i);
			if (json_object_is_type(v, json_type_string))
				c->ids[c->nids++] = strdup(json_object_get_string(v));
		}
	}
	if (c->group == NULL || c->stream == NULL) {
		cursor_clear(c);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

int
cursor_parse(const char *line, size_t n, struct cursor *c, struct err *e)
{
	json_object *o, *md, *cur;
	const char *why;
	int r;

	if ((o = jsonx_parse(line, n, &why)) == NULL)
		return err_set(e, EXIT_REJECTED, "not JSON: %s", why);
	cur = o;
	if ((md = jsonx_get(o, "@metadata", json_type_object)) != NULL &&
	    (cur = jsonx_get(md, "cursor", json_type_object)) == NULL) {
		json_object_put(o);
		return err_set(e, EXIT_REJECTED, "@metadata has no cursor");
	}
	r = cursor_from_json(cur, c, e);
	json_object_put(o);
	return r;
}

/* Appends v in decimal: the writer of every cursor line goes without
 * printf. */
static int
add_int(struct buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int
cursor_to_json(const struct cursor *c, struct buf *b)
{
	size_t i;
	int r = 0;

	r |= buf_add(b, "{\"group\":", 9);
	r |= jsonx_strz(b, c->group);
	r |= buf_add(b, ",\"stream\":", 10);
	r |= jsonx_strz(b, c->stream);
	if (c->token) {
		r |= buf_add(b, ",\"token\":", 9);
		r |= jsonx_strz(b, c->token);
		r |= buf_add(b, ",\"skip\":", 8);
		r |= add_int(b, c->skip);
	}
	/* a position is never before the epoch, where the API's times
	 * start: an event stamped earlier leaves 0, from where it is read
	 * again */
	r |= buf_add(b, ",\"ts\":", 6);
	r |= add_int(b, c->ts < 0 ? 0 : c->ts);
	if (c->to) {
		r |= buf_add(b, ",\"to\":", 6);
		r |= add_int(b, c->to);
	}
	r |= buf_add(b, ",\"n\":", 5);
	r |= add_int(b, c->n);
	if (c->nids) {
		r |= buf_add(b, ",\"ids\":[", 8);
		for (i = 0; i < c->nids; i++) {
			if (i)
				r |= buf_addc(b, ',');
			r |= jsonx_strz(b, c->ids[i]);
		}
		r |= buf_addc(b, ']');
	}
	r |= buf_addc(b, '}');
	return r ? -1 : 0;
}

int
cursor_key(const struct cursor *c, struct buf *b)
{
	return buf_printf(b, "%s:%s", c->group, c->stream);
}

int
cursor_cmp(const struct cursor *a, const struct cursor *b)
{
	if (a->n != b->n)
		return a->n > b->n ? 1 : -1;
	if (a->ts != b->ts)
		return a->ts > b->ts ? 1 : -1;
	return 0;
}

int
cursor_copy(struct cursor *dst, const struct cursor *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->group = dupstr(src->group);
	dst->stream = dupstr(src->stream);
	dst->token = dupstr(src->token);
	dst->skip = src->skip;
	dst->ts = src->ts;
	dst->n = src->n;
	dst->to = src->to;
	if (src->nids) {
		if ((dst->ids = calloc(src->nids, sizeof(*dst->ids))) == NULL) {
			cursor_clear(dst);
			return -1;
		}
		for (i = 0; i < src->nids; i++)
			if ((dst->ids[dst->nids++] = strdup(src->ids[i])) == NULL) {
				cursor_clear(dst);
				return -1;
			}
	}
	if (dst->group == NULL || dst->stream == NULL ||
	    (src->token && dst->token == NULL)) {
		cursor_clear(dst);
		return -1;
	}
	return 0;
}

void
cursor_clear(struct cursor *c)
{
	size_t i;

	free(c->group);
	free(c->stream);
	free(c->token);
	for (i = 0; i < c->nids; i++)
		free(c->ids[i]);
	free(c->ids);
	memset(c, 0, sizeof(*c));
}

static void
hash_field(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	unsigned char len[8];
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	EVP_DigestUpdate(ctx, len, sizeof(len));
	EVP_DigestUpdate(ctx, p, n);
}

void
cursor_event_id(const char *group, const char *stream, int64_t ts,
    int64_t ingestion, const char *msg, size_t msglen, int64_t rank,
    char out[33])
{
	/* One context and one fetched digest for the life of the process:
	 * making them anew for every event cost a tenth of cwl-tail's time. */
	static EVP_MD_CTX *ctx;
	static EVP_MD *sha256;
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char num[64];
	int i, n;

	out[0] = '\0';
	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return;
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, sha256, NULL) != 1)
		return;
	hash_field(ctx, group, strlen(group));
	hash_field(ctx, stream, strlen(stream));
	n = snprintf(num, sizeof(num), "%lld/%lld/%lld", (long long)ts,
	    (long long)ingestion, (long long)rank);
	hash_field(ctx, num, (size_t)n);
	hash_field(ctx, msg, msglen);
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16)
		return;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
}
