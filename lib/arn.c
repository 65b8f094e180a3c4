#include <string.h>

#include "arn.h"

int
arn_account_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[12] == '\0';
}

/* Skips one ':'-ended field of s. Returns what follows it, or NULL. */
static const char *
field(const char *s)
{
	const char *c = strchr(s, ':');

	return c ? c + 1 : NULL;
}

int
arn_parse(const char *s, struct arn_group *out)
{
	const char *p, *acct, *g, *end;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "arn:", 4) != 0 || (p = field(s + 4)) == NULL ||
	    strncmp(p, "logs:", 5) != 0 || (acct = field(p + 5)) == NULL ||
	    (p = field(acct)) == NULL || p - acct != 13 ||
	    strncmp(p, "log-group:", 10) != 0)
		return -1;
	memcpy(out->account, acct, 12);
	if (!arn_account_ok(out->account))
		return -1;
	g = p + 10;
	end = g + strcspn(g, ":");
	if (end == g)
		return -1;
	out->group = g;
	out->glen = (size_t)(end - g);
	out->idlen = (size_t)(end - s);
	if (*end == '\0' || strcmp(end, ":*") == 0)
		return 0;
	if (strncmp(end, ":log-stream:", 12) != 0 || end[12] == '\0' ||
	    strpbrk(end + 12, ":*") != NULL)
		return -1;
	out->stream = end + 12;
	return 0;
}

int
arn_source_key(struct buf *b, const char *account, const char *group)
{
	if (account)
		return buf_printf(b, "%s:%s", account, group);
	return buf_adds(b, group);
}

int
arn_source_group_ok(const char *s)
{
	const char *c = strchr(s, ':');
	char account[13];

	if (c == NULL)
		return *s != '\0';
	if (c - s != 12 || c[1] == '\0' || strchr(c + 1, ':') != NULL)
		return 0;
	memcpy(account, s, 12);
	account[12] = '\0';
	return arn_account_ok(account);
}
