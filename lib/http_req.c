/* Requests, responses and URI encoding: the parts of http.h that do not
 * touch libcurl. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

struct http_req *
http_req_new(const char *method, const char *url)
{
	struct http_req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->method = strdup(method);
	r->url = strdup(url);
	if (r->method == NULL || r->url == NULL) {
		http_req_free(r);
		return NULL;
	}
	return r;
}

int
http_req_header(struct http_req *r, const char *name, const char *value)
{
	struct http_header *h;

	if ((h = realloc(r->h, (r->nh + 1) * sizeof(*h))) == NULL)
		return -1;
	r->h = h;
	h[r->nh].name = strdup(name);
	h[r->nh].value = strdup(value);
	if (h[r->nh].name == NULL || h[r->nh].value == NULL) {
		free(h[r->nh].name);
		free(h[r->nh].value);
		return -1;
	}
	r->nh++;
	return 0;
}

int
http_req_set_header(struct http_req *r, const char *name, const char *value)
{
	size_t i;
	char *v;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0) {
			if ((v = strdup(value)) == NULL)
				return -1;
			free(r->h[i].value);
			r->h[i].value = v;
			return 0;
		}
	return http_req_header(r, name, value);
}

const char *
http_req_get_header(const struct http_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

static void
free_headers(struct http_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

void
http_req_free(struct http_req *r)
{
	if (r == NULL)
		return;
	free(r->method);
	free(r->url);
	free_headers(r->h, r->nh);
	if (r->body_owned)
		free((void *)r->body);
	free(r);
}

const char *
http_resp_header(const struct http_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

void
http_resp_free(struct http_resp *r)
{
	free_headers(r->h, r->nh);
	r->h = NULL;
	r->nh = 0;
	buf_free(&r->body);
	free(r->neterr_msg);
	r->neterr_msg = NULL;
}

int
http_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t i;
	char pct[3];

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (keep_slash && c == '/')) {
			if (buf_addc(b, (char)c) == -1)
				return -1;
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		if (buf_add(b, pct, 3) == -1)
			return -1;
	}
	return 0;
}
