#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json_c_version.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "cli.h"
#include "log.h"
#include "timex.h"

volatile sig_atomic_t cli_stop;
volatile sig_atomic_t cli_report;
volatile sig_atomic_t cli_hup;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		cli_stop = 1;
		break;
	case SIGUSR1:
		cli_report = 1;
		break;
	case SIGHUP:
		cli_hup = 1;
		break;
	}
}

void
cli_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
cli_init(struct cli *cli, const char *prog, const char *synopsis,
    const char *help)
{
	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->synopsis = synopsis;
	cli->help = help;
	log_init(prog);
	signal(SIGPIPE, SIG_IGN);
}

const char *
cli_version(const char *prog)
{
	static char s[512];
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	int n;

	n = snprintf(s, sizeof(s), "%s %s (libcurl %s, %s, json-c %s, libyaml %s)",
	    prog, CWL_VERSION, cv->version, OpenSSL_version(OPENSSL_VERSION),
	    json_c_version(), yaml_get_version_string());
	if (n < 0 || (size_t)n >= sizeof(s))
		s[sizeof(s) - 1] = '\0';
	return s;
}

void
cli_usage(struct cli *cli, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_error("%s", buf_str(&b));
	fprintf(stderr, "usage: %s\nTry '%s --help' for more.\n",
	    cli->synopsis, cli->prog);
	buf_free(&b);
	exit(EXIT_USAGE);
}

/* Says what getopt found wrong with argv[optind - 1] (or optopt). */
static void
bad_option(struct cli *cli, char **argv, const char *shortopts,
    const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "", *name, *eq;
	const char *sp = optopt ? strchr(shortopts, optopt) : NULL;
	size_t n;

	if (strncmp(arg, "--", 2) != 0) {
		if (optopt && sp && sp[1] == ':')
			cli_usage(cli, "option -%c needs a value", optopt);
		cli_usage(cli, "unknown option -%c", optopt ? optopt : '?');
	}
	name = arg + 2;
	n = (eq = strchr(name, '=')) ? (size_t)(eq - name) : strlen(name);
	for (; longopts && longopts->name; longopts++) {
		if (strlen(longopts->name) != n ||
		    strncmp(longopts->name, name, n) != 0)
			continue;
		if (longopts->has_arg == required_argument && eq == NULL)
			cli_usage(cli, "option --%.*s needs a value", (int)n,
			    name);
		if (longopts->has_arg == no_argument && eq != NULL)
			cli_usage(cli, "option --%.*s takes no value", (int)n,
			    name);
	}
	cli_usage(cli, "unknown option '%s'", arg);
}

int
cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int c;

	opterr = 0;	/* getopt would print the argument as it is */
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':')
		bad_option(cli, argv, shortopts, longopts);
	return c;
}

int
cli_option(struct cli *cli, int opt, const char *arg)
{
	const char **o;

	switch (opt) {
	case 'c':
		cli->config_path = arg;
		return 1;
	case 'E':
		o = realloc(cli->overrides, (cli->noverrides + 1) * sizeof(*o));
		if (o == NULL)
			log_oom();
		o[cli->noverrides++] = arg;
		cli->overrides = o;
		return 1;
	case 'd':
		log_set_selectors(arg);
		cli->level_set = 1;
		return 1;
	case 'e':	/* log to stderr: always so; kept for beat compatibility */
		return 1;
	case 'v':	/* info as well; never less than -d gave */
		cli->verbose++;
		cli->level_set = 1;
		if (log_level() < LOG_INFO)
			log_set_level(LOG_INFO);
		return 1;
	case 'q':
		cli->level_set = 1;
		log_set_level(LOG_ERROR);
		return 1;
	case 'h':
		printf("usage: %s\n\n%s", cli->synopsis, cli->help);
		exit(0);
	case 'V':
		printf("%s\n", cli_version(cli->prog));
		exit(0);
	case '?':
		/* getopt has printed what was wrong */
		fprintf(stderr, "usage: %s\nTry '%s --help' for more.\n",
		    cli->synopsis, cli->prog);
		exit(EXIT_USAGE);
	case ':':
		fprintf(stderr, "usage: %s\n", cli->synopsis);
		exit(EXIT_USAGE);
	case CLI_OPT_CONFIG_VALUE:
		cli->config_value = arg;
		return 1;
	case CLI_OPT_CHECK_CONFIG:
		cli->check_config = 1;
		return 1;
	case CLI_OPT_SHOW_SECRETS:
		cli->show_secrets = 1;
		return 1;
	case CLI_OPT_CONFIG_MS:
		cli->config_ms = arg;
		return 1;
	}
	return 0;
}

