/*
 * creds: AWS credentials and region, resolved as the AWS SDKs do. The
 * chain, in order: explicit keys from the config (access_key_id,
 * secret_access_key, session_token); the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); web identity
 * (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); the shared files for
 * AWS_PROFILE or credential_profile_name (AWS_SHARED_CREDENTIALS_FILE,
 * AWS_CONFIG_FILE, "[profile x]" sections in the config file), including
 * role_arn with source_profile or credential_source, and
 * credential_process; the ECS container endpoint; EC2 instance metadata
 * (IMDSv2). A profile named in the config (credential_profile_name)
 * skips the environment's keys, as a profile given to an SDK client
 * does; AWS_PROFILE does not. The config's role_arn is assumed with
 * whatever the chain found. Every secret found is registered with
 * log_secret().
 */
#ifndef CWL_CREDS_H
#define CWL_CREDS_H

#include <stdint.h>
#include <time.h>

#include "err.h"

struct creds {
	char *access_key_id;	/* all owned by the struct */
	char *secret_access_key;
	char *session_token;	/* NULL if none */
	time_t expires;		/* 0: never */
	char *source;		/* where they came from: "environment",
				   "profile default (~/.aws/credentials)", ... */
};

/* What the config may say; every field may be NULL. */
struct creds_opts {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
	const char *profile;		/* credential_profile_name */
	const char *shared_credential_file;
	const char *role_arn;		/* assume this role with what the chain found */
	const char *region;		/* from the config (aws_region / region) */
	const char *endpoint;		/* the config's endpoint, for STS (see
					   aws_endpoint); aws_new fills it */
};

struct creds_provider;

/* Returns a provider, owned by the caller; nothing is resolved yet. */
struct creds_provider *creds_provider_new(const struct creds_opts *o,
    struct err *e);
void creds_provider_free(struct creds_provider *p);
/* Returns the current credentials (owned by p, valid until the next call),
 * resolving or refreshing them when they expire within a few minutes.
 * A refresh that fails keeps the old ones while they are valid and logs a
 * warning. NULL with e set (EXIT_AUTH, naming the sources tried) when
 * none can be found. */
const struct creds *creds_get(struct creds_provider *p, struct err *e);
/* Forgets cached credentials (after the service refused them). */
void creds_invalidate(struct creds_provider *p);

/* Resolves the region: opts region, AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's region in the config file. Returns a malloc'd string owned by
 * the caller, or NULL with e set (EXIT_USAGE). */
char *creds_region(const struct creds_opts *o, struct err *e);

void creds_clear(struct creds *c);

#endif
