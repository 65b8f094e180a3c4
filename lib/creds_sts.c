/*
 * STS: AssumeRole (a profile's role_arn, the config's role_arn) and
 * AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE, a profile's
 * web_identity_token_file), over the query protocol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "buf.h"
#include "creds_int.h"
#include "http.h"
#include "log.h"
#include "sigv4.h"

static const char *
sts_region(struct creds_provider *p)
{
	struct err e2 = ERR_INIT;

	if (p->sts_region == NULL) {
		p->sts_region = creds_region(&p->o, &e2);
		err_clear(&e2);
		if (p->sts_region == NULL)
			p->sts_region = strdup("us-east-1");
	}
	return p->sts_region ? p->sts_region : "us-east-1";
}

/* The POST of action with params (name, value pairs, NULL-ended) to
 * STS's endpoint in region. Returns it (the caller frees), or NULL when
 * out of memory. */
static struct http_req *
sts_request(struct creds_provider *p, const char *action,
    const char *const *params, const char *region)
{
	struct http_req *req = NULL;
	struct buf url = BUF_INIT, body = BUF_INIT;
	char *ep = NULL;
	size_t i;

	if ((ep = aws_endpoint("sts", region, p->o.endpoint)) == NULL ||
	    buf_printf(&url, "%s/", ep) == -1 ||
	    buf_printf(&body, "Action=%s&Version=2011-06-15", action) == -1)
		goto nomem;
	for (i = 0; params[i] && params[i + 1]; i += 2)
		if (buf_printf(&body, "&%s=", params[i]) == -1 ||
		    http_uri_encode(&body, params[i + 1],
		    strlen(params[i + 1]), 0) == -1)
			goto nomem;
	if ((req = http_req_new("POST", buf_str(&url))) == NULL ||
	    http_req_header(req, "Content-Type",
	    "application/x-www-form-urlencoded; charset=utf-8") == -1)
		goto nomem;
	req->body = buf_detach(&body);
	req->body_len = strlen(req->body);
	req->body_owned = 1;
	goto done;
nomem:
	http_req_free(req);
	req = NULL;
done:
	free(ep);
	buf_free(&url);
	buf_free(&body);
	return req;
}

/* The credentials in STS's answer, into out (source: where they are
 * said to come from). Returns 0, or -1 with e. */
static int
sts_answer(struct http_resp *resp, const char *action, struct creds *out,
    const char *source, struct err *e)
{
	char *ak, *sk, *tok, *exp;
	time_t expires;
	int rc = -1;

	ak = aws_xml_text(buf_str(&resp->body), "AccessKeyId");
	sk = aws_xml_text(buf_str(&resp->body), "SecretAccessKey");
	tok = aws_xml_text(buf_str(&resp->body), "SessionToken");
	exp = aws_xml_text(buf_str(&resp->body), "Expiration");
	log_secret(sk);
	log_secret(tok);
	if (ak == NULL || sk == NULL || tok == NULL) {
		err_set(e, EXIT_RUNTIME, "%s: the answer has no credentials",
		    action);
		goto done;
	}
	if (creds_parse_expiry(exp, &expires, action, e) == -1)
		goto done;
	if (creds_fill(out, ak, sk, tok, expires, "%s", source) == -1) {
		err_set(e, EXIT_RUNTIME, "%s: out of memory", action);
		goto done;
	}
	rc = 0;
done:
	free(ak);
	creds_free_str(sk);
	creds_free_str(tok);
	free(exp);
	return rc;
}

/*
 * Calls an STS action (query protocol) with the form parameters params
 * (name, value, ..., NULL), signed with base, or unsigned when base is
 * NULL (AssumeRoleWithWebIdentity), and takes the <Credentials> of the
 * answer. Returns 0 or -1 with e.
 */
