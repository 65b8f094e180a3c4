/*
 * fuzz_creds_process: what a credential_process writes, read by
 * lib/creds_process.c through creds_get: the profile's command is "cat" of a
 * file that holds the input, so each run forks (a few hundred runs a
 * second).
 *
 * Input: one byte, the way the command answers (0: on stdout, exit 0;
 * 1: on stderr, exit 1; 2: on stdout, exit 2), then its output.
 *
 * Checks: a failure is EXIT_AUTH naming the profile's credential_process
 * with a message on one line; credentials have a key id, a secret and a
 * token (if any) that log_redact hides, and say where they came from.
 */
#include <stdint.h>

#include "creds.h"
#include "err.h"
#include "fuzz.h"
#include "log.h"

static int fd_conf = -1, fd_out = -1;
static char path_conf[64], path_out[4096];

static void
cleanup(void)
{
	if (path_out[0])
		unlink(path_out);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const unset[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SECURITY_TOKEN",
		"AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL
	};
	const char *tmp = getenv("TMPDIR");
	size_t i;
	int n;

	for (i = 0; unset[i]; i++)
		unsetenv(unset[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	n = snprintf(path_out, sizeof(path_out), "%s/cwl-fuzz-process.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(path_out) ||
	    (fd_out = mkstemp(path_out)) == -1) {
		perror("fuzz: mkstemp");
		abort();
	}
	atexit(cleanup);
	fd_conf = fuzz_memfile("config", path_conf);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_CONFIG_FILE", path_conf, 1);
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const how[] = {
		"exec cat '%s'", "cat '%s' >&2; exit 1", "cat '%s'; exit 2"
	};
	struct fuzz_in in = { data, size };
	struct creds_opts o;
	struct creds_provider *p;
	const struct creds *c;
	struct err e = ERR_INIT;
	char conf[4200], *red;
	int mode = fuzz_byte(&in) % 3, n;

	fuzz_memfile_set(fd_out, in.p, in.n);
	n = snprintf(conf, sizeof(conf), "[default]\ncredential_process = ");
	n += snprintf(conf + n, sizeof(conf) - (size_t)n, how[mode], path_out);
	n += snprintf(conf + n, sizeof(conf) - (size_t)n, "\n");
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(conf), "config too long");
	fuzz_memfile_set(fd_conf, conf, (size_t)n);
	log_secrets_clear();
	memset(&o, 0, sizeof(o));

	if ((p = creds_provider_new(&o, &e)) == NULL)
		abort();
	if ((c = creds_get(p, &e)) == NULL) {
		FUZZ_ASSERT(e.code == EXIT_AUTH, "exit code %d: %s", e.code,
		    err_msg(&e));
		FUZZ_ASSERT(strncmp(err_msg(&e), "credential_process of profile "
		    "default: ", 39) == 0, "message '%s'", err_msg(&e));
		FUZZ_ASSERT(strchr(err_msg(&e), '\n') == NULL, "message of "
		    "several lines: '%s'", err_msg(&e));
		FUZZ_ASSERT(mode == 0 || strstr(err_msg(&e), mode == 1 ?
		    "exited with 1" : "exited with 2"), "exit status not said: "
		    "'%s'", err_msg(&e));
		err_clear(&e);
	} else {
		FUZZ_ASSERT(mode == 0, "credentials from a failed process");
		FUZZ_ASSERT(c->access_key_id && *c->access_key_id &&
		    c->secret_access_key && *c->secret_access_key,
		    "incomplete credentials");
		FUZZ_ASSERT(c->source && strcmp(c->source, "profile default "
		    "(credential_process)") == 0, "source '%s'", c->source);
		red = log_redact(c->secret_access_key);
		FUZZ_ASSERT(strlen(c->secret_access_key) < 4 ||
		    strstr(red, c->secret_access_key) == NULL,
		    "the secret is not registered");
		free(red);
		if (c->session_token) {
			red = log_redact(c->session_token);
			FUZZ_ASSERT(strlen(c->session_token) < 4 ||
			    strstr(red, c->session_token) == NULL,
			    "the token is not registered");
			free(red);
		}
	}
	creds_provider_free(p);
	return 0;
}
