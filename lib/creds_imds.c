/*
 * The credentials of the machine: the ECS/EKS container endpoint
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI) and EC2 instance
 * metadata (IMDSv2, IMDSv1 when the token is refused). The IMDSv2
 * session token is kept and reused for as long as it lives.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws.h"
#include "buf.h"
#include "creds_int.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"

/* "The TTL of the token. Default value: 21,600 seconds (6 hours, the
 * maximum time allotted)" (the SDKs' IMDS client). */
#define IMDS_TOKEN_TTL 21600
#define IMDS_TOKEN_TTL_STR "21600"

/* "the SDK only allows HTTP for loopback addresses and the ECS and EKS
 * container hosts" (169.254.170.2, 169.254.170.23, fd00:ec2::23); HTTPS
 * goes anywhere. */
static int
container_url_ok(const char *url)
{
	static const char *const hosts[] = { "127.", "localhost", "[::1]",
	    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL };
	const char *h;
	size_t i, n;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	n = strcspn(h, ":/?#");
	if (h[0] == '[')
		n = strcspn(h, "]") + 1;
	for (i = 0; hosts[i]; i++) {
		size_t m = strlen(hosts[i]);

		if (hosts[i][m - 1] == '.' ? strncmp(h, hosts[i], m) == 0 :
		    (n == m && strncmp(h, hosts[i], m) == 0))
			return 1;
	}
	return 0;
}

