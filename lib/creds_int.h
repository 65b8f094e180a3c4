/*
 * creds_int.h: what the files of the credentials module share and
 * nobody outside needs: the provider's state, a profile as an INI file
 * gives it, and the helpers the sources have in common. The public face
 * is creds.h. The files: creds.c (the chain, the provider, the region,
 * the config's and the environment's keys), creds_ini.c (the shared
 * config and credentials files: where they are, how they parse),
 * creds_profile.c (what a profile of those files gives), creds_sts.c
 * (AssumeRole, AssumeRoleWithWebIdentity), creds_imds.c (EC2 instance
 * metadata and the container endpoint), creds_process.c
 * (credential_process).
 */
#ifndef CWL_CREDS_INT_H
#define CWL_CREDS_INT_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"

struct creds_provider {
	struct creds_opts o;	/* strings copied */
	struct creds cur;
	int have;
	int warned_mode;	/* the credentials file mode warning, once */
	struct http_client *http;	/* STS and the container endpoint */
	struct http_client *imds;	/* instance metadata: short timeouts */
	char *sts_region;
	time_t quiet_until;	/* after a failed refresh, or one that gave
				   keys still near their end: no new try
				   before */
	char *imds_token;	/* the IMDSv2 session token in hand, or NULL */
	time_t imds_token_until;	/* renewed from then on */
};

/* One property of a profile. */
struct creds_kv {
	char *k;	/* lowercase */
	char *v;
};

/* The properties of one profile read from one file. */
struct creds_profile {
	struct creds_kv *kv;
	size_t n;
	int found;	/* the section exists */
};

/*
 * The sources of the chain. Each returns 1 with *out filled, 0 when it
 * has nothing (after appending what it looked at to tried), or -1 with
 * e set.
 */
int creds_env_keys(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e);
int creds_src_web_identity(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e);
int creds_src_profile(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e);
int creds_src_container(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e);
int creds_src_imds(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e);

/* creds.c: helpers of every source. */
/* Returns the variable's value, NULL when unset or empty (not a copy). */
const char *creds_env(const char *name);
/* Wipes and frees a string that may hold a secret; NULL is fine. */
void creds_free_str(const char *s);
/* Fills c with copies (c owns them); token may be NULL. Registers the
 * secrets. Returns 0, or -1 when out of memory (c cleared). */
int creds_fill(struct creds *c, const char *akid, const char *secret,
    const char *token, time_t expires, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Appends what a source looked at to tried, comma-separated. */
void creds_tried_add(struct buf *tried, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns p's HTTP client for STS and the container endpoint (imds 0) or
 * for instance metadata (imds 1), made when first asked for; owned by
 * p. NULL with e. */
struct http_client *creds_http(struct creds_provider *p, int imds,
    struct err *e);
/* Sends req, again after a network error or a 5xx, up to attempts times.
 * Returns 0 with *resp (any status, the caller frees), -1 with e. */
int creds_send_retry(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, int attempts, struct err *e);
/* Parses an ISO 8601 expiry. Returns 0 (*out = 0 when s is NULL or
 * empty) or -1 with e naming what. */
int creds_parse_expiry(const char *s, time_t *out, const char *what,
    struct err *e);
/* Fills out from a JSON credentials object of the container endpoint,
 * instance metadata or a credential process (the session token under
 * tok_key). Returns 0 or -1 with e naming what. */
int creds_json(json_object *o, const char *tok_key, struct creds *out,
    const char *what, struct err *e, const char *source);
/* Reads a token file (a web identity token, a container authorization
 * token): its content without surrounding blanks, malloc'd (the caller
 * wipes it with creds_free_str), registered as a secret. NULL with e. */
char *creds_read_token(const char *path, const char *what, struct err *e);

/* creds_ini.c: the shared files. */
/* The profile in use: the config's credential_profile_name, AWS_PROFILE,
 * else "default" (not a copy). *named says whether one was asked for. */
const char *creds_profile_name(const struct creds_opts *o, int *named);
/* Return the paths of the shared credentials file and of the config
 * file, "~" expanded, malloc'd; NULL when out of memory. */
char *creds_credentials_path(const struct creds_opts *o);
char *creds_config_path(void);
/* Reads profile name of the INI file at path (config: 1 for the config
 * file's naming of sections, 0 for the credentials file's) into *out,
 * which the caller clears with creds_ini_clear. Returns 1 when the file
 * was read (out->found says if the profile is in it), 0 when it does not
 * exist, -1 with e on a read or syntax error. */
int creds_ini_read(const char *path, int config, const char *name,
    struct creds_profile *out, struct err *e);
/* Returns the value of key k (lowercase) or NULL; owned by p. */
const char *creds_ini_get(const struct creds_profile *p, const char *k);
/* Wipes and frees what p holds. */
void creds_ini_clear(struct creds_profile *p);

/* creds_sts.c */
/* Assumes role arn with base (session, external_id and duration may be
 * NULL). Returns 0 with *out (its source says source), -1 with e. */
int creds_assume_role(struct creds_provider *p, const struct creds *base,
    const char *arn, const char *session, const char *external_id,
    const char *duration, const char *source, struct creds *out,
    struct err *e);
/* Assumes role arn with the web identity token in file (via: who named
 * it, for the source). Returns 0 with *out, -1 with e. */
int creds_web_identity(struct creds_provider *p, const char *file,
    const char *arn, const char *session, const char *via,
    struct creds *out, struct err *e);

/* creds_process.c */
/* Runs the credential_process cmd of profile. Returns 0 with *out, -1
 * with e. */
int creds_process(const char *profile, const char *cmd, struct creds *out,
    struct err *e);

#endif
