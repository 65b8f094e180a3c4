/*
 * The schema of the configuration: every key a program reads, its type
 * and what it does, and its default, one line each. cfg_validate checks
 * files against it, the cfg_get_* getters and --config-value take the
 * defaults from it, and the reference in the documentation is printed
 * from it (cfg_schema_print). Adding a key is adding a line, in the
 * section of the program that reads it. The default is the fourth
 * field, written as in the file; a key without one has none, or one
 * that depends on the mode or on other keys, which its description
 * says.
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
	{ p ".ssl.enabled", B, "use TLS (on when any other ssl setting is given)", NULL }, \
	{ p ".ssl.verification_mode", S, "full, strict, certificate or none (none: no checks, for tests only)", "full" }, \
	{ p ".ssl.certificate_authorities", L, "CA certificate files (PEM) to trust instead of the system store", NULL }, \
	{ p ".ssl.certificate", S, "client certificate file (PEM)", NULL }, \
	{ p ".ssl.key", S, "client private key file (PEM)", NULL }, \
	{ p ".ssl.key_passphrase", SECRET, "passphrase of the client key", NULL }, \
	{ p ".ssl.supported_protocols", L, "TLS versions allowed: TLSv1.2, TLSv1.3", NULL }, \
	{ p ".ssl.cipher_suites", L, "cipher suites allowed (OpenSSL names)", NULL }, \
	{ p ".ssl.curve_types", L, "ECDHE curves allowed", NULL }

/* What cwl-ship reads for every output: batching, buffering, retries.
 * bulk is the output's default batch size. */
#define OUTPUT_KEYS(p, bulk) \
	{ p ".bulk_max_size", I, "most events in one batch (0 or less: the default)", bulk }, \
	{ p ".bulk_max_bytes", Z, "largest batch", "10MiB" }, \
	{ p ".max_buffer_bytes", Z, "most bytes of events held while waiting for the output", "64MiB" }, \
	{ p ".flush_interval", D, "longest wait before a partial batch is sent", "1s" }, \
	{ p ".max_retries", I, "retries of a failed batch before giving up (-1: forever)", "-1" }, \
	{ p ".backoff.init", D, "first delay after a failure", "1s" }, \
	{ p ".backoff.max", D, "longest delay after failures", "1m" }, \
	{ p ".max_line_bytes", Z, "largest event accepted; larger ones are set aside", "10MiB" }, \
	{ p ".dead_letter", S, "file where rejected events are set aside", NULL }

