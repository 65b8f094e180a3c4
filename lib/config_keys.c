/*
 * The schema of the configuration: every key a program reads, its type
 * and what it does, one line each. cfg_validate checks files against it
 * and the reference in the documentation is printed from it
 * (cfg_schema_print). Adding a key is adding a line, in the section of
 * the program that reads it.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#define S CFG_STR
#define I CFG_INT
#define B CFG_BOOL
#define D CFG_DURATION
#define L CFG_STRLIST
#define F CFG_FLOAT
#define Z CFG_SIZE
#define M CFG_MAP
#define LIST CFG_LIST
#define ANY CFG_ANY
#define SECRET CFG_SECRET

/* TLS settings, the same for every output (libbeat's ssl.*). */
#define SSL_KEYS(p) \
	{ p ".ssl.enabled", B, "use TLS (on when any other ssl setting is given)" }, \
	{ p ".ssl.verification_mode", S, "full, strict, certificate or none (none: no checks, for tests only)" }, \
	{ p ".ssl.certificate_authorities", L, "CA certificate files (PEM) to trust instead of the system store" }, \
	{ p ".ssl.certificate", S, "client certificate file (PEM)" }, \
	{ p ".ssl.key", S, "client private key file (PEM)" }, \
	{ p ".ssl.key_passphrase", SECRET, "passphrase of the client key" }, \
	{ p ".ssl.supported_protocols", L, "TLS versions allowed: TLSv1.2, TLSv1.3" }, \
	{ p ".ssl.cipher_suites", L, "cipher suites allowed (OpenSSL names)" }, \
	{ p ".ssl.curve_types", L, "ECDHE curves allowed" }

/* What cwl-ship reads for every output: batching, buffering, retries. */
#define OUTPUT_KEYS(p) \
	{ p ".bulk_max_size", I, "most events in one batch" }, \
	{ p ".bulk_max_bytes", Z, "largest batch" }, \
	{ p ".max_buffer_bytes", Z, "most bytes of events held while waiting for the output" }, \
	{ p ".flush_interval", D, "longest wait before a partial batch is sent" }, \
	{ p ".max_retries", I, "retries of a failed batch before giving up (-1: forever)" }, \
	{ p ".backoff.init", D, "first delay after a failure" }, \
	{ p ".backoff.max", D, "longest delay after failures" }, \
	{ p ".max_line_bytes", Z, "largest event accepted; larger ones are set aside" }, \
	{ p ".dead_letter", S, "file where rejected events are set aside" }