int
creds_src_container(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e)
{
	const char *rel = creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
	    *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
	    *tokfile = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	struct http_client *c;
	struct http_req *req = NULL;
	struct http_resp resp;
	struct buf url = BUF_INIT, src = BUF_INIT;
	json_object *o = NULL;
	char *auth = NULL;
	const char *why;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (rel == NULL && full == NULL) {
		creds_tried_add(tried, "container endpoint "
		    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
		return 0;
	}
	if (rel)
		buf_printf(&url, "http://169.254.170.2%s%s", *rel == '/' ? "" :
		    "/", rel);
	else if (!container_url_ok(full))
		return err_set(e, EXIT_AUTH, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
		    "%s: plain HTTP is allowed only to a loopback address or "
		    "the container credentials hosts", full);
	else
		buf_adds(&url, full);
	if (tokfile) {
		if ((auth = creds_read_token(tokfile, "container authorization token "
		    "file", e)) == NULL)
			goto done;
	} else if (creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
		auth = strdup(creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
		log_secret(auth);
	}
	if ((c = creds_http(p, 0, e)) == NULL)
		goto done;
	if ((req = http_req_new("GET", buf_str(&url))) == NULL ||
	    http_req_header(req, "Accept", "application/json") == -1 ||
	    (auth && http_req_header(req, "Authorization", auth) == -1)) {
		err_set(e, EXIT_RUNTIME, "credentials: out of memory");
		goto done;
	}
	if (creds_send_retry(c, req, &resp, 3, e) == -1) {
		err_prefix(e, "container credentials");
		goto done;
	}
	if (resp.status != 200) {
		struct aws_error ae;

		aws_error_parse(&resp, &ae);
		err_set(e, EXIT_AUTH, "container credentials from %s: %s%s%s "
		    "(HTTP %ld)", buf_str(&url), ae.code, ae.message ? ": " : "",
		    ae.message ? ae.message : "", resp.status);
		aws_error_clear(&ae);
		goto done;
	}
	if ((o = jsonx_parse(resp.body.p, resp.body.len, &why)) == NULL) {
		err_set(e, EXIT_AUTH, "container credentials from %s: not JSON: "
		    "%s", buf_str(&url), why);
		goto done;
	}
	buf_printf(&src, "container endpoint (%s)", buf_str(&url));
	if (creds_json(o, "Token", out, "container credentials", e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 1;
done:
	json_object_put(o);
	creds_free_str(auth);
	buf_free(&url);
	buf_free(&src);
	http_req_free(req);
	http_resp_free(&resp);
	return rc;
}

/* One IMDS request. Returns 0 with *resp, -1 with e. */
static int
imds_send(struct http_client *c, const char *method, const char *ep,
    const char *path, const char *token, struct http_resp *resp,
    struct err *e)
{
	struct http_req *req;
	struct buf url = BUF_INIT;
	int rc;

	memset(resp, 0, sizeof(*resp));
	buf_printf(&url, "%s%s", ep, path);
	if ((req = http_req_new(method, buf_str(&url))) == NULL) {
		buf_free(&url);
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	}
	buf_free(&url);
	if (token == NULL)
		http_req_header(req, "X-aws-ec2-metadata-token-ttl-seconds",
		    IMDS_TOKEN_TTL_STR);
	else if (*token)
		http_req_header(req, "X-aws-ec2-metadata-token", token);
	rc = http_send(c, req, resp, e);
	http_req_free(req);
	return rc;
}

static int
is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

static void
imds_forget(struct creds_provider *p)
{
	creds_free_str(p->imds_token);
	p->imds_token = NULL;
	p->imds_token_until = 0;
}

/*
 * The IMDSv2 session token: the one in hand while it lives, else a new
 * one for IMDS_TOKEN_TTL seconds, or for what the answer's
 * X-aws-ec2-metadata-token-ttl-seconds grants when that is less. Returns
 * 1 with *tok (malloc'd; "" when the service only speaks IMDSv1) and
 * *reused, 0 when nobody answers (tried says why), -1 with e.
 */
static int
imds_session(struct creds_provider *p, struct http_client *c, const char *ep,
    char **tok, int *reused, struct buf *tried, struct err *e)
{
	struct http_resp resp;
	struct err e2 = ERR_INIT;
	time_t now = time(NULL);
	const char *h;
	char *end;
	long ttl = IMDS_TOKEN_TTL, granted;

	*tok = NULL;
	*reused = 0;
	if (p->imds_token && now < p->imds_token_until) {
		*reused = 1;
		if ((*tok = strdup(p->imds_token)) == NULL)
			return err_set(e, EXIT_RUNTIME, "credentials: out of "
			    "memory");
		return 1;
	}
	imds_forget(p);
	if (imds_send(c, "PUT", ep, "/latest/api/token", NULL, &resp,
	    &e2) == -1) {
		/* not on EC2, or no route to it: the chain ends here */
		creds_tried_add(tried, "EC2 instance metadata (%s)", err_msg(&e2));
		err_clear(&e2);
		http_resp_free(&resp);
		return 0;
	}
	if (resp.status == 200) {
		*tok = strndup(buf_str(&resp.body), strcspn(buf_str(&resp.body),
		    "\r\n"));
		log_secret(*tok);
		if ((h = http_resp_header(&resp,
		    "X-aws-ec2-metadata-token-ttl-seconds")) != NULL) {
			granted = strtol(h, &end, 10);
			if (end != h && granted > 0 && granted < ttl)
				ttl = granted;
		}
		if (*tok && **tok && (p->imds_token = strdup(*tok)) != NULL)
			/* renewed a minute before it runs out (a tenth of
			 * its life when that is shorter) */
			p->imds_token_until = now + ttl - (ttl >= 600 ? 60 :
			    ttl / 10);
		log_debug("aws", "EC2 instance metadata: a session token for "
		    "%ld s", ttl);
	} else if ((resp.status == 403 || resp.status == 404 ||
	    resp.status == 405) && !is_true(creds_env("AWS_EC2_METADATA_V1_DISABLED"))) {
		*tok = strdup("");
	} else {
		creds_tried_add(tried, "EC2 instance metadata (%s: token: HTTP %ld)", ep,
		    resp.status);
		http_resp_free(&resp);
		return 0;
	}
	http_resp_free(&resp);
	if (*tok == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 1;
}

static const char imds_creds_path[] =
    "/latest/meta-data/iam/security-credentials/";

/* The IMDS endpoint (the environment's, else IPv4 or IPv6 by
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE), without a trailing slash.
 * Returns it (the caller frees), or NULL when out of memory. */
static char *
imds_endpoint(void)
{
	const char *v;
	char *ep;

	if ((v = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) != NULL)
		ep = strdup(v);
	else if ((v = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) &&
	    strcasecmp(v, "IPv6") == 0)
		ep = strdup("http://[fd00:ec2::254]");
	else
		ep = strdup("http://169.254.169.254");
	if (ep == NULL)
		return NULL;
	while (*ep && ep[strlen(ep) - 1] == '/')
		ep[strlen(ep) - 1] = '\0';
	return ep;
}

/* The instance's role, asked for with a session token (*token). Returns
 * 1 with *role (the caller frees), 0 when there is none to be had (said
 * in tried), -1 with e. */
static int
imds_role(struct creds_provider *p, struct http_client *c, const char *ep,
    char **token, char **role, struct buf *tried, struct err *e)
{
	struct http_resp resp;
	struct err e2 = ERR_INIT;
	char *name;
	int rc = 0, r, reused;

	memset(&resp, 0, sizeof(resp));
again:
	if ((r = imds_session(p, c, ep, token, &reused, tried, e)) != 1)
		return r;
	if (imds_send(c, "GET", ep, imds_creds_path, *token, &resp,
	    &e2) == 0 && resp.status == 401 && reused) {
		/* the token in hand is refused (the service restarted, or
		 * the token ran out early): a new one, once */
		imds_forget(p);
		creds_free_str(*token);
		*token = NULL;
		http_resp_free(&resp);
		goto again;
	}
	if (resp.status != 200) {
		if (resp.status == 404)
			creds_tried_add(tried, "EC2 instance metadata (%s: no instance "
			    "role)", ep);
		else if (resp.status)
			creds_tried_add(tried, "EC2 instance metadata (%s: role: HTTP "
			    "%ld)", ep, resp.status);
		else
			creds_tried_add(tried, "EC2 instance metadata (%s)", err_msg(&e2));
		goto done;
	}
	name = strndup(buf_str(&resp.body), strcspn(buf_str(&resp.body), "\r\n"));
	if (name == NULL || *name == '\0') {
		creds_tried_add(tried, "EC2 instance metadata (%s: no instance role)", ep);
		free(name);
		goto done;
	}
	*role = name;
	rc = 1;
done:
	http_resp_free(&resp);
	err_clear(&e2);
	return rc;
}

/* The credentials of the instance's role. Returns 1 with out filled,
 * or -1 with e. */
static int
imds_creds(struct http_client *c, const char *ep, const char *token,
    const char *role, struct creds *out, struct err *e)
{
	struct http_resp resp;
	struct buf path = BUF_INIT, src = BUF_INIT;
	json_object *o = NULL;
	const char *why, *code;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	buf_printf(&path, "%s%s", imds_creds_path, role);
	if (imds_send(c, "GET", ep, buf_str(&path), token, &resp, e) == -1) {
		err_prefix(e, "EC2 instance metadata");
		goto done;
	}
	if (resp.status != 200) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata %s%s: HTTP %ld", ep,
		    buf_str(&path), resp.status);
		goto done;
	}
	if ((o = jsonx_parse(resp.body.p, resp.body.len, &why)) == NULL) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata %s%s: not JSON: %s",
		    ep, buf_str(&path), why);
		goto done;
	}
	if ((code = jsonx_get_str(o, "Code", "Success")) != NULL &&
	    strcmp(code, "Success") != 0) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata: role %s: %s", role,
		    code);
		goto done;
	}
	buf_printf(&src, "EC2 instance metadata (role %s)", role);
	if (creds_json(o, "Token", out, "EC2 instance metadata", e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 1;
done:
	json_object_put(o);
	buf_free(&path);
	buf_free(&src);
	http_resp_free(&resp);
	return rc;
}

/*
 * EC2 instance metadata, IMDSv2: PUT /latest/api/token for a session
 * token, then GET .../iam/security-credentials/ for the role name and
 * .../ROLE for the keys. When the token PUT is refused (403, 404, 405: an
 * old or proxied metadata service) the GETs go without a token (IMDSv1),
 * unless AWS_EC2_METADATA_V1_DISABLED says not to.
 */
int
creds_src_imds(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	struct http_client *c;
	char *ep, *token = NULL, *role = NULL;
	int rc = -1;

	if (is_true(creds_env("AWS_EC2_METADATA_DISABLED"))) {
		creds_tried_add(tried, "EC2 instance metadata (disabled by "
		    "AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	if ((ep = imds_endpoint()) == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	if ((c = creds_http(p, 1, e)) != NULL &&
	    (rc = imds_role(p, c, ep, &token, &role, tried, e)) == 1)
		rc = imds_creds(c, ep, token, role, out, e);
	free(ep);
	creds_free_str(token);
	free(role);
	return rc;
}