/* Prints one line of --config-value: as it is with --show-secrets,
 * else through the redactor, and "[REDACTED]" for a secret key's. */
static void
print_line(const char *s, int secret, int show)
{
	char *r;

	if (show) {
		printf("%s\n", s);
		return;
	}
	if (secret) {
		printf("[REDACTED]\n");
		return;
	}
	if ((r = log_redact(s)) == NULL)
		log_oom();
	printf("%s\n", r);
	free(r);
}

static void
print_value(json_object *v, int secret, int show)
{
	size_t i, n;

	if (v == NULL)
		return;
	switch (json_object_get_type(v)) {
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			print_value(json_object_array_get_idx(v, i), secret,
			    show);
		break;
	case json_type_object:
		print_line(json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
		    secret, show);
		break;
	case json_type_null:
		break;
	default:
		print_line(json_object_get_string(v), secret, show);
	}
	fflush(stdout);
}

/* --config-value KEY: the value, or the schema's default when the key is
 * not set. */
static void
print_config_value(struct cli *cli)
{
	const char *key = cli->config_value, *def;
	json_object *v = cfg_node(cli->cfg, key);

	if (v == NULL && (def = cfg_default(key)) != NULL) {
		print_line(def, cfg_secret(key), cli->show_secrets);
		fflush(stdout);
		return;
	}
	print_value(v, cfg_secret(key), cli->show_secrets);
}

/* logging.level and logging.selectors, unless -v, -q or -d said what to
 * show. As in libbeat, debug without selectors is debug for all ("*"). */
static int
log_config(struct cli *cli, struct err *e)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };
	const char *const *sel;
	const char *v;
	size_t i, n;
	int lvl = -1;

	if (cfg_str(cli->cfg, "logging.level", NULL, &v, e) == -1 ||
	    cfg_strlist(cli->cfg, "logging.selectors", &sel, &n, e) == -1)
		return -1;
	if (v == NULL)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			lvl = (int)i;
	if (lvl == -1)
		return err_set(e, EXIT_USAGE, "%s: logging.level: '%s': error, "
		    "warning, info or debug", cfg_where(cli->cfg,
		    "logging.level"), v);
	if (cli->level_set)
		return 0;
	log_set_level(lvl);
	if (lvl != LOG_DEBUG)
		return 0;
	if (n == 0)
		log_set_selectors("*");
	for (i = 0; i < n; i++)
		log_set_selectors(sel[i]);
	return 0;
}

int
cli_load(struct cli *cli, struct err *e)
{
	const char *path = cli->config_path;
	int64_t ms;
	size_t i;
	int r;

	if (path == NULL)
		path = getenv("CWL_CONFIG");
	if (path != NULL && *path == '\0')
		path = NULL;
	if ((cli->cfg = cfg_load(path, e)) == NULL)
		return -1;
	for (i = 0; i < cli->noverrides; i++)
		if (cfg_override(cli->cfg, cli->overrides[i], e) == -1)
			return -1;
	if (cfg_validate(cli->cfg, e) == -1 || log_config(cli, e) == -1)
		return -1;
	if (cli->config_value)
		print_config_value(cli);
	if (cli->config_ms) {
		if ((r = cfg_get_duration(cli->cfg, cli->config_ms, &ms,
		    e)) == -1)
			return -1;
		if (r == 1 || cfg_default(cli->config_ms) != NULL)
			printf("%" PRId64 "\n", ms);
		fflush(stdout);
	}
	if (cli->config_value || cli->config_ms)
		exit(0);
	return 0;
}