const struct cfg_key cfg_keys[] = {
	/* cloudwatchlogsbeat: AWS access */
	{ "cloudwatchlogsbeat.aws_region", S, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)" },
	{ "cloudwatchlogsbeat.region", S, "the same as aws_region" },
	{ "cloudwatchlogsbeat.regions", L, "several regions, one pipeline each" },
	{ "cloudwatchlogsbeat.access_key_id", S, "AWS access key id (default: the SDKs' credential chain)" },
	{ "cloudwatchlogsbeat.secret_access_key", SECRET, "AWS secret access key" },
	{ "cloudwatchlogsbeat.session_token", SECRET, "AWS session token of temporary credentials" },
	{ "cloudwatchlogsbeat.credential_profile_name", S, "profile of the shared credentials file (default: AWS_PROFILE, default)" },
	{ "cloudwatchlogsbeat.shared_credential_file", S, "shared credentials file (default: ~/.aws/credentials)" },
	{ "cloudwatchlogsbeat.role_arn", S, "IAM role to assume with the credentials found" },
	{ "cloudwatchlogsbeat.endpoint", S, "CloudWatch Logs endpoint URL (default: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL)" },
	{ "cloudwatchlogsbeat.proxy_url", S, "HTTP proxy for AWS requests (default: https_proxy)" },
	{ "cloudwatchlogsbeat.api_timeout", D, "time limit of one AWS request" },
	{ "cloudwatchlogsbeat.retry.backoff", D, "first delay before retrying a throttled or failed AWS request" },
	{ "cloudwatchlogsbeat.retry.max_backoff", D, "longest delay between retries" },
	{ "cloudwatchlogsbeat.retry.max_attempts", I, "attempts of one AWS request before giving up (0: forever)" },
	{ "cloudwatchlogsbeat.request_budget.describe", F, "DescribeLogGroups and DescribeLogStreams calls per second" },
	{ "cloudwatchlogsbeat.request_budget.get_log_events", F, "GetLogEvents calls per second" },
	{ "cloudwatchlogsbeat.request_budget.filter_log_events", F, "FilterLogEvents calls per second" },
	{ "cloudwatchlogsbeat.request_budget.per_shard", B, "the budgets are each --shard instance's own, not the account's shared by the N instances (default false: each takes 1/N)" },

	/* cloudwatchlogsbeat: checkpoints */
	{ "cloudwatchlogsbeat.s3_bucket_name", S, "S3 bucket of the checkpoints (the original beat's registry)" },
	{ "cloudwatchlogsbeat.s3_key_prefix", S, "key prefix of the checkpoints in the bucket" },
	{ "cloudwatchlogsbeat.registry.url", S, "where checkpoints live: memory:, a file path, s3://bucket/prefix, dynamodb://table" },
	{ "cloudwatchlogsbeat.registry.flush_interval", D, "how often acknowledged positions are saved" },
	{ "cloudwatchlogsbeat.data_path", S, "directory of local state (default: path.data)" },

	/* cloudwatchlogsbeat: what to read, and how often */
	{ "cloudwatchlogsbeat.groupnames", L, "log groups to read: exact names, or prefixes ending in '*'" },
	{ "cloudwatchlogsbeat.group_refresh_frequency", D, "how often the list of log groups is refreshed" },
	{ "cloudwatchlogsbeat.stream_refresh_frequency", D, "how often the streams of a group are listed" },
	{ "cloudwatchlogsbeat.report_frequency", D, "how often counters are logged" },
	{ "cloudwatchlogsbeat.stream_event_refresh_frequency", D, "how often a stream is polled for new events" },
	{ "cloudwatchlogsbeat.hot_stream_event_refresh_frequency", D, "how often a hot stream (recent events) is polled" },
	{ "cloudwatchlogsbeat.stream_event_horizon", D, "streams without events for this long are polled less often" },
	{ "cloudwatchlogsbeat.hot_stream_event_horizon", D, "streams with events this recent are hot" },
	{ "cloudwatchlogsbeat.stream_last_event_horizon", D, "streams whose last event is older than this are not read" },
	{ "cloudwatchlogsbeat.latency", D, "how far behind now group-wide reads stay (following: at most; default 10s, else 0)" },
	{ "cloudwatchlogsbeat.max_event_delay", D, "following, every event ingested up to this long after its timestamp is written once (default 2m)" },
	{ "cloudwatchlogsbeat.start", S, "where a stream with no checkpoint starts: a time expression (now, 1h ago, ISO 8601)" },
	{ "cloudwatchlogsbeat.shard", S, "I/N: take only the streams whose hash falls in shard I of N" },
	{ "cloudwatchlogsbeat.grace_period", D, "how long a stop waits for the pipeline to drain" },
	{ "cloudwatchlogsbeat.shutdown_timeout", D, "on SIGTERM or SIGINT, how long cwl-ship goes on delivering the events it holds before it exits 1 without acking them" },
	{ "cloudwatchlogsbeat.restart.backoff", D, "first delay before a failed pipeline is started again" },
	{ "cloudwatchlogsbeat.restart.max_backoff", D, "longest delay between restarts of a failed pipeline" },
	{ "cloudwatchlogsbeat.metrics.textfile", S, "file the wrapper replaces with its counters in the Prometheus text format every report_frequency, for node_exporter's textfile collector (a name ending in .prom; default: none, no metrics)" },
	{ "cloudwatchlogsbeat.max_line_bytes", Z, "longest event line; longer messages are truncated" },
	{ "cloudwatchlogsbeat.dead_letter", S, "file where rejected input lines are set aside" },

	/* cloudwatchlogsbeat.kinesis: cwl-kinesis */
	{ "cloudwatchlogsbeat.kinesis.stream", S, "Kinesis data stream (name or ARN) that subscription filters deliver to; read instead of polling" },
	{ "cloudwatchlogsbeat.kinesis.region", S, "region of the stream (default: the ARN's, else the region)" },
	{ "cloudwatchlogsbeat.kinesis.groups", L, "log groups kept: exact names, or prefixes ending in '*' (default: all)" },
	{ "cloudwatchlogsbeat.kinesis.start", S, "where a shard with no checkpoint starts: a time expression (default: its oldest record)" },
	{ "cloudwatchlogsbeat.kinesis.poll_frequency", D, "how often a shard at its tip is read again" },
	{ "cloudwatchlogsbeat.kinesis.shard_refresh_frequency", D, "how often the shards are listed again when following" },
	{ "cloudwatchlogsbeat.kinesis.limit", I, "records per GetRecords (default: the API's, 10000)" },
	{ "cloudwatchlogsbeat.kinesis.dead_letter", S, "file where records that are not CloudWatch Logs' are set aside" },
	{ "cloudwatchlogsbeat.kinesis.lease_url", S, "registry (s3:// or dynamodb://) where instances sharing the stream hold a lease per shard" },
	{ "cloudwatchlogsbeat.kinesis.lease_timeout", D, "a shard's lease not renewed for this long is taken over by another instance" },
	{ "cloudwatchlogsbeat.kinesis.lease_owner", S, "this instance's name in the leases (default: HOST:PID)" },
	{ "cloudwatchlogsbeat.kinesis.subscription.role_arn", S, "IAM role CloudWatch Logs assumes to write to the stream (setup subscription)" },
	{ "cloudwatchlogsbeat.kinesis.subscription.filter_name", S, "name of the subscription filters setup puts" },
	{ "cloudwatchlogsbeat.kinesis.subscription.filter_pattern", S, "filter pattern of the subscription filters (default: every event)" },
	{ "cloudwatchlogsbeat.kinesis.subscription.distribution", S, "ByLogStream or Random: how the events of a group spread over the shards" },

	/* cloudwatchlogsbeat.accounts: a list of objects */
	{ "cloudwatchlogsbeat.accounts", LIST, "several AWS accounts: the wrapper runs one pipeline per account and region" },
	{ "cloudwatchlogsbeat.accounts[].name", S, "name of the account in logs, reports, checkpoints and events' fields.account (letters, digits, '.', '_', '-')" },
	{ "cloudwatchlogsbeat.accounts[].credential_profile_name", S, "profile of the shared files with this account's credentials" },
	{ "cloudwatchlogsbeat.accounts[].role_arn", S, "IAM role of this account to assume with the credentials found" },
	{ "cloudwatchlogsbeat.accounts[].endpoint", S, "CloudWatch Logs endpoint URL for this account" },
	{ "cloudwatchlogsbeat.accounts[].regions", L, "regions of this account (default: regions, or the one region)" },

	/* cloudwatchlogsbeat.prospectors: a list of objects */
	{ "cloudwatchlogsbeat.prospectors", LIST, "groups of log groups read with the same settings" },
	{ "cloudwatchlogsbeat.prospectors[].id", S, "name of the prospector, kept in every event" },
	{ "cloudwatchlogsbeat.prospectors[].groupnames", L, "log groups: exact names, or prefixes ending in '*'" },
	{ "cloudwatchlogsbeat.prospectors[].stream_prefix", S, "read only the streams whose name starts with this" },
	{ "cloudwatchlogsbeat.prospectors[].filter_pattern", S, "CloudWatch Logs filter pattern (reads with FilterLogEvents)" },
	{ "cloudwatchlogsbeat.prospectors[].mode", S, "streams (GetLogEvents per stream) or group (FilterLogEvents)" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.pattern", S, "regular expression (POSIX ERE, also \\d \\s \\w) of the lines that start or continue an event" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.negate", B, "match the lines that do not match pattern" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.match", S, "after or before: where matching lines join" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.max_lines", I, "most lines joined into one event" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.timeout", D, "an unfinished event is sent after this long" },
	{ "cloudwatchlogsbeat.prospectors[].fields", M, "fields added to every event" },
	{ "cloudwatchlogsbeat.prospectors[].fields_under_root", B, "put fields at the top of the event instead of under fields" },
	{ "cloudwatchlogsbeat.prospectors[].vpc_flow_log", B, "parse messages as VPC flow log records" },
	{ "cloudwatchlogsbeat.prospectors[].include_linked_accounts", B, "also the groups of the source accounts linked to this monitoring account (CloudWatch cross-account observability)" },
	{ "cloudwatchlogsbeat.prospectors[].account_ids", L, "with include_linked_accounts: only these accounts' groups (12-digit ids, at most 20)" },

	/* output.elasticsearch */
	{ "output.elasticsearch.enabled", B, "ship to Elasticsearch" },
	{ "output.elasticsearch.hosts", L, "Elasticsearch URLs (scheme and port default to http and 9200)" },
	{ "output.elasticsearch.protocol", S, "http or https, for hosts given without a scheme" },
	{ "output.elasticsearch.path", S, "HTTP path prefix of the API" },
	{ "output.elasticsearch.username", S, "basic authentication user" },
	{ "output.elasticsearch.password", SECRET, "basic authentication password" },
	{ "output.elasticsearch.api_key", SECRET, "API key as id:key" },
	{ "output.elasticsearch.bearer_token", SECRET, "bearer token for the Authorization header" },
	{ "output.elasticsearch.headers", M, "HTTP headers added to every request" },
	{ "output.elasticsearch.parameters", M, "URL parameters added to every bulk request" },
	{ "output.elasticsearch.index", S, "index name, with %{+yyyy.MM.dd} date patterns" },
	{ "output.elasticsearch.pipeline", S, "ingest pipeline" },
	{ "output.elasticsearch.op_type", S, "create or index" },
	{ "output.elasticsearch.worker", I, "bulk requests in flight per host" },
	{ "output.elasticsearch.workers", I, "the same as worker" },
	{ "output.elasticsearch.compression_level", I, "gzip level of request bodies (0: none)" },
	{ "output.elasticsearch.timeout", D, "time limit of one HTTP request" },
	{ "output.elasticsearch.proxy_url", S, "HTTP proxy" },
	OUTPUT_KEYS("output.elasticsearch"),
	SSL_KEYS("output.elasticsearch"),
	{ "output.elasticsearch.aws_auth.enabled", B, "sign requests with SigV4 (Amazon OpenSearch Service)" },
	{ "output.elasticsearch.aws_auth.service", S, "SigV4 service name: es or aoss" },
	{ "output.elasticsearch.aws_auth.region", S, "SigV4 region (default: the AWS region)" },
	{ "output.elasticsearch.template.enabled", B, "install the index template" },
	{ "output.elasticsearch.template.name", S, "name of the index template" },
	{ "output.elasticsearch.template.path", S, "file of the index template" },
	{ "output.elasticsearch.template.overwrite", B, "replace an existing template" },
	{ "output.elasticsearch.template.versions", ANY, "per-version template settings of the original beat" },

	/* output.logstash */
	{ "output.logstash.enabled", B, "ship to Logstash (beats input, lumberjack v2)" },
	{ "output.logstash.hosts", L, "Logstash host:port (port default 5044)" },
	{ "output.logstash.worker", I, "connections per host" },
	{ "output.logstash.workers", I, "the same as worker" },
	{ "output.logstash.compression_level", I, "zlib level of batches (0: none)" },
	{ "output.logstash.loadbalance", B, "spread batches over all hosts" },
	{ "output.logstash.pipelining", I, "batches in flight per connection" },
	{ "output.logstash.index", S, "the @metadata.beat value Logstash sees" },
	{ "output.logstash.timeout", D, "time limit for an acknowledgement" },
	{ "output.logstash.ttl", D, "a connection is opened anew after this long" },
	{ "output.logstash.slow_start", B, "start with small batches and grow them" },
	{ "output.logstash.proxy_url", S, "SOCKS5 proxy URL" },
	{ "output.logstash.proxy_use_local_resolver", B, "resolve host names here rather than at the proxy" },
	OUTPUT_KEYS("output.logstash"),
	SSL_KEYS("output.logstash"),

	/* output.file, output.console */
	{ "output.file.enabled", B, "write events to files" },
	{ "output.file.path", S, "directory of the files" },
	{ "output.file.filename", S, "base name of the files" },
	{ "output.file.rotate_every_kb", I, "size of a file before it is rotated, in KB" },
	{ "output.file.number_of_files", I, "files kept" },
	{ "output.file.permissions", S, "mode of the files, in octal" },
	{ "output.file.codec", ANY, "how events are written (json, format)" },
	{ "output.file.bulk_max_bytes", Z, "largest batch" },
	{ "output.file.max_buffer_bytes", Z, "most bytes of events held while waiting for the output" },
	{ "output.file.flush_interval", D, "longest wait before a partial batch is written" },
	{ "output.file.max_retries", I, "retries of a failed write before giving up (-1: forever)" },
	{ "output.file.backoff.init", D, "first delay after a failure" },
	{ "output.file.backoff.max", D, "longest delay after failures" },
	{ "output.console.enabled", B, "write events to stdout" },
	{ "output.console.pretty", B, "indent the JSON" },
	{ "output.console.codec", ANY, "how events are written (json, format)" },
	{ "output.console.bulk_max_bytes", Z, "largest batch" },
	{ "output.console.max_buffer_bytes", Z, "most bytes of events held while waiting for the output" },
	{ "output.console.flush_interval", D, "longest wait before a partial batch is written" },
	{ "output.console.max_retries", I, "retries of a failed write before giving up (-1: forever)" },
	{ "output.console.backoff.init", D, "first delay after a failure" },
	{ "output.console.backoff.max", D, "longest delay after failures" },

	/* cwl-ship: more keys of its outputs */
	{ "output.logstash.ssl.server_name", S, "name the server's certificate must carry, and the TLS SNI (default: the host)" },
	{ "output.file.rotate_on_startup", B, "start a new file at startup" },
	{ "output.file.bulk_max_size", I, "most events written and synced at once" },
	{ "output.file.dead_letter", S, "file where rejected events are set aside" },
	{ "output.file.max_line_bytes", Z, "largest event accepted; larger ones are set aside" },
	{ "output.console.bulk_max_size", I, "most events written at once" },
	{ "output.console.dead_letter", S, "file where rejected events are set aside" },
	{ "output.console.max_line_bytes", Z, "largest event accepted; larger ones are set aside" },

	/* logging */
	{ "logging.level", S, "error, warning (the default), info or debug; -v, -q and -d win" },
	{ "logging.selectors", L, "debug selectors with logging.level debug: http, sigv4, aws, config, registry, ship, tail, list, beat, or * (the default)" },
	{ "logging.to_stderr", B, "log to stderr (always so)" },
	{ "logging.to_files", B, "log to files (accepted, not used: logs go to stderr)" },
	{ "logging.to_syslog", B, "log to syslog (accepted, not used: logs go to stderr)" },
	{ "logging.files", ANY, "log file settings (accepted, not used)" },
	{ "logging.metrics.enabled", B, "log counters periodically" },
	{ "logging.metrics.period", D, "how often counters are logged" },
	{ "logging.json", B, "log lines as JSON (accepted, not used)" },

	/* libbeat's general settings, accepted for compatibility */
	{ "queue", ANY, "libbeat's queue settings (accepted, not used)" },
	{ "path.home", S, "home directory (default: the directory of the config file)" },
	{ "path.config", S, "directory of the config file" },
	{ "path.data", S, "directory of local state (default: path.home/data)" },
	{ "path.logs", S, "directory of log files (default: path.home/logs)" },
	{ "name", S, "name of this shipper (default: the host name)" },
	{ "tags", L, "tags added to every event" },
	{ "fields", M, "fields added to every event" },
	{ "fields_under_root", B, "put fields at the top of the event instead of under fields" },
	{ "processors", ANY, "libbeat processors (accepted, not used)" },
	{ "max_procs", I, "libbeat's CPU limit (accepted, not used)" },
	{ "queue_size", I, "libbeat's queue size (accepted, not used)" },
	{ "bulk_queue_size", I, "libbeat's bulk queue size (accepted, not used)" },

	/* cwl-ship setup: the index template, the lifecycle policy */
	{ "setup.template.enabled", B, "install the index template with cwl-ship setup (default true)" },
	{ "setup.template.name", S, "name of the index template (default cloudwatchlogsbeat)" },
	{ "setup.template.pattern", S, "index pattern of the template (default: the index up to its first %{, and *)" },
	{ "setup.template.overwrite", B, "replace an existing template that differs" },
	{ "setup.template.priority", I, "priority of the composable template (default 150)" },
	{ "setup.template.settings.index.number_of_shards", I, "primary shards of new indices (default 1)" },
	{ "setup.template.settings.index.number_of_replicas", I, "replicas of new indices (default: the cluster's)" },
	{ "setup.ilm.enabled", B, "install the lifecycle policy and name it in the template" },
	{ "setup.ilm.policy_name", S, "name of the lifecycle policy (default cloudwatchlogsbeat)" },
	{ "setup.ilm.policy_file", S, "JSON file of the lifecycle policy, instead of the built-in one" },
	{ "setup.ilm.rollover_alias", S, "write alias of rolled-over indices; setup creates its first index" },
	{ "setup.ilm.delete_after", D, "delete indices this long after rollover (default: never)" },
	{ "setup.ilm.overwrite", B, "replace an existing policy that differs" },
	/* end of cwl-ship setup */

	{ NULL, ANY, NULL }
};

const char *
cfg_type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_STR:
		return "string";
	case CFG_INT:
		return "integer";
	case CFG_BOOL:
		return "boolean";
	case CFG_DURATION:
		return "duration";
	case CFG_STRLIST:
		return "list of strings";
	case CFG_FLOAT:
		return "number";
	case CFG_SIZE:
		return "size";
	case CFG_MAP:
		return "mapping";
	case CFG_LIST:
		return "list of objects";
	case CFG_ANY:
		return "any";
	case CFG_SECRET:
		return "secret";
	}
	return "any";
}

const struct cfg_key *
cfg_schema_find(const char *key)
{
	const struct cfg_key *k;

	for (k = cfg_keys; k->key; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

void
cfg_schema_print(FILE *f)
{
	const struct cfg_key *k;

	for (k = cfg_keys; k->key; k++)
		fprintf(f, "%s\t%s\t%s\n", k->key, cfg_type_name(k->type),
		    k->desc);
}
