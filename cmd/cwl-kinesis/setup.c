/*
 * cwl-kinesis setup: puts the subscription filter that delivers each
 * configured log group to the stream (PutSubscriptionFilter, with the role
 * that CloudWatch Logs assumes to write to it), or prints the
 * account-level subscription filter policy to use instead.
 *
 * "You can use a subscription filter with Kinesis Data Streams ... Each
 * log group can have up to two subscription filters." The groups are
 * cloudwatchlogsbeat.kinesis.groups, else the prospectors' groupnames; a
 * name ending in '*' is a prefix, listed with DescribeLogGroups. Putting
 * a filter of the same name again replaces it, so setup can be run again.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonx.h"
#include "kinesis.h"
#include "log.h"

struct sub {
	const char *arn;	/* the stream's */
	const char *role;
	const char *name;	/* of the filter */
	const char *pattern;
	const char *distribution;
	int dry_run;
	struct buf out;
	int failed;		/* exit code of a group that failed, or 0 */
};

static int
call(const char *target, json_object *in, json_object **out, struct err *e)
{
	struct aws_error ae;
	int r;

	r = aws_json_call(K.aws, strncmp(target, "Logs_", 5) == 0 ? "logs" :
	    "kinesis", target, "1.1", in, out, &ae, e);
	aws_error_clear(&ae);
	return r;
}

/* The stream's ARN: as given, or from DescribeStreamSummary. */
static char *
stream_arn(const char *given, struct err *e)
{
	json_object *in, *out = NULL;
	const char *arn;
	char *r = NULL;

	if (strncmp(given, "arn:", 4) == 0)
		return strdup(given);
	in = json_object_new_object();
	json_object_object_add(in, "StreamName", json_object_new_string(K.stream));
	if (call("Kinesis_20131202.DescribeStreamSummary", in, &out, e) == 0) {
		arn = jsonx_get_str(jsonx_get(out, "StreamDescriptionSummary",
		    json_type_object), "StreamARN", NULL);
		if (arn == NULL)
			err_set(e, EXIT_RUNTIME, "DescribeStreamSummary %s: no "
			    "StreamARN in the answer", K.stream);
		else
			r = strdup(arn);
	} else {
		err_prefix(e, "stream %s", K.stream);
	}
	json_object_put(in);
	json_object_put(out);
	return r;
}