const struct cfg_key cfg_keys[] = {
	/* cloudwatchlogsbeat: AWS access */
	{ "cloudwatchlogsbeat.aws_region", S, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)", NULL },
	{ "cloudwatchlogsbeat.region", S, "the same as aws_region", NULL },
	{ "cloudwatchlogsbeat.regions", L, "several regions, one pipeline each", NULL },
	{ "cloudwatchlogsbeat.access_key_id", S, "AWS access key id (default: the SDKs' credential chain)", NULL },
	{ "cloudwatchlogsbeat.secret_access_key", SECRET, "AWS secret access key", NULL },
	{ "cloudwatchlogsbeat.session_token", SECRET, "AWS session token of temporary credentials", NULL },
	{ "cloudwatchlogsbeat.credential_profile_name", S, "profile of the shared credentials file (default: AWS_PROFILE, default)", NULL },
	{ "cloudwatchlogsbeat.shared_credential_file", S, "shared credentials file (default: ~/.aws/credentials)", NULL },
	{ "cloudwatchlogsbeat.role_arn", S, "IAM role to assume with the credentials found", NULL },
	{ "cloudwatchlogsbeat.endpoint", S, "CloudWatch Logs endpoint URL (default: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL)", NULL },
	{ "cloudwatchlogsbeat.proxy_url", S, "HTTP proxy for AWS requests (default: https_proxy)", NULL },
	{ "cloudwatchlogsbeat.api_timeout", D, "time limit of one AWS request", "30s" },
	{ "cloudwatchlogsbeat.retry.backoff", D, "first delay before retrying a throttled or failed AWS request", "100ms" },
	{ "cloudwatchlogsbeat.retry.max_backoff", D, "longest delay between retries", "20s" },
	{ "cloudwatchlogsbeat.retry.max_attempts", I, "attempts of one AWS request before giving up (0: forever)", "10" },
	{ "cloudwatchlogsbeat.request_budget.describe", F, "DescribeLogGroups and DescribeLogStreams calls per second", "4" },
	{ "cloudwatchlogsbeat.request_budget.get_log_events", F, "GetLogEvents calls per second", "10" },
	{ "cloudwatchlogsbeat.request_budget.filter_log_events", F, "FilterLogEvents calls per second", "2" },
	{ "cloudwatchlogsbeat.request_budget.per_shard", B, "the budgets are each --shard instance's own, not the account's shared by the N instances (false: each takes 1/N)", "false" },

	/* cloudwatchlogsbeat: checkpoints */
	{ "cloudwatchlogsbeat.s3_bucket_name", S, "S3 bucket of the checkpoints (the original beat's registry)", NULL },
	{ "cloudwatchlogsbeat.s3_key_prefix", S, "key prefix of the checkpoints in the bucket", NULL },
	{ "cloudwatchlogsbeat.registry.url", S, "where checkpoints live: memory:, a file path, s3://bucket/prefix, dynamodb://table", NULL },
	{ "cloudwatchlogsbeat.registry.flush_interval", D, "how often acknowledged positions are saved", "5s" },
	{ "cloudwatchlogsbeat.data_path", S, "directory of local state (default: path.data)", NULL },

	/* cloudwatchlogsbeat: what to read, and how often */
	{ "cloudwatchlogsbeat.groupnames", L, "log groups to read: exact names, or prefixes ending in '*'", NULL },
	{ "cloudwatchlogsbeat.group_refresh_frequency", D, "how often the list of log groups is refreshed", "1m" },
	{ "cloudwatchlogsbeat.stream_refresh_frequency", D, "how often the streams of a group are listed", "20s" },
	{ "cloudwatchlogsbeat.report_frequency", D, "how often counters are reported: the wrapper's report and metrics file; cwl-ship logs its own counters every report_frequency when it is set, else every logging.metrics.period", "5m" },
	{ "cloudwatchlogsbeat.stream_event_refresh_frequency", D, "how often a stream is polled for new events", "5s" },
	{ "cloudwatchlogsbeat.hot_stream_event_refresh_frequency", D, "how often a hot stream (recent events) is polled", "1s" },
	{ "cloudwatchlogsbeat.stream_event_horizon", D, "streams without events for this long are polled less often", "10m" },
	{ "cloudwatchlogsbeat.hot_stream_event_horizon", D, "streams with events this recent are hot", "1m" },
	{ "cloudwatchlogsbeat.stream_last_event_horizon", D, "streams whose last event is older than this are not read", NULL },
	{ "cloudwatchlogsbeat.latency", D, "how far behind now group-wide reads stay (following: at most; default 10s, else 0)", NULL },
	{ "cloudwatchlogsbeat.max_event_delay", D, "following, every event ingested up to this long after its timestamp is written once", "2m" },
	{ "cloudwatchlogsbeat.start", S, "where a stream with no checkpoint starts: a time expression (now, 1h ago, ISO 8601)", NULL },
	{ "cloudwatchlogsbeat.shard", S, "I/N: take only the streams whose hash falls in shard I of N", NULL },
	{ "cloudwatchlogsbeat.grace_period", D, "how long a stop waits for the pipeline to drain", "30s" },
	{ "cloudwatchlogsbeat.shutdown_timeout", D, "on SIGTERM or SIGINT, how long cwl-ship goes on delivering the events it holds before it exits 1 without acking them", "5s" },
	{ "cloudwatchlogsbeat.restart.backoff", D, "first delay before a failed pipeline is started again", "1s" },
	{ "cloudwatchlogsbeat.restart.max_backoff", D, "longest delay between restarts of a failed pipeline", "1m" },
	{ "cloudwatchlogsbeat.metrics.textfile", S, "file the wrapper replaces with its counters in the Prometheus text format every report_frequency, for node_exporter's textfile collector (a name ending in .prom; default: none, no metrics)", NULL },
	{ "cloudwatchlogsbeat.max_line_bytes", Z, "longest event line; longer messages are truncated", NULL },
	{ "cloudwatchlogsbeat.dead_letter", S, "file where rejected input lines are set aside", NULL },

	/* cloudwatchlogsbeat.kinesis: cwl-kinesis */
	{ "cloudwatchlogsbeat.kinesis.stream", S, "Kinesis data stream (name or ARN) that subscription filters deliver to; read instead of polling", NULL },
	{ "cloudwatchlogsbeat.kinesis.region", S, "region of the stream (default: the ARN's, else the region)", NULL },
	{ "cloudwatchlogsbeat.kinesis.groups", L, "log groups kept: exact names, or prefixes ending in '*' (default: all)", NULL },
	{ "cloudwatchlogsbeat.kinesis.start", S, "where a shard with no checkpoint starts: a time expression (default: its oldest record)", NULL },
	{ "cloudwatchlogsbeat.kinesis.poll_frequency", D, "how often a shard at its tip is read again", "1s" },
	{ "cloudwatchlogsbeat.kinesis.shard_refresh_frequency", D, "how often the shards are listed again when following", "1m" },
	{ "cloudwatchlogsbeat.kinesis.limit", I, "records per GetRecords (default: the API's, 10000)", NULL },
	{ "cloudwatchlogsbeat.kinesis.dead_letter", S, "file where records that are not CloudWatch Logs' are set aside", NULL },
	{ "cloudwatchlogsbeat.kinesis.lease_url", S, "registry (s3:// or dynamodb://) where instances sharing the stream hold a lease per shard", NULL },
	{ "cloudwatchlogsbeat.kinesis.lease_timeout", D, "a shard's lease not renewed for this long is taken over by another instance", "20s" },
	{ "cloudwatchlogsbeat.kinesis.lease_owner", S, "this instance's name in the leases (default: HOST:PID)", NULL },
	{ "cloudwatchlogsbeat.kinesis.subscription.role_arn", S, "IAM role CloudWatch Logs assumes to write to the stream (setup subscription)", NULL },
	{ "cloudwatchlogsbeat.kinesis.subscription.filter_name", S, "name of the subscription filters setup puts", "cloudwatchlogsbeat" },
	{ "cloudwatchlogsbeat.kinesis.subscription.filter_pattern", S, "filter pattern of the subscription filters (default: every event)", NULL },
	{ "cloudwatchlogsbeat.kinesis.subscription.distribution", S, "ByLogStream or Random: how the events of a group spread over the shards", "ByLogStream" },

	/* cloudwatchlogsbeat.accounts: a list of objects */
	{ "cloudwatchlogsbeat.accounts", LIST, "several AWS accounts: the wrapper runs one pipeline per account and region", NULL },
	{ "cloudwatchlogsbeat.accounts[].name", S, "name of the account in logs, reports, checkpoints and events' fields.account (letters, digits, '.', '_', '-')", NULL },
	{ "cloudwatchlogsbeat.accounts[].credential_profile_name", S, "profile of the shared files with this account's credentials", NULL },
	{ "cloudwatchlogsbeat.accounts[].role_arn", S, "IAM role of this account to assume with the credentials found", NULL },
	{ "cloudwatchlogsbeat.accounts[].endpoint", S, "CloudWatch Logs endpoint URL for this account", NULL },
	{ "cloudwatchlogsbeat.accounts[].regions", L, "regions of this account (default: regions, or the one region)", NULL },

	/* cloudwatchlogsbeat.prospectors: a list of objects */
	{ "cloudwatchlogsbeat.prospectors", LIST, "groups of log groups read with the same settings", NULL },
	{ "cloudwatchlogsbeat.prospectors[].id", S, "name of the prospector, kept in every event", NULL },
	{ "cloudwatchlogsbeat.prospectors[].groupnames", L, "log groups: exact names, or prefixes ending in '*'", NULL },
	{ "cloudwatchlogsbeat.prospectors[].stream_prefix", S, "read only the streams whose name starts with this", NULL },
	{ "cloudwatchlogsbeat.prospectors[].filter_pattern", S, "CloudWatch Logs filter pattern (reads with FilterLogEvents)", NULL },
	{ "cloudwatchlogsbeat.prospectors[].mode", S, "streams (GetLogEvents per stream) or group (FilterLogEvents)", NULL },
	{ "cloudwatchlogsbeat.prospectors[].include_linked_accounts", B, "also the groups of the source accounts linked to this monitoring account (CloudWatch cross-account observability)", "false" },
	{ "cloudwatchlogsbeat.prospectors[].account_ids", L, "with include_linked_accounts: only these accounts' groups (12-digit ids, at most 20)", NULL },
	{ "cloudwatchlogsbeat.prospectors[].multiline.pattern", S, "regular expression (POSIX ERE, also \\d \\s \\w) of the lines that start or continue an event", NULL },
	{ "cloudwatchlogsbeat.prospectors[].multiline.negate", B, "match the lines that do not match pattern", "false" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.match", S, "after or before: where matching lines join", "after" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.max_lines", I, "most lines joined into one event", "500" },
	{ "cloudwatchlogsbeat.prospectors[].multiline.timeout", D, "an unfinished event is sent after this long", "5s" },
	{ "cloudwatchlogsbeat.prospectors[].fields", M, "fields added to every event", NULL },
	{ "cloudwatchlogsbeat.prospectors[].fields_under_root", B, "put fields at the top of the event instead of under fields", NULL },
	{ "cloudwatchlogsbeat.prospectors[].vpc_flow_log", B, "parse messages as VPC flow log records", NULL },

	/* output.elasticsearch */
	{ "output.elasticsearch.enabled", B, "ship to Elasticsearch", NULL },
	{ "output.elasticsearch.hosts", L, "Elasticsearch URLs (scheme and port default to http and 9200)", NULL },
	{ "output.elasticsearch.protocol", S, "http or https, for hosts given without a scheme", NULL },
	{ "output.elasticsearch.path", S, "HTTP path prefix of the API", NULL },
	{ "output.elasticsearch.username", S, "basic authentication user", NULL },
	{ "output.elasticsearch.password", SECRET, "basic authentication password", NULL },
	{ "output.elasticsearch.api_key", SECRET, "API key as id:key", NULL },
	{ "output.elasticsearch.bearer_token", SECRET, "bearer token for the Authorization header", NULL },
	{ "output.elasticsearch.headers", M, "HTTP headers added to every request", NULL },
	{ "output.elasticsearch.parameters", M, "URL parameters added to every bulk request", NULL },
	{ "output.elasticsearch.index", S, "index name, with %{+yyyy.MM.dd} date patterns", "cloudwatchlogsbeat-%{+yyyy.MM.dd}" },
	{ "output.elasticsearch.pipeline", S, "ingest pipeline", NULL },
	{ "output.elasticsearch.op_type", S, "create or index", "index" },
	{ "output.elasticsearch.worker", I, "bulk requests in flight per host", "1" },
	{ "output.elasticsearch.workers", I, "the same as worker", "1" },
	{ "output.elasticsearch.compression_level", I, "gzip level of request bodies (0: none)", "1" },
	{ "output.elasticsearch.timeout", D, "time limit of one HTTP request", "90s" },
	{ "output.elasticsearch.proxy_url", S, "HTTP proxy", NULL },
	OUTPUT_KEYS("output.elasticsearch", "1600"),
	SSL_KEYS("output.elasticsearch"),
	{ "output.elasticsearch.aws_auth.enabled", B, "sign requests with SigV4 (Amazon OpenSearch Service)", NULL },
	{ "output.elasticsearch.aws_auth.service", S, "SigV4 service name: es or aoss", NULL },
	{ "output.elasticsearch.aws_auth.region", S, "SigV4 region (default: the AWS region)", NULL },
	{ "output.elasticsearch.template.enabled", B, "install the index template", NULL },
	{ "output.elasticsearch.template.name", S, "name of the index template", NULL },
	{ "output.elasticsearch.template.path", S, "file of the index template", NULL },
	{ "output.elasticsearch.template.overwrite", B, "replace an existing template", NULL },
	{ "output.elasticsearch.template.versions", ANY, "per-version template settings of the original beat", NULL },

	/* output.logstash */
	{ "output.logstash.enabled", B, "ship to Logstash (beats input, lumberjack v2)", NULL },
	{ "output.logstash.hosts", L, "Logstash host:port (port default 5044)", NULL },
	{ "output.logstash.worker", I, "connections per host", "1" },
	{ "output.logstash.workers", I, "the same as worker", "1" },
	{ "output.logstash.compression_level", I, "zlib level of batches (0: none)", "3" },
	{ "output.logstash.loadbalance", B, "spread batches over all hosts", "false" },
	{ "output.logstash.pipelining", I, "batches in flight per connection", "2" },
	{ "output.logstash.index", S, "the @metadata.beat value Logstash sees", "cloudwatchlogsbeat" },
	{ "output.logstash.timeout", D, "time limit for an acknowledgement", "30s" },
	{ "output.logstash.ttl", D, "a connection is opened anew after this long", NULL },
	{ "output.logstash.slow_start", B, "start with small batches and grow them", NULL },
	{ "output.logstash.proxy_url", S, "SOCKS5 proxy URL", NULL },
	{ "output.logstash.proxy_use_local_resolver", B, "resolve host names here rather than at the proxy", NULL },
	OUTPUT_KEYS("output.logstash", "2048"),
	SSL_KEYS("output.logstash"),

	/* output.file, output.console */
	{ "output.file.enabled", B, "write events to files", NULL },
	{ "output.file.path", S, "directory of the files", "/tmp/cloudwatchlogsbeat" },
	{ "output.file.filename", S, "base name of the files", "cloudwatchlogsbeat" },
	{ "output.file.rotate_every_kb", I, "size of a file before it is rotated, in KB", "10240" },
	{ "output.file.number_of_files", I, "files kept", "7" },
	{ "output.file.permissions", S, "mode of the files, in octal", "0600" },
	{ "output.file.codec", ANY, "how events are written (json, format)", NULL },
	{ "output.file.bulk_max_bytes", Z, "largest batch", "10MiB" },
	{ "output.file.max_buffer_bytes", Z, "most bytes of events held while waiting for the output", "64MiB" },
	{ "output.file.flush_interval", D, "longest wait before a partial batch is written (0: file writes what a read brought at once)", "0s" },
	{ "output.file.max_retries", I, "retries of a failed write before giving up (-1: forever)", "-1" },
	{ "output.file.backoff.init", D, "first delay after a failure", "1s" },
	{ "output.file.backoff.max", D, "longest delay after failures", "1m" },
	{ "output.console.enabled", B, "write events to stdout", NULL },
	{ "output.console.pretty", B, "indent the JSON", "false" },
	{ "output.console.codec", ANY, "how events are written (json, format)", NULL },
	{ "output.console.bulk_max_bytes", Z, "largest batch", "10MiB" },
	{ "output.console.max_buffer_bytes", Z, "most bytes of events held while waiting for the output", "64MiB" },
	{ "output.console.flush_interval", D, "longest wait before a partial batch is written (0: console writes what a read brought at once)", "0s" },
	{ "output.console.max_retries", I, "retries of a failed write before giving up (-1: forever)", "-1" },
	{ "output.console.backoff.init", D, "first delay after a failure", "1s" },
	{ "output.console.backoff.max", D, "longest delay after failures", "1m" },

	/* cwl-ship: more keys of its outputs */
	{ "output.logstash.ssl.server_name", S, "name the server's certificate must carry, and the TLS SNI (default: the host)", NULL },
	{ "output.file.rotate_on_startup", B, "start a new file at startup", "true" },
	{ "output.file.bulk_max_size", I, "most events written and synced at once", "2048" },
	{ "output.file.dead_letter", S, "file where rejected events are set aside", NULL },
	{ "output.file.max_line_bytes", Z, "largest event accepted; larger ones are set aside", "10MiB" },
	{ "output.console.bulk_max_size", I, "most events written at once", "2048" },
	{ "output.console.dead_letter", S, "file where rejected events are set aside", NULL },
	{ "output.console.max_line_bytes", Z, "largest event accepted; larger ones are set aside", "10MiB" },

	/* logging */
	{ "logging.level", S, "error, warning, info or debug; -v, -q and -d win", "warning" },
	{ "logging.selectors", L, "debug selectors with logging.level debug: http, sigv4, aws, config, registry, ship, tail, list, beat, or * (the default)", NULL },
	{ "logging.to_stderr", B, "log to stderr (always so)", NULL },
	{ "logging.to_files", B, "log to files (accepted, not used: logs go to stderr)", NULL },
	{ "logging.to_syslog", B, "log to syslog (accepted, not used: logs go to stderr)", NULL },
	{ "logging.files", ANY, "log file settings (accepted, not used)", NULL },
	{ "logging.metrics.enabled", B, "log counters periodically", "true" },
	{ "logging.metrics.period", D, "how often counters are logged", "30s" },
	{ "logging.json", B, "log lines as JSON (accepted, not used)", NULL },

	/* libbeat's general settings, accepted for compatibility */
	{ "queue", ANY, "libbeat's queue settings (accepted, not used)", NULL },
	{ "path.home", S, "home directory (default: the directory of the config file)", NULL },
	{ "path.config", S, "directory of the config file", NULL },
	{ "path.data", S, "directory of local state (default: path.home/data)", NULL },
	{ "path.logs", S, "directory of log files (default: path.home/logs)", NULL },
	{ "name", S, "name of this shipper (default: the host name)", NULL },
	{ "tags", L, "tags added to every event", NULL },
	{ "fields", M, "fields added to every event", NULL },
	{ "fields_under_root", B, "put fields at the top of the event instead of under fields", "false" },
	{ "processors", ANY, "libbeat processors (accepted, not used)", NULL },
	{ "max_procs", I, "libbeat's CPU limit (accepted, not used)", NULL },
	{ "queue_size", I, "libbeat's queue size (accepted, not used)", NULL },
	{ "bulk_queue_size", I, "libbeat's bulk queue size (accepted, not used)", NULL },

	/* cwl-ship setup: the index template, the lifecycle policy */
	{ "setup.template.enabled", B, "install the index template with cwl-ship setup", "true" },
	{ "setup.template.name", S, "name of the index template", "cloudwatchlogsbeat" },
	{ "setup.template.pattern", S, "index pattern of the template (default: the index up to its first %{, and *)", NULL },
	{ "setup.template.overwrite", B, "replace an existing template that differs", "false" },
	{ "setup.template.priority", I, "priority of the composable template", "150" },
	{ "setup.template.settings.index.number_of_shards", I, "primary shards of new indices", "1" },
	{ "setup.template.settings.index.number_of_replicas", I, "replicas of new indices (default: the cluster's)", NULL },
	{ "setup.ilm.enabled", B, "install the lifecycle policy and name it in the template", "false" },
	{ "setup.ilm.policy_name", S, "name of the lifecycle policy", "cloudwatchlogsbeat" },
	{ "setup.ilm.policy_file", S, "JSON file of the lifecycle policy, instead of the built-in one", NULL },
	{ "setup.ilm.rollover_alias", S, "write alias of rolled-over indices; setup creates its first index", NULL },
	{ "setup.ilm.delete_after", D, "delete indices this long after rollover (default: never)", NULL },
	{ "setup.ilm.overwrite", B, "replace an existing policy that differs", "false" },
	/* end of cwl-ship setup */

	{ NULL, ANY, NULL, NULL }
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
		fprintf(f, "%s\t%s\t%s\t%s\n", k->key, cfg_type_name(k->type),
		    k->desc, k->def ? k->def : "");
}