void
cli_checked(struct cli *cli)
{
	if (cli->check_config)
		exit(0);
}

void
cli_die(const struct err *e)
{
	log_error("%s", err_msg(e));
	exit(e->code ? e->code : EXIT_RUNTIME);
}

void
cli_fail(struct cli_fail *f, int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (f->stop)
		*f->stop = 1;
	if (f->code)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	f->code = code ? code : EXIT_RUNTIME;
	err_set(&f->err, f->code, "%s", buf_str(&b));
	buf_free(&b);
}

int
cli_aws_opts(struct cli *cli, struct aws_opts *o, struct err *e)
{
	struct cfg *c = cli->cfg;
	int64_t v;

	memset(o, 0, sizeof(*o));
	if (cfg_str(c, "cloudwatchlogsbeat.aws_region", NULL, &o->creds.region, e) == -1 ||
	    (o->creds.region == NULL &&
	    cfg_str(c, "cloudwatchlogsbeat.region", NULL, &o->creds.region, e) == -1) ||
	    cfg_str(c, "cloudwatchlogsbeat.access_key_id", NULL, &o->creds.access_key_id, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.secret_access_key", NULL, &o->creds.secret_access_key, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.session_token", NULL, &o->creds.session_token, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.credential_profile_name", NULL, &o->creds.profile, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.shared_credential_file", NULL, &o->creds.shared_credential_file, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.role_arn", NULL, &o->creds.role_arn, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.endpoint", NULL, &o->endpoint, e) == -1 ||
	    cfg_str(c, "cloudwatchlogsbeat.proxy_url", NULL, &o->http.proxy_url, e) == -1)
		return -1;
	if (cfg_get_duration(c, "cloudwatchlogsbeat.api_timeout", &v, e) == -1)
		return -1;
	o->http.timeout_ms = (long)v;
	if (cfg_get_duration(c, "cloudwatchlogsbeat.retry.backoff", &v, e) == -1)
		return -1;
	o->retry.base_ms = (long)v;
	if (cfg_get_duration(c, "cloudwatchlogsbeat.retry.max_backoff", &v, e) == -1)
		return -1;
	o->retry.cap_ms = (long)v;
	if (cfg_get_int(c, "cloudwatchlogsbeat.retry.max_attempts", &v, e) == -1)
		return -1;
	o->retry.max_attempts = (int)v;
	log_secret(o->creds.secret_access_key);
	log_secret(o->creds.session_token);
	return 0;
}

void
cli_free(struct cli *cli)
{
	cfg_free(cli->cfg);
	cli->cfg = NULL;
	free(cli->overrides);
	cli->overrides = NULL;
}

