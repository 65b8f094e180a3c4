/*
 * fuzz_aws_error: AWS error responses (aws_error_parse,
 * aws_json_response, aws_error_to_err, aws_xml_text) on any status,
 * headers and body, JSON, XML or neither.
 *
 * Input: two bytes of status (taken modulo 600), then header lines
 * "Name: value" up to an empty line, then the body, as on the wire.
 *
 * Checks: an error always has a non-empty code without blanks when it
 * came from a header or JSON, a message that is NULL or not empty, and
 * the class aws_classify gives; aws_error_to_err names the code and
 * picks EXIT_AUTH exactly for the auth class; a 2xx JSON body is taken
 * by aws_json_response only when it is JSON.
 */
#include <stdint.h>

#include "aws.h"
#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "http.h"
#include "log.h"

static void
add_header(struct http_resp *r, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n), *v;
	struct http_header *h;

	if (colon == NULL)
		return;
	v = colon + 1;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	if ((h = realloc(r->h, (r->nh + 1) * sizeof(*h))) == NULL)
		abort();
	r->h = h;
	h[r->nh].name = fuzz_strndup(line, (size_t)(colon - line));
	h[r->nh].value = fuzz_strndup(v, (size_t)(line + n - v));
	r->nh++;
}

static void
check(const struct http_resp *r, const struct aws_error *ae)
{
	struct err e = ERR_INIT;
	const char *h = http_resp_header(r, "x-amzn-ErrorType");
	size_t i;

	FUZZ_ASSERT(ae->status == r->status, "status %ld, want %ld",
	    ae->status, r->status);
	FUZZ_ASSERT(ae->code != NULL && *ae->code, "no code");
	FUZZ_ASSERT(ae->message == NULL || *ae->message, "empty message");
	FUZZ_ASSERT(ae->cls == aws_classify(r->status, ae->code),
	    "class %d for %ld %s", ae->cls, r->status, ae->code);
	if (r->status == 0)
		FUZZ_ASSERT(strcmp(ae->code, "NetworkError") == 0 &&
		    ae->cls == AWS_ERR_RETRY, "network error as %s", ae->code);
	/* status 0: no answer came, whatever headers the input made up */
	if (r->status != 0 && h && *h && strpbrk(h, ":# \t\r\n\f\v") == NULL)
		FUZZ_ASSERT(strcmp(ae->code, h) == 0, "x-amzn-ErrorType %s "
		    "gave code %s", h, ae->code);
	if (r->status != 0 && h && *h)
		for (i = 0; ae->code[i]; i++)
			FUZZ_ASSERT(strchr(": \t\r\n", ae->code[i]) == NULL,
			    "code '%s' from x-amzn-ErrorType '%s'", ae->code, h);
	FUZZ_ASSERT(aws_error_to_err(ae, &e, "PutLogEvents") == -1,
	    "aws_error_to_err");
	FUZZ_ASSERT(e.code == (ae->cls == AWS_ERR_AUTH ? EXIT_AUTH :
	    EXIT_RUNTIME), "exit code %d for class %d", e.code, ae->cls);
	FUZZ_ASSERT(e.msg && strncmp(e.msg, "PutLogEvents: ", 14) == 0,
	    "message '%s'", err_msg(&e));
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct http_resp r;
	struct aws_error ae;
	json_object *out = NULL;
	const char *line;
	char *t;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.status = (fuzz_byte(&in) << 8 | fuzz_byte(&in)) % 600;
	while (in.n > 0) {
		line = (const char *)in.p;
		free(fuzz_field(&in, '\n', &n));
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		add_header(&r, line, n);
	}
	if (buf_add(&r.body, in.p, in.n) == -1)
		abort();
	if (r.status == 0 && in.n > 0 && in.p[0] != '\0')
		r.neterr_msg = fuzz_strndup(in.p, in.n);	/* never empty */

	aws_error_parse(&r, &ae);
	check(&r, &ae);
	aws_error_clear(&ae);

	memset(&ae, 0, sizeof(ae));
	if (aws_json_response(&r, &out, &ae) == 0) {
		FUZZ_ASSERT(r.status >= 200 && r.status < 300 && out != NULL,
		    "HTTP %ld taken as a result", r.status);
		json_object_put(out);
	} else {
		FUZZ_ASSERT(out == NULL, "a result with an error");
		FUZZ_ASSERT(ae.code && *ae.code, "no code");
		if (r.status < 200 || r.status >= 300)
			check(&r, &ae);
	}
	aws_error_clear(&ae);

	/* the XML reader alone, on the tags the programs ask for */
	if ((t = aws_xml_text(buf_str(&r.body), "Code")) != NULL)
		free(t);
	if ((t = aws_xml_text(buf_str(&r.body), "SecretAccessKey")) != NULL)
		free(t);
	if ((t = aws_xml_text(buf_str(&r.body), "ETag")) != NULL)
		free(t);
	http_resp_free(&r);
	return 0;
}
