/*
 * fuzz_creds: the shared credentials and config files (the INI parser of
 * lib/creds_ini.c), through creds_provider_new, creds_get and creds_region,
 * with every source that reaches the network or runs a program off:
 * no keys in the environment, AWS_EC2_METADATA_DISABLED=true, no
 * container variables, and STS at an endpoint whose scheme curl refuses
 * at once, so that a role_arn fails without a packet sent.
 *
 * Input: one byte of options (bit 0: name the profile in the config, as
 * credential_profile_name; bit 1: in AWS_PROFILE), then the profile
 * name, the credentials file and the config file, separated by NUL
 * bytes. The keys credential_process and web_identity_token_file are
 * renamed before the files are written (a program to run, a file to
 * read), whatever their case.
 *
 * Checks: a failure has an exit code of the table (2 or 4, 1 for a
 * refused STS call) and a message; credentials found have a key id, a
 * secret that log_redact hides, and a source; asking again gives the
 * same credentials (they do not expire); a region found is not empty.
 */
#include <ctype.h>
#include <stdint.h>
#include <strings.h>

#include "creds.h"
#include "err.h"
#include "fuzz.h"
#include "log.h"

static int fd_cred = -1, fd_conf = -1;
static char path_cred[64], path_conf[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const unset[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SECURITY_TOKEN",
		"AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "http_proxy", "https_proxy",
		"HTTPS_PROXY", "ALL_PROXY", "all_proxy", NULL
	};
	size_t i;

	for (i = 0; unset[i]; i++)
		unsetenv(unset[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ENDPOINT_URL_STS", "fuzz-no-network://sts", 1);
	setenv("AWS_ENDPOINT_URL", "fuzz-no-network://any", 1);
	fd_cred = fuzz_memfile("credentials", path_cred);
	fd_conf = fuzz_memfile("config", path_conf);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_cred, 1);
	setenv("AWS_CONFIG_FILE", path_conf, 1);
	log_set_level(LOG_ERROR);
	return 0;
}

/* Renames every key that would run a program or read a file. */
static void
defuse(char *s, size_t n)
{
	static const char *const keys[] = { "credential_process",
	    "web_identity_token_file", NULL };
	size_t i, k, m;

	for (k = 0; keys[k]; k++) {
		m = strlen(keys[k]);
		for (i = 0; i + m <= n; i++)
			if (strncasecmp(s + i, keys[k], m) == 0)
				s[i] = 'X';
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct creds_opts o;
	struct creds_provider *p;
	const struct creds *c, *c2;
	struct err e = ERR_INIT;
	uint8_t opt = fuzz_byte(&in);
	char *name, *cred, *conf, *red, *region;
	size_t ncred, nconf;

	name = fuzz_field(&in, 0, NULL);
	cred = fuzz_field(&in, 0, &ncred);
	conf = fuzz_field(&in, 0, &nconf);
	defuse(cred, ncred);
	defuse(conf, nconf);
	fuzz_memfile_set(fd_cred, cred, ncred);
	fuzz_memfile_set(fd_conf, conf, nconf);
	if (opt & 2)
		setenv("AWS_PROFILE", name, 1);
	else
		unsetenv("AWS_PROFILE");
	memset(&o, 0, sizeof(o));
	if (opt & 1)
		o.profile = name;
	log_secrets_clear();

	if ((p = creds_provider_new(&o, &e)) == NULL)
		abort();
	if ((c = creds_get(p, &e)) == NULL) {
		FUZZ_ASSERT(e.code == EXIT_AUTH || e.code == EXIT_USAGE ||
		    e.code == EXIT_RUNTIME, "exit code %d: %s", e.code,
		    err_msg(&e));
		FUZZ_ASSERT(e.msg && *e.msg, "no message");
		err_clear(&e);
	} else {
		FUZZ_ASSERT(c->access_key_id && *c->access_key_id &&
		    c->secret_access_key && *c->secret_access_key && c->source,
		    "incomplete credentials");
		red = log_redact(c->secret_access_key);
		FUZZ_ASSERT(strlen(c->secret_access_key) < 4 ||
		    strstr(red, c->secret_access_key) == NULL,
		    "the secret is not registered");
		free(red);
		FUZZ_ASSERT(c->expires == 0, "keys from a file expire");
		FUZZ_ASSERT((c2 = creds_get(p, &e)) == c, "asked again: %s",
		    err_msg(&e));
	}
	creds_provider_free(p);

	if ((region = creds_region(&o, &e)) != NULL) {
		FUZZ_ASSERT(*region, "empty region");
		free(region);
	} else {
		FUZZ_ASSERT((e.code == EXIT_USAGE || e.code == EXIT_AUTH) &&
		    e.msg && *e.msg, "region: exit code %d: %s", e.code,
		    err_msg(&e));
	}
	err_clear(&e);
	free(name);
	free(cred);
	free(conf);
	return 0;
}