static void
put_filter(struct sub *s, const char *group)
{
	struct err e = ERR_INIT;
	json_object *in = json_object_new_object(), *out = NULL;

	json_object_object_add(in, "logGroupName", json_object_new_string(group));
	json_object_object_add(in, "filterName", json_object_new_string(s->name));
	json_object_object_add(in, "filterPattern",
	    json_object_new_string(s->pattern));
	json_object_object_add(in, "destinationArn",
	    json_object_new_string(s->arn));
	json_object_object_add(in, "roleArn", json_object_new_string(s->role));
	json_object_object_add(in, "distribution",
	    json_object_new_string(s->distribution));
	if (s->dry_run) {
		buf_printf(&s->out, "POST Logs_20140328.PutSubscriptionFilter\n%s\n",
		    json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (call("Logs_20140328.PutSubscriptionFilter", in, &out,
	    &e) == 0) {
		buf_printf(&s->out, "%s: subscription filter %s to %s: put\n",
		    group, s->name, s->arn);
	} else {
		/* the next groups are still tried; a refused permission
		 * would be refused for them all */
		log_error("%s: %s", group, err_msg(&e));
		if (e.code == EXIT_AUTH || s->failed != EXIT_AUTH)
			s->failed = e.code;
		if (e.code == EXIT_AUTH)
			K.stopping = 1;
	}
	cli_flush_stdout(&s->out);
	err_clear(&e);
	json_object_put(in);
	json_object_put(out);
}

/* Every group whose name starts with prefix (DescribeLogGroups). */
static int
each_prefixed(struct sub *s, const char *prefix, struct err *e)
{
	json_object *in, *out = NULL, *groups;
	const char *next = NULL;
	char *tok = NULL;
	size_t i, n, found = 0;

	do {
		in = json_object_new_object();
		if (*prefix)
			json_object_object_add(in, "logGroupNamePrefix",
			    json_object_new_string(prefix));
		if (tok)
			json_object_object_add(in, "nextToken",
			    json_object_new_string(tok));
		free(tok);
		tok = NULL;
		if (call("Logs_20140328.DescribeLogGroups", in, &out, e) == -1) {
			json_object_put(in);
			return err_prefix(e, "log groups %s*", prefix);
		}
		json_object_put(in);
		groups = jsonx_get(out, "logGroups", json_type_array);
		n = groups ? json_object_array_length(groups) : 0;
		for (i = 0; i < n && !K.stopping; i++) {
			const char *g = jsonx_get_str(json_object_array_get_idx(
			    groups, i), "logGroupName", NULL);

			if (g) {
				put_filter(s, g);
				found++;
			}
		}
		next = jsonx_get_str(out, "nextToken", NULL);
		if (next && (tok = strdup(next)) == NULL)
			log_oom();
		json_object_put(out);
		out = NULL;
	} while (tok && !K.stopping);
	if (found == 0)
		log_warn("log groups %s*: none", prefix);
	return 0;
}

/* The account-level policy that would cover every group instead. */
static void
account_policy(struct sub *s)
{
	json_object *doc = json_object_new_object();
	struct buf q = BUF_INIT;
	const char *p;

	json_object_object_add(doc, "DestinationArn", json_object_new_string(s->arn));
	json_object_object_add(doc, "RoleArn", json_object_new_string(s->role));
	json_object_object_add(doc, "FilterPattern",
	    json_object_new_string(s->pattern));
	json_object_object_add(doc, "Distribution",
	    json_object_new_string(s->distribution));
	/* the document single-quoted for the shell */
	for (p = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE); *p; p++)
		buf_adds(&q, *p == '\'' ? "'\\''" : (char[]){ *p, '\0' });
	buf_printf(&s->out, "# Instead of a filter on each group, one "
	    "account-level subscription filter policy covers every group of "
	    "the account\n# and region (PutAccountPolicy, policy type "
	    "SUBSCRIPTION_FILTER_POLICY):\n"
	    "aws logs put-account-policy --policy-name %s "
	    "--policy-type SUBSCRIPTION_FILTER_POLICY --scope ALL "
	    "--policy-document '%s'\n", s->name, buf_str(&q));
	cli_flush_stdout(&s->out);
	buf_free(&q);
	json_object_put(doc);
}

/* Subscribes each group of groups[0..n): a name, or a prefix ending in
 * '*'. */
static int
each_group(struct sub *s, const char *const *groups, size_t n,
    struct err *e)
{
	size_t i, len;
	char *pre;

	for (i = 0; i < n && !K.stopping; i++) {
		len = strlen(groups[i]);
		if (len == 0 || groups[i][len - 1] != '*') {
			put_filter(s, groups[i]);
			continue;
		}
		if ((pre = strndup(groups[i], len - 1)) == NULL)
			log_oom();
		if (each_prefixed(s, pre, e) == -1) {
			free(pre);
			return -1;
		}
		free(pre);
	}
	return 0;
}

int
setup_subscription(struct cli *cli, const char *given, int dry_run,
    int policy_only, struct err *e)
{
	struct cfg *c = cli->cfg;
	struct sub s;
	struct buf k = BUF_INIT;
	const char *const *groups;
	char *arn;
	size_t n, np, total, ngroups;

	memset(&s, 0, sizeof(s));
	s.dry_run = dry_run;
	if (cfg_str(c, "cloudwatchlogsbeat.kinesis.subscription.role_arn", NULL,
	    &s.role, e) == -1 ||
	    cfg_get_str(c, "cloudwatchlogsbeat.kinesis.subscription.filter_name",
	    &s.name, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.kinesis.subscription.filter_pattern",
	    "", &s.pattern, e) == -1 ||
	    cfg_get_str(c, "cloudwatchlogsbeat.kinesis.subscription.distribution",
	    &s.distribution, e) == -1)
		return -1;
	if (strcmp(s.distribution, "ByLogStream") != 0 &&
	    strcmp(s.distribution, "Random") != 0)
		return err_set(e, EXIT_USAGE, "%s: cloudwatchlogsbeat.kinesis."
		    "subscription.distribution: '%s' is not ByLogStream or "
		    "Random", cfg_where(c, "cloudwatchlogsbeat.kinesis."
		    "subscription.distribution"), s.distribution);
	if (s.role == NULL || *s.role == '\0')
		return err_set(e, EXIT_USAGE, "setup: no role for CloudWatch Logs "
		    "to write to the stream: set cloudwatchlogsbeat.kinesis."
		    "subscription.role_arn (docs/iam.md)");
	if ((arn = stream_arn(given, e)) == NULL)
		return -1;
	s.arn = arn;
	if (dry_run)
		log_info("dry run: the requests are printed, nothing is sent "
		    "but the reads that find the stream's ARN and the groups");
	if (policy_only) {
		account_policy(&s);
		goto out;
	}
	/* the groups: kinesis.groups, else every prospector's */
	if (cfg_strlist(c, "cloudwatchlogsbeat.kinesis.groups", &groups, &n,
	    e) == -1)
		goto fail;
	total = n;
	if (n > 0 && each_group(&s, groups, n, e) == -1)
		goto fail;
	for (np = 0; n == 0; np++) {
		/* no kinesis.groups: every prospector's groupnames */
		buf_reset(&k);
		buf_printf(&k, "cloudwatchlogsbeat.prospectors.%zu", np);
		if (cfg_node(c, buf_str(&k)) == NULL)
			break;
		buf_adds(&k, ".groupnames");
		if (cfg_strlist(c, buf_str(&k), &groups, &ngroups, e) == -1 ||
		    each_group(&s, groups, ngroups, e) == -1)
			goto fail;
		total += ngroups;
	}
	if (total == 0) {
		err_set(e, EXIT_USAGE, "setup: no log group to subscribe: set "
		    "cloudwatchlogsbeat.kinesis.groups (or prospectors)");
		goto fail;
	}
	if (dry_run)
		account_policy(&s);
out:
	buf_free(&s.out);
	buf_free(&k);
	free(arn);
	if (s.failed)
		return err_set(e, s.failed, "setup: some groups were not "
		    "subscribed");
	return 0;
fail:
	buf_free(&s.out);
	buf_free(&k);
	free(arn);
	return -1;
}