int
cli_write(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
cli_replace_file(const char *path, const char *p, size_t n, struct err *e)
{
	struct buf tmp = BUF_INIT;
	int fd, r = -1;

	if (buf_printf(&tmp, "%s.tmp", path) == -1) {
		err_set(e, EXIT_RUNTIME, "%s: out of memory", path);
		return -1;
	}
	if ((fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		err_set(e, EXIT_RUNTIME, "open %s: %s", tmp.p, strerror(errno));
		goto out;
	}
	if (cli_write(fd, p, n) == -1) {
		err_set(e, EXIT_RUNTIME, "write %s: %s", tmp.p, strerror(errno));
		close(fd);
		unlink(tmp.p);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp.p, path) == -1) {
		err_set(e, EXIT_RUNTIME, "rename %s: %s", tmp.p, strerror(errno));
		unlink(tmp.p);
		goto out;
	}
	r = 0;
out:
	buf_free(&tmp);
	return r;
}

int
cli_stats_name(struct buf *b, const char *s, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		switch (s[i]) {
		case '\t': bad |= buf_adds(b, "\\t"); break;
		case '\n': bad |= buf_adds(b, "\\n"); break;
		case '\r': bad |= buf_adds(b, "\\r"); break;
		case '\\': bad |= buf_adds(b, "\\\\"); break;
		default: bad |= buf_addc(b, s[i]);
		}
	return bad ? -1 : 0;
}

int
cli_stats_write(const char *path, struct buf *b, int bad, struct err *e)
{
	int r = 0;

	if (bad) {
		err_set(e, EXIT_RUNTIME, "--stats %s: out of memory", path);
		r = -1;
	} else if (cli_replace_file(path, b->p, b->len, e) == -1) {
		err_prefix(e, "--stats");
		r = -1;
	}
	buf_free(b);
	return r;
}

int
cli_stats_api(struct buf *b, const char *op, uint64_t requests,
    uint64_t throttles, uint64_t retries)
{
	return buf_printf(b, "\trequests.%s=%" PRIu64 "\tthrottles.%s=%" PRIu64
	    "\tretries.%s=%" PRIu64, op, requests, op, throttles, op, retries);
}

void
cli_flush_stdout(struct buf *b)
{
	if (b->len == 0)
		return;
	if (cli_write(STDOUT_FILENO, b->p, b->len) == -1) {
		if (errno == EPIPE)
			exit(0);
		log_error("write stdout: %s", strerror(errno));
		exit(EXIT_RUNTIME);
	}
	buf_reset(b);
}

/* Reads "I/N". Returns 0, or -1 with e saying what is wrong. */
static int
shard_parse(const char *s, unsigned *pi, unsigned *pn, struct err *e)
{
	char *end;
	unsigned long i, n;

	errno = 0;
	if (*s < '0' || *s > '9' || (i = strtoul(s, &end, 10), *end != '/') ||
	    end[1] < '0' || end[1] > '9' ||
	    (n = strtoul(end + 1, &end, 10), *end != '\0') || errno ||
	    n == 0 || n > 100000)
		return err_set(e, EXIT_USAGE, "'%s': expected I/N, like 1/3", s);
	if (i < 1 || i > n)
		return err_set(e, EXIT_USAGE, "'%s': I must be between 1 and N",
		    s);
	*pi = (unsigned)i;
	*pn = (unsigned)n;
	return 0;
}

double
cli_budget(struct cli *cli, const char *key, unsigned shard_n)
{
	struct err e = ERR_INIT;
	double rate;
	int own;

	if (cfg_get_float(cli->cfg, key, &rate, &e) == -1 ||
	    cfg_get_bool(cli->cfg, "cloudwatchlogsbeat.request_budget.per_shard",
	    &own, &e) == -1)
		cli_die(&e);
	if (rate < 0) {
		err_set(&e, EXIT_USAGE, "%s: %s: a rate can not be negative",
		    cfg_where(cli->cfg, key), key);
		cli_die(&e);
	}
	return shard_n > 1 && !own ? rate / shard_n : rate;
}

void
cli_shard(struct cli *cli, const char *arg, unsigned *i, unsigned *n)
{
	struct err e = ERR_INIT;
	const char *v = NULL;

	*i = *n = 0;
	if (arg) {
		if (shard_parse(arg, i, n, &e) == -1)
			cli_usage(cli, "--shard %s", err_msg(&e));
		return;
	}
	if (cfg_str(cli->cfg, "cloudwatchlogsbeat.shard", NULL, &v, &e) == -1)
		cli_die(&e);
	if (v && shard_parse(v, i, n, &e) == -1) {
		err_prefix(&e, "%s: cloudwatchlogsbeat.shard",
		    cfg_where(cli->cfg, "cloudwatchlogsbeat.shard"));
		cli_die(&e);
	}
}