static int
sts_call(struct creds_provider *p, const char *action,
    const char *const *params, const struct creds *base, struct creds *out,
    const char *source, struct err *e)
{
	struct http_client *c;
	struct http_req *req;
	struct http_resp resp;
	struct aws_error ae;
	struct sigv4_opts so;
	const char *region = sts_region(p);
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if ((c = creds_http(p, 0, e)) == NULL)
		return -1;
	if ((req = sts_request(p, action, params, region)) == NULL)
		return err_set(e, EXIT_RUNTIME, "%s: out of memory", action);
	if (base) {
		memset(&so, 0, sizeof(so));
		so.region = region;
		so.service = "sts";
		so.normalize_path = 1;
		if (sigv4_sign(req, base, &so, e) == -1)
			goto done;
	}
	if (creds_send_retry(c, req, &resp, 3, e) == -1) {
		err_prefix(e, "%s", action);
		goto done;
	}
	log_debug("aws", "%s: HTTP %ld", action, resp.status);
	if (resp.status != 200) {
		aws_error_parse(&resp, &ae);
		aws_error_to_err(&ae, e, action);
		/* what STS refuses, a retry will not cure */
		e->code = ae.cls == AWS_ERR_RETRY ? EXIT_RUNTIME : EXIT_AUTH;
		aws_error_clear(&ae);
		goto done;
	}
	rc = sts_answer(&resp, action, out, source, e);
done:
	http_req_free(req);
	http_resp_free(&resp);
	return rc;
}

/* A session name the SDKs would make: "botocore-session-TIME" there,
 * ours here. */
static const char *
session_name(const char *given, char *tmp, size_t len)
{
	int n;

	if (given && *given)
		return given;
	n = snprintf(tmp, len, "cloudwatchlogsbeat-%lld",
	    (long long)time(NULL));
	return n > 0 && (size_t)n < len ? tmp : "cloudwatchlogsbeat";
}

int
creds_assume_role(struct creds_provider *p, const struct creds *base,
    const char *arn, const char *session, const char *external_id,
    const char *duration, const char *source, struct creds *out,
    struct err *e)
{
	const char *params[9];
	char tmp[64];
	size_t n = 0;

	params[n++] = "RoleArn";
	params[n++] = arn;
	params[n++] = "RoleSessionName";
	params[n++] = session_name(session, tmp, sizeof(tmp));
	if (external_id && *external_id) {
		params[n++] = "ExternalId";
		params[n++] = external_id;
	}
	if (duration && *duration) {
		params[n++] = "DurationSeconds";
		params[n++] = duration;
	}
	params[n] = NULL;
	if (sts_call(p, "AssumeRole", params, base, out, source, e) == -1)
		return err_prefix(e, "assuming role %s with credentials from %s",
		    arn, base->source);
	return 0;
}

int
creds_web_identity(struct creds_provider *p, const char *file, const char *arn,
    const char *session, const char *via, struct creds *out,
    struct err *e)
{
	const char *params[7];
	struct buf src = BUF_INIT;
	char tmp[64], *tok;
	int rc;

	if ((tok = creds_read_token(file, "web identity token file", e)) == NULL)
		return -1;
	params[0] = "RoleArn";
	params[1] = arn;
	params[2] = "RoleSessionName";
	params[3] = session_name(session, tmp, sizeof(tmp));
	params[4] = "WebIdentityToken";
	params[5] = tok;
	params[6] = NULL;
	buf_printf(&src, "web identity (%s, role %s)", via, arn);
	rc = sts_call(p, "AssumeRoleWithWebIdentity", params, NULL, out,
	    buf_str(&src), e);
	if (rc == -1)
		err_prefix(e, "web identity token %s for role %s", file, arn);
	creds_free_str(tok);
	buf_free(&src);
	return rc;
}

int
creds_src_web_identity(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e)
{
	const char *file = creds_env("AWS_WEB_IDENTITY_TOKEN_FILE"),
	    *arn = creds_env("AWS_ROLE_ARN");

	if (file == NULL || (p->o.profile && *p->o.profile)) {
		creds_tried_add(tried, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
		return 0;
	}
	if (arn == NULL)
		return err_set(e, EXIT_AUTH, "AWS_WEB_IDENTITY_TOKEN_FILE is set "
		    "without AWS_ROLE_ARN");
	if (creds_web_identity(p, file, arn, creds_env("AWS_ROLE_SESSION_NAME"),
	    "AWS_WEB_IDENTITY_TOKEN_FILE", out, e) == -1)
		return -1;
	return 1;
}
