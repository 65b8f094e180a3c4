/*
 * arn: the ARNs of log groups, by which a monitoring account of
 * CloudWatch cross-account observability reads the groups of its linked
 * source accounts: "If the log group is in a source account and you are
 * using a monitoring account, you must use the log group ARN" (the API
 * reference, logGroupIdentifier).
 *
 *   arn:PARTITION:logs:REGION:ACCOUNT:log-group:GROUP[:*]
 *   arn:PARTITION:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM
 *
 * DescribeLogGroups' "arn" ends with ":*"; logGroupIdentifier takes the
 * ARN without it. A group of another account is a source of its own,
 * "ACCOUNT:GROUP" (arn_source_key): a log group name cannot hold ':'.
 */
#ifndef CWL_ARN_H
#define CWL_ARN_H

#include <stddef.h>

#include "buf.h"

/* The parts of a log group or stream ARN, pointing into it. */
struct arn_group {
	char account[13];	/* 12 digits */
	const char *group;	/* the group's name, glen bytes */
	size_t glen;
	size_t idlen;		/* the ARN's first idlen bytes: the group's
				   ARN without ":*", for logGroupIdentifier */
	const char *stream;	/* after ":log-stream:", or NULL */
};

/* Returns 0 and fills *out if s is a log group ARN (with or without
 * ":*") or a log stream ARN, else -1. */
int arn_parse(const char *s, struct arn_group *out);
/* Returns 1 if s is an AWS account id: 12 digits. */
int arn_account_ok(const char *s);
/* Appends the source key of a group: GROUP, or ACCOUNT:GROUP when account
 * is not NULL (a linked source account's group). Returns 0 or -1. */
int arn_source_key(struct buf *b, const char *account, const char *group);
/* Returns 1 if s is the group of a source key: a log group name (not
 * empty, no ':'), or ACCOUNT:NAME with a 12-digit ACCOUNT. */
int arn_source_group_ok(const char *s);

#endif
