/*
 * fuzz_redact: the log redactor (log_secret, log_redact) on any secrets
 * and any text.
 *
 * Input: one byte, the number of secrets (low 3 bits), then the secrets
 * and the text, separated by NUL bytes.
 *
 * Checks: no registered secret is left in the output, once every
 * "[REDACTED]" it holds is taken out (a secret may be, or may be part
 * of, the marker itself, or be made of the marker and what follows it);
 * text that holds no secret, no name of a secret setting and no URL
 * with user information comes out unchanged. A redaction that never ends is caught by -timeout.
 */
#include <ctype.h>
#include <stdint.h>
#include <strings.h>

#include "fuzz.h"
#include "log.h"

#define MARK "[REDACTED]"

/* The names log.c redacts the values of; any of them in the text may
 * change it. */
static const char *const names[] = {
	"authorization", "x-amz-security-token", "x-amz-signature",
	"secret", "token", "password", "passwd", "api_key", "apikey",
	"key_passphrase", "x-aws-ec2-metadata-token", "secretaccesskey",
	"sessiontoken", NULL
};

static int
has_name(const char *s)
{
	size_t i, k, n;

	for (k = 0; names[k]; k++) {
		n = strlen(names[k]);
		for (i = 0; s[i]; i++)
			if (strncasecmp(s + i, names[k], n) == 0)
				return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *secrets[8], *text, *out;
	size_t nsec = fuzz_byte(&in) & 7, i, n, k;
	int plain;

	log_secrets_clear();
	for (i = 0; i < nsec; i++) {
		secrets[i] = fuzz_field(&in, 0, NULL);
		log_secret(secrets[i]);
	}
	text = fuzz_field(&in, 0, NULL);
	out = log_redact(text);
	FUZZ_ASSERT(out != NULL, "log_redact returned NULL");

	/* nor a URL, whose password ("scheme://user:PASS@host") goes */
	plain = !has_name(text) && !(strstr(text, "://") && strchr(text, '@'));
	for (i = 0; i < nsec; i++)
		if (strlen(secrets[i]) >= 4 && strstr(text, secrets[i]))
			plain = 0;
	if (plain)
		FUZZ_ASSERT(strcmp(out, text) == 0, "text with no secret changed: "
		    "'%s' became '%s'", text, out);

	/* take the markers out: cut the output at each one */
	n = strlen(out);
	for (k = 0; k + sizeof(MARK) - 1 <= n; k++)
		if (memcmp(out + k, MARK, sizeof(MARK) - 1) == 0) {
			memset(out + k, 0, sizeof(MARK) - 1);
			k += sizeof(MARK) - 2;
		}
	for (i = 0; i < nsec; i++) {
		/* log_secret ignores secrets shorter than 4 bytes */
		if (strlen(secrets[i]) >= 4)
			for (k = 0; k < n; k += strlen(out + k) + 1)
				FUZZ_ASSERT(strstr(out + k, secrets[i]) == NULL,
				    "secret %zu '%s' is in the output of '%s'", i,
				    secrets[i], text);
		free(secrets[i]);
	}
	free(text);
	free(out);
	return 0;
}
