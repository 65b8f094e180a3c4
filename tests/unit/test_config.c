/* config: loading, dotted keys, ${VAR}, -E, getters, validation. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "unit.h"

static char dir[] = "/tmp/cwl-test-config.XXXXXX";
static char path[4096];

/* Writes text to DIR/name and returns its path (static). */
static const char *
put(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

/* Runs fn(arg) with stderr going to a file; returns what it wrote
 * (static). */
static const char *
capture(int (*fn)(struct cfg *, struct err *), struct cfg *c, struct err *e,
    int *ret)
{
	static char out[8192];
	char tmp[4200];
	int fd, saved;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	*ret = fn(c, e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return out;
}

/* Returns the path of the last file written, followed by suffix (static). */
static const char *
at(const char *suffix)
{
	static char s[4200];

	snprintf(s, sizeof(s), "%s%s", path, suffix);
	return s;
}

static struct cfg *
load(const char *text)
{
	struct err e = ERR_INIT;
	struct cfg *c = cfg_load(put("c.yml", text), &e);

	CHECK(c != NULL, "load: %s", err_msg(&e));
	err_clear(&e);
	return c;
}

/* Loads text and returns the error message of cfg_load (static). */
static const char *
load_err(const char *text, int *code)
{
	static char msg[2048];
	struct err e = ERR_INIT;
	struct cfg *c = cfg_load(put("c.yml", text), &e);

	CHECK(c == NULL, "'%s' must not load", text);
	cfg_free(c);
	snprintf(msg, sizeof(msg), "%s", err_msg(&e));
	*code = e.code;
	err_clear(&e);
	return msg;
}

static void
test_nested_and_dotted(void)
{
	struct err e = ERR_INIT;
	const char *s;
	int64_t i;
	int b;
	struct cfg *c = load(
	    "cloudwatchlogsbeat:\n"
	    "  aws_region: eu-west-1\n"
	    "  retry.max_attempts: 7\n"
	    "output.elasticsearch:\n"
	    "  hosts: [\"http://a:9200\", b]\n"
	    "  ssl.enabled: true\n"
	    "output:\n"
	    "  elasticsearch:\n"
	    "    index: logs\n"
	    "    ssl:\n"
	    "      verification_mode: none\n"
	    "setup.template.name: x\n");

	CHECK_INT(cfg_str(c, "cloudwatchlogsbeat.aws_region", NULL, &s, &e), 1, "region set");
	CHECK_STR(s, "eu-west-1", "region");
	CHECK_INT(cfg_int(c, "cloudwatchlogsbeat.retry.max_attempts", 1, &i, &e), 1, "dotted int");
	CHECK_INT(i, 7, "retry.max_attempts");
	CHECK_INT(cfg_bool(c, "output.elasticsearch.ssl.enabled", 0, &b, &e), 1, "dotted bool");
	CHECK_INT(b, 1, "ssl.enabled");
	CHECK_INT(cfg_str(c, "output.elasticsearch.index", NULL, &s, &e), 1, "merged sibling");
	CHECK_STR(s, "logs", "index from the nested spelling");
	CHECK_INT(cfg_str(c, "output.elasticsearch.ssl.verification_mode", NULL, &s, &e), 1, "merged deep");
	CHECK_STR(s, "none", "ssl merged from both spellings");
	CHECK_INT(cfg_str(c, "setup.template.name", NULL, &s, &e), 1, "setup.template.name");
	CHECK_STR(s, "x", "setup.template.name");
	CHECK(json_object_is_type(cfg_node(c, "output.elasticsearch"), json_type_object),
	    "output.elasticsearch is a mapping");
	CHECK_STR(cfg_where(c, "cloudwatchlogsbeat.aws_region"),
	    at(":2"), "where: file:line");
	CHECK_STR(cfg_where(c, "output.elasticsearch.index"),
	    at(":9"), "where of the nested spelling");
	CHECK_STR(cfg_where(c, "output.logstash.hosts"), "default", "where of an absent key");
	CHECK_STR(cfg_path(c), path, "cfg_path");
	CHECK_INT(cfg_validate(c, &e), 0, "validates: %s", err_msg(&e));
	cfg_free(c);
	err_clear(&e);
}

static void
test_getters(void)
{
	struct err e = ERR_INIT;
	const char *const *l;
	const char *s;
	int64_t i;
	double d;
	size_t n;
	int b;
	struct cfg *c = load(
	    "a:\n"
	    "  str: hello\n"
	    "  num: 5\n"
	    "  qnum: \"5\"\n"
	    "  neg: -12\n"
	    "  big: 99999999999999999999\n"
	    "  t1: true\n"
	    "  t2: True\n"
	    "  t3: TRUE\n"
	    "  f1: false\n"
	    "  yes: yes\n"
	    "  dur: 1h30m\n"
	    "  secs: 90\n"
	    "  soon: soon\n"
	    "  one: x\n"
	    "  many: [x, \"y\", 3]\n"
	    "  mixed: [x, [y]]\n"
	    "  fl: 0.25\n"
	    "  fe: 1e3\n"
	    "  sz1: 64MB\n"
	    "  sz2: 10mb\n"
	    "  sz3: 1GiB\n"
	    "  sz4: 4096\n"
	    "  sz5: 1.5 KiB\n"
	    "  szbad: 64 bananas\n"
	    "  nul:\n"
	    "  tilde: ~\n"
	    "  qnull: \"null\"\n"
	    "  empty: ''\n"
	    "  map: {k: v}\n");

	/* strings: any scalar is one */
	CHECK_INT(cfg_str(c, "a.num", NULL, &s, &e), 1, "an int is a string");
	CHECK_STR(s, "5", "a.num as a string");
	CHECK_INT(cfg_str(c, "a.absent", "dflt", &s, &e), 0, "absent string");
	CHECK_STR(s, "dflt", "default string");
	CHECK_INT(cfg_str(c, "a.nul", "dflt", &s, &e), 0, "null is absent");
	CHECK_STR(s, "dflt", "null gives the default");
	CHECK_INT(cfg_str(c, "a.tilde", "dflt", &s, &e), 0, "~ is null");
	CHECK_INT(cfg_str(c, "a.qnull", NULL, &s, &e), 1, "quoted null is a string");
	CHECK_STR(s, "null", "quoted null");
	CHECK_INT(cfg_str(c, "a.empty", "dflt", &s, &e), 1, "'' is a string");
	CHECK_STR(s, "", "empty string");
	CHECK(cfg_node(c, "a.nul") == NULL, "cfg_node of null");
	CHECK_INT(cfg_str(c, "a.map", "dflt", &s, &e), -1, "a mapping is no string");
	CHECK_STR(err_msg(&e), at(":30: a.map: not a string: a mapping"), "message");
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	CHECK_STR(s, "dflt", "default on error");
	err_clear(&e);

	/* ints */
	CHECK_INT(cfg_int(c, "a.num", 0, &i, &e), 1, "int");
	CHECK_INT(i, 5, "int value");
	CHECK_INT(cfg_int(c, "a.qnum", 0, &i, &e), 1, "quoted int");
	CHECK_INT(i, 5, "quoted int value");
	CHECK_INT(cfg_int(c, "a.neg", 0, &i, &e), 1, "negative int");
	CHECK_INT(i, -12, "negative value");
	CHECK_INT(cfg_int(c, "a.absent", 42, &i, &e), 0, "absent int");
	CHECK_INT(i, 42, "int default");
	CHECK_INT(cfg_int(c, "a.str", 42, &i, &e), -1, "not an int");
	CHECK_STR(err_msg(&e), at(":2: a.str: not an integer: 'hello'"), "int message");
	CHECK_INT(i, 42, "default on error");
	err_clear(&e);
	CHECK_INT(cfg_int(c, "a.fe", 0, &i, &e), -1, "1e3 is no int");
	CHECK_STR(err_msg(&e), at(":19: a.fe: not an integer: '1e3'"), "1e3 message");
	err_clear(&e);
	CHECK_INT(cfg_int(c, "a.big", 0, &i, &e), -1, "too big");
	CHECK_STR(err_msg(&e), at(":6: a.big: out of range: '99999999999999999999'"), "range message");
	err_clear(&e);
	CHECK_INT(cfg_int(c, "a.many", 0, &i, &e), -1, "a list is no int");
	CHECK_STR(err_msg(&e), at(":16: a.many: not an integer: a list"), "list message");
	err_clear(&e);

	/* booleans: YAML 1.2, true/false only */
	CHECK_INT(cfg_bool(c, "a.t1", 0, &b, &e), 1, "true");
	CHECK_INT(b, 1, "true value");
	CHECK_INT(cfg_bool(c, "a.t2", 0, &b, &e), 1, "True");
	CHECK_INT(b, 1, "True value");
	CHECK_INT(cfg_bool(c, "a.t3", 0, &b, &e), 1, "TRUE");
	CHECK_INT(b, 1, "TRUE value");
	CHECK_INT(cfg_bool(c, "a.f1", 1, &b, &e), 1, "false");
	CHECK_INT(b, 0, "false value");
	CHECK_INT(cfg_bool(c, "a.absent", 1, &b, &e), 0, "absent bool");
	CHECK_INT(b, 1, "bool default");
	CHECK_INT(cfg_bool(c, "a.yes", 0, &b, &e), -1, "yes is no boolean");
	CHECK_STR(err_msg(&e), at(":11: a.yes: not a boolean: 'yes' (write true or false)"), "bool message");
	err_clear(&e);
	CHECK_INT(cfg_str(c, "a.yes", NULL, &s, &e), 1, "yes is a string");
	CHECK_STR(s, "yes", "yes as a string");

	/* durations */
	CHECK_INT(cfg_duration(c, "a.dur", 0, &i, &e), 1, "duration");
	CHECK_INT(i, 5400000, "1h30m");
	CHECK_INT(cfg_duration(c, "a.secs", 0, &i, &e), 1, "bare seconds");
	CHECK_INT(i, 90000, "90 seconds");
	CHECK_INT(cfg_duration(c, "a.absent", 1234, &i, &e), 0, "absent duration");
	CHECK_INT(i, 1234, "duration default");
	CHECK_INT(cfg_duration(c, "a.soon", 7, &i, &e), -1, "soon");
	CHECK_STR(err_msg(&e), at(":14: a.soon: not a duration: 'soon'"), "duration message");
	CHECK_INT(i, 7, "duration default on error");
	err_clear(&e);

	/* lists of strings */
	CHECK_INT(cfg_strlist(c, "a.one", &l, &n, &e), 1, "scalar list");
	CHECK_INT(n, 1, "one element");
	CHECK_STR(l[0], "x", "element");
	CHECK(l[1] == NULL, "NULL-terminated");
	CHECK_INT(cfg_strlist(c, "a.many", &l, &n, &e), 1, "list");
	CHECK_INT(n, 3, "three elements");
	CHECK_STR(l[0], "x", "first");
	CHECK_STR(l[1], "y", "second");
	CHECK_STR(l[2], "3", "a number is a string");
	CHECK(l[3] == NULL, "NULL-terminated");
	{
		const char *const *l2;

		cfg_strlist(c, "a.many", &l2, &n, &e);
		CHECK(l2 == l, "the same array on a second call");
	}
	CHECK_INT(cfg_strlist(c, "a.absent", &l, &n, &e), 0, "absent list");
	CHECK_INT(n, 0, "empty");
	CHECK(l != NULL && l[0] == NULL, "an empty array");
	CHECK_INT(cfg_strlist(c, "a.mixed", &l, &n, &e), -1, "nested list");
	CHECK_STR(err_msg(&e), at(":17: a.mixed.1: not a string: a list"), "nested list message");
	err_clear(&e);
	CHECK_INT(cfg_strlist(c, "a.map", &l, &n, &e), -1, "a map is no list");
	CHECK_STR(err_msg(&e), at(":30: a.map: not a list of strings: a mapping"), "map message");
	err_clear(&e);

	/* floats */
	CHECK_INT(cfg_float(c, "a.fl", 0, &d, &e), 1, "float");
	CHECK(d == 0.25, "0.25: %g", d);
	CHECK_INT(cfg_float(c, "a.fe", 0, &d, &e), 1, "1e3");
	CHECK(d == 1000, "1e3: %g", d);
	CHECK_INT(cfg_float(c, "a.num", 0, &d, &e), 1, "int as float");
	CHECK(d == 5, "5: %g", d);
	CHECK_INT(cfg_float(c, "a.absent", 4, &d, &e), 0, "absent float");
	CHECK(d == 4, "default 4");
	CHECK_INT(cfg_float(c, "a.str", 4, &d, &e), -1, "not a float");
	CHECK_STR(err_msg(&e), at(":2: a.str: not a number: 'hello'"), "float message");
	err_clear(&e);

	/* sizes */
	CHECK_INT(cfg_size(c, "a.sz1", 0, &i, &e), 1, "64MB");
	CHECK_INT(i, 64000000, "64MB");
	CHECK_INT(cfg_size(c, "a.sz2", 0, &i, &e), 1, "10mb");
	CHECK_INT(i, 10000000, "10mb");
	CHECK_INT(cfg_size(c, "a.sz3", 0, &i, &e), 1, "1GiB");
	CHECK_INT(i, 1073741824, "1GiB");
	CHECK_INT(cfg_size(c, "a.sz4", 0, &i, &e), 1, "bytes");
	CHECK_INT(i, 4096, "4096");
	CHECK_INT(cfg_size(c, "a.sz5", 0, &i, &e), 1, "1.5 KiB");
	CHECK_INT(i, 1536, "1.5 KiB");
	CHECK_INT(cfg_size(c, "a.absent", 77, &i, &e), 0, "absent size");
	CHECK_INT(i, 77, "size default");
	CHECK_INT(cfg_size(c, "a.szbad", 0, &i, &e), -1, "bananas");
	CHECK_STR(err_msg(&e), at(":25: a.szbad: not a size: '64 bananas' (write bytes, or 64KB, 10MB, 1GiB)"),
	    "size message");
	err_clear(&e);
	CHECK_INT(cfg_size(c, "a.neg", 0, &i, &e), -1, "negative size");
	err_clear(&e);

	/* list indexes in keys */
	CHECK_INT(cfg_str(c, "a.many.1", NULL, &s, &e), 1, "index in a key");
	CHECK_STR(s, "y", "a.many.1");
	CHECK_INT(cfg_str(c, "a.many.9", "d", &s, &e), 0, "index past the end");
	CHECK_INT(cfg_str(c, "a.str.x", "d", &s, &e), 0, "below a scalar");
	cfg_free(c);
}

static void
test_env(void)
{
	struct err e = ERR_INIT;
	const char *const *l;
	const char *s;
	char want[4200];
	size_t n;
	int code;
	struct cfg *c;

	setenv("CWL_T_REGION", "us-east-2", 1);
	setenv("CWL_T_HOSTS", "[\"http://a:9200\", \"http://b:9200\"]", 1);
	setenv("CWL_T_EMPTY", "", 1);
	unsetenv("CWL_T_UNSET");
	c = load(
	    "cloudwatchlogsbeat:\n"
	    "  aws_region: ${CWL_T_REGION}\n"
	    "  s3_bucket_name: ${CWL_T_UNSET:fallback}\n"
	    "  s3_key_prefix: pre/${CWL_T_REGION}/${CWL_T_UNSET:}x\n"
	    "  registry.url: \"$${CWL_T_REGION} $}\"\n"
	    "  start: ${CWL_T_UNSET:${CWL_T_REGION}}\n"
	    "  dead_letter: ${path.config}/dead\n"
	    "  shard: ${cloudwatchlogsbeat.aws_region}-x\n"
	    "  data_path: '${CWL_T_EMPTY:notused}'\n"
	    "output.elasticsearch.hosts: ${CWL_T_HOSTS}\n"
	    "output.logstash.hosts: '${CWL_T_HOSTS}'\n");
	cfg_str(c, "cloudwatchlogsbeat.aws_region", NULL, &s, &e);
	CHECK_STR(s, "us-east-2", "${VAR}");
	cfg_str(c, "cloudwatchlogsbeat.s3_bucket_name", NULL, &s, &e);
	CHECK_STR(s, "fallback", "${VAR:default}");
	cfg_str(c, "cloudwatchlogsbeat.s3_key_prefix", NULL, &s, &e);
	CHECK_STR(s, "pre/us-east-2/x", "inside text, empty default");
	cfg_str(c, "cloudwatchlogsbeat.registry.url", NULL, &s, &e);
	CHECK_STR(s, "${CWL_T_REGION} }", "escapes $${ and $}");
	cfg_str(c, "cloudwatchlogsbeat.start", NULL, &s, &e);
	CHECK_STR(s, "us-east-2", "nested default");
	snprintf(want, sizeof(want), "%s/dead", dir);
	cfg_str(c, "cloudwatchlogsbeat.dead_letter", NULL, &s, &e);
	CHECK_STR(s, want, "${path.config} is the config's directory");
	cfg_str(c, "cloudwatchlogsbeat.shard", NULL, &s, &e);
	CHECK_STR(s, "us-east-2-x", "a reference to another key");
	cfg_str(c, "cloudwatchlogsbeat.data_path", "d", &s, &e);
	CHECK_STR(s, "", "a set but empty variable wins over the default");
	CHECK_INT(cfg_strlist(c, "output.elasticsearch.hosts", &l, &n, &e), 1,
	    "a list from the environment: %s", err_msg(&e));
	CHECK_INT(n, 2, "two hosts");
	CHECK_STR(l[1], "http://b:9200", "second host");
	CHECK_INT(cfg_strlist(c, "output.logstash.hosts", &l, &n, &e), 1,
	    "quoted: stays one string");
	CHECK_INT(n, 1, "one string");
	CHECK_STR(l[0], "[\"http://a:9200\", \"http://b:9200\"]", "quoted text");
	CHECK_INT(cfg_validate(c, &e), 0, "validates: %s", err_msg(&e));
	cfg_free(c);

	snprintf(want, sizeof(want), "%s/c.yml:3: cloudwatchlogsbeat.aws_region: "
	    "environment variable CWL_T_UNSET is not set (write "
	    "${CWL_T_UNSET:default} for a default)", dir);
	CHECK_STR(load_err("cloudwatchlogsbeat:\n  s3_key_prefix: x\n"
	    "  aws_region: ${CWL_T_UNSET}\n", &code), want, "undefined variable");
	CHECK_INT(code, EXIT_USAGE, "undefined variable is a usage error");
	snprintf(want, sizeof(want), "%s/c.yml:2: a.b: CWL_T_UNSET: set the "
	    "region", dir);
	CHECK_STR(load_err("a:\n  b: ${CWL_T_UNSET:?set the region}\n", &code),
	    want, "${VAR:?message}");
	snprintf(want, sizeof(want), "%s/c.yml:1: a: unterminated '${' in "
	    "'x${CWL_T_REGION'", dir);
	CHECK_STR(load_err("a: x${CWL_T_REGION\n", &code), want, "unterminated");
	snprintf(want, sizeof(want), "%s/c.yml:1: a: '${b}': a reference loop",
	    dir);
	CHECK_STR(load_err("a: ${b}\nb: ${a}\n", &code), want, "a loop");
	snprintf(want, sizeof(want), "%s/c.yml:1: a: ${b}: not a text value",
	    dir);
	CHECK_STR(load_err("a: ${b}\nb: [1]\n", &code), want, "a list referred to");
	unsetenv("CWL_T_REGION");
	unsetenv("CWL_T_HOSTS");
	unsetenv("CWL_T_EMPTY");
}

static void
test_overrides(void)
{
	struct err e = ERR_INIT;
	const char *const *l;
	const char *s;
	size_t n;
	int64_t i;
	struct cfg *c = load(
	    "cloudwatchlogsbeat:\n"
	    "  aws_region: eu-west-1\n"
	    "  prospectors:\n"
	    "    - id: a\n"
	    "      groupnames: [/aws/a]\n"
	    "    - id: b\n"
	    "      groupnames: /aws/b\n"
	    "output.elasticsearch:\n"
	    "  hosts: [x]\n"
	    "  index: old\n");

	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.aws_region=us-east-1", &e), 0,
	    "scalar override: %s", err_msg(&e));
	cfg_str(c, "cloudwatchlogsbeat.aws_region", NULL, &s, &e);
	CHECK_STR(s, "us-east-1", "scalar overridden");
	CHECK_STR(cfg_where(c, "cloudwatchlogsbeat.aws_region"), "-E", "where -E");
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.retry.max_attempts=3", &e), 0,
	    "new key: %s", err_msg(&e));
	cfg_int(c, "cloudwatchlogsbeat.retry.max_attempts", 0, &i, &e);
	CHECK_INT(i, 3, "new nested key");
	cfg_strlist(c, "output.elasticsearch.hosts", &l, &n, &e);
	CHECK_INT(n, 1, "one host before");
	CHECK_INT(cfg_override(c, "output.elasticsearch.hosts=[\"http://h1:9200\", h2]", &e), 0,
	    "list override: %s", err_msg(&e));
	cfg_strlist(c, "output.elasticsearch.hosts", &l, &n, &e);
	CHECK_INT(n, 2, "list of two");
	CHECK_STR(l[0], "http://h1:9200", "first host");
	CHECK_STR(l[1], "h2", "second host");
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.prospectors.0.groupnames=[/aws/x, /aws/y]", &e), 0,
	    "list index: %s", err_msg(&e));
	cfg_strlist(c, "cloudwatchlogsbeat.prospectors.0.groupnames", &l, &n, &e);
	CHECK_INT(n, 2, "prospector 0 has two groups");
	CHECK_STR(l[1], "/aws/y", "second group");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.0.id", NULL, &s, &e);
	CHECK_STR(s, "a", "the rest of prospector 0 stays");
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.prospectors.2.id=c", &e), 0,
	    "append by index: %s", err_msg(&e));
	CHECK_INT(json_object_array_length(cfg_node(c, "cloudwatchlogsbeat.prospectors")),
	    3, "three prospectors");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.2.id", NULL, &s, &e);
	CHECK_STR(s, "c", "new prospector");
	CHECK_INT(cfg_override(c, "output.elasticsearch={hosts: [z], pipeline: p}", &e), 0,
	    "map override: %s", err_msg(&e));
	CHECK_INT(cfg_str(c, "output.elasticsearch.index", "none", &s, &e), 0,
	    "the whole subtree was replaced");
	CHECK_STR(s, "none", "index gone");
	cfg_str(c, "output.elasticsearch.pipeline", NULL, &s, &e);
	CHECK_STR(s, "p", "pipeline from the mapping");
	CHECK_STR(cfg_where(c, "output.elasticsearch.pipeline"), "-E", "where of a member");
	CHECK_INT(cfg_override(c, "name=a=b", &e), 0, "'=' in the value");
	cfg_str(c, "name", NULL, &s, &e);
	CHECK_STR(s, "a=b", "value with '='");
	CHECK_INT(cfg_override(c, "tags=*.log", &e), 0, "not YAML: taken as it is");
	cfg_str(c, "tags", NULL, &s, &e);
	CHECK_STR(s, "*.log", "literal value");
	CHECK_INT(cfg_override(c, "output.file.path=", &e), 0, "empty value");
	CHECK_INT(cfg_str(c, "output.file.path", NULL, &s, &e), 1, "empty is set");
	CHECK_STR(s, "", "empty string");
	setenv("CWL_T_NAME", "from-env", 1);
	CHECK_INT(cfg_override(c, "output.file.filename=${CWL_T_NAME}", &e), 0,
	    "${VAR} in -E");
	cfg_str(c, "output.file.filename", NULL, &s, &e);
	CHECK_STR(s, "from-env", "expanded");
	unsetenv("CWL_T_NAME");
	CHECK_INT(cfg_override(c, "output.file.rotate_every_kb=soon", &e), 0, "a wrong type");
	CHECK_INT(cfg_validate(c, &e), -1, "is found by validate");
	CHECK_STR(err_msg(&e), "-E output.file.rotate_every_kb=soon: "
	    "output.file.rotate_every_kb: not an integer: 'soon'", "-E type message");
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	err_clear(&e);

	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.aws_region", &e), -1, "no '='");
	CHECK_STR(err_msg(&e), "-E cloudwatchlogsbeat.aws_region: expected KEY=VALUE", "no '=' message");
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "=x", &e), -1, "empty key");
	CHECK_STR(err_msg(&e), "-E =x: empty key", "empty key message");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "a..b=x", &e), -1, "empty part");
	CHECK_STR(err_msg(&e), "-E a..b=x: empty name in key 'a..b'", "empty part message");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.prospectors.9.id=x", &e), -1, "index past the end");
	CHECK_STR(err_msg(&e), "-E cloudwatchlogsbeat.prospectors.9.id=x: index 9 "
	    "is past the end of cloudwatchlogsbeat.prospectors (3 elements)", "index message");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.prospectors.id=x", &e), -1, "no index");
	CHECK_STR(err_msg(&e), "-E cloudwatchlogsbeat.prospectors.id=x: "
	    "cloudwatchlogsbeat.prospectors is a list: give the index of an "
	    "element, as in cloudwatchlogsbeat.prospectors.0", "no index message");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "output.elasticsearch.hosts=[a, b", &e), -1, "bad YAML");
	CHECK(strncmp(err_msg(&e), "-E output.elasticsearch.hosts=[a, b: YAML: ", 42) == 0,
	    "YAML message: %s", err_msg(&e));
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	err_clear(&e);
	CHECK_INT(cfg_override(c, "a.b={x: 1, x: 2}", &e), -1, "duplicate in -E");
	CHECK_STR(err_msg(&e), "-E a.b={x: 1, x: 2}: duplicate key 'a.b.x'", "dup message");
	err_clear(&e);
	cfg_free(c);

	/* -E on an empty config */
	c = cfg_load(NULL, &e);
	CHECK(c != NULL, "empty config");
	CHECK(cfg_path(c) == NULL, "no path");
	CHECK_INT(cfg_override(c, "cloudwatchlogsbeat.prospectors.0.groupnames=[/aws/x]", &e), 0,
	    "creates a list: %s", err_msg(&e));
	CHECK(json_object_is_type(cfg_node(c, "cloudwatchlogsbeat.prospectors"), json_type_array),
	    "prospectors is a list");
	cfg_strlist(c, "cloudwatchlogsbeat.prospectors.0.groupnames", &l, &n, &e);
	CHECK_INT(n, 1, "one group");
	CHECK_STR(l[0], "/aws/x", "the group");
	CHECK_INT(cfg_validate(c, &e), 0, "validates: %s", err_msg(&e));
	cfg_free(c);
}

static int
validate(struct cfg *c, struct err *e)
{
	return cfg_validate(c, e);
}

static void
test_validate(void)
{
	struct err e = ERR_INIT;
	const char *out;
	static char want[32768];
	int r;
	struct cfg *c = load(
	    "cloudwatchlogsbeat:\n"
	    "  foo: 1\n"
	    "  stream_refresh_frequency: 10s\n"
	    "  prospectors:\n"
	    "    - id: x\n"
	    "      bar: 2\n"
	    "      multiline.pattern: '^a'\n"
	    "output.elasticsearch.ssl.enabled: true\n"
	    "output.elasticsearch.ssl.nope: true\n"
	    "fields: {anything: {goes: [here]}}\n"
	    "setup.template.settings.index.number_of_shards: 1\n"
	    "unknown_top: {a: 1}\n"
	    "cloudwatchlogsbeat.stream_refresh_frequncy: 5s\n"
	    "output.logstash.hots: [x]\n");

	out = capture(validate, c, &e, &r);
	CHECK_INT(r, 0, "unknown keys are no error: %s", err_msg(&e));
	snprintf(want, sizeof(want),
	    "test: warning: %s:2: unknown key 'cloudwatchlogsbeat.foo', ignored\n"
	    "test: warning: %s:6: unknown key 'cloudwatchlogsbeat.prospectors.0.bar', ignored\n"
	    "test: warning: %s:13: unknown key 'cloudwatchlogsbeat.stream_refresh_frequncy', "
	    "ignored (did you mean 'stream_refresh_frequency'?)\n"
	    "test: warning: %s:9: unknown key 'output.elasticsearch.ssl.nope', ignored\n"
	    "test: warning: %s:14: unknown key 'output.logstash.hots', ignored "
	    "(did you mean 'hosts'?)\n"
	    "test: warning: %s:12: unknown key 'unknown_top', ignored\n",
	    path, path, path, path, path, path);
	CHECK_STR(out, want, "warnings");
	out = capture(validate, c, &e, &r);
	CHECK_STR(out, "", "each key is warned about once");
	cfg_free(c);

	c = load("cloudwatchlogsbeat:\n"
	    "  stream_refresh_frequency: soon\n");
	out = capture(validate, c, &e, &r);
	CHECK_INT(r, -1, "wrong type");
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	snprintf(want, sizeof(want), "%s:2: cloudwatchlogsbeat.stream_refresh_frequency: "
	    "not a duration: 'soon'", path);
	CHECK_STR(err_msg(&e), want, "wrong type message");
	err_clear(&e);
	cfg_free(c);

	static const struct {
		const char *yaml;
		const char *msg;
	} wrong[] = {
		{ "cloudwatchlogsbeat.prospectors: {id: x}\n",
		  ":1: cloudwatchlogsbeat.prospectors: not a list: a mapping" },
		{ "cloudwatchlogsbeat.prospectors: [x]\n",
		  ":1: cloudwatchlogsbeat.prospectors.0: not a mapping: a value" },
		{ "cloudwatchlogsbeat.prospectors:\n  - multiline.negate: maybe\n",
		  ":2: cloudwatchlogsbeat.prospectors.0.multiline.negate: not a boolean: 'maybe' (write true or false)" },
		{ "output.elasticsearch: yes\n",
		  ":1: output.elasticsearch: not a mapping: a value" },
		{ "output.elasticsearch.hosts: {a: b}\n",
		  ":1: output.elasticsearch.hosts: not a list of strings: a mapping" },
		{ "output.elasticsearch.bulk_max_bytes: lots\n",
		  ":1: output.elasticsearch.bulk_max_bytes: not a size: 'lots' (write bytes, or 64KB, 10MB, 1GiB)" },
		{ "cloudwatchlogsbeat.request_budget.describe: fast\n",
		  ":1: cloudwatchlogsbeat.request_budget.describe: not a number: 'fast'" },
		{ "fields: [a]\n", ":1: fields: not a mapping: a list" },
		{ "cloudwatchlogsbeat.aws_region: [a]\n",
		  ":1: cloudwatchlogsbeat.aws_region: not a string: a list" },
		{ "output.logstash.ssl.certificate_authorities: [[a]]\n",
		  ":1: output.logstash.ssl.certificate_authorities.0: not a string: a list" },
	};
	size_t i;

	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		c = load(wrong[i].yaml);
		CHECK_INT(cfg_validate(c, &e), -1, "case %zu refused", i);
		snprintf(want, sizeof(want), "%s%s", path, wrong[i].msg);
		CHECK_STR(err_msg(&e), want, "case %zu", i);
		CHECK_INT(e.code, EXIT_USAGE, "case %zu usage error", i);
		err_clear(&e);
		cfg_free(c);
	}

	/* every type's null is the default, never an error */
	c = load("cloudwatchlogsbeat:\n  prospectors:\n  aws_region:\n"
	    "output.elasticsearch:\n  hosts:\n  ssl:\n");
	out = capture(validate, c, &e, &r);
	CHECK_INT(r, 0, "nulls validate: %s", err_msg(&e));
	CHECK_STR(out, "", "no warning");
	cfg_free(c);
}

static void
test_errors(void)
{
	struct err e = ERR_INIT;
	char want[4200];
	struct cfg *c;
	int code;

	snprintf(want, sizeof(want), "%s/missing.yml", dir);
	c = cfg_load(want, &e);
	CHECK(c == NULL, "missing file");
	snprintf(want, sizeof(want), "config file %s/missing.yml: No such file "
	    "or directory", dir);
	CHECK_STR(err_msg(&e), want, "missing file message");
	CHECK_INT(e.code, EXIT_USAGE, "usage error");
	err_clear(&e);
	c = cfg_load(dir, &e);
	CHECK(c == NULL, "a directory");
	snprintf(want, sizeof(want), "config file %s: Is a directory", dir);
	CHECK_STR(err_msg(&e), want, "directory message");
	err_clear(&e);

	snprintf(want, sizeof(want), "%s/c.yml:3:7: YAML: mapping values are "
	    "not allowed in this context", dir);
	CHECK_STR(load_err("a:\n  b: 1\n  c: d: e\n", &code), want, "YAML error");
	CHECK_INT(code, EXIT_USAGE, "YAML error is a usage error");
	snprintf(want, sizeof(want), "%s/c.yml:2:1: YAML: found a tab character "
	    "that violates indentation (while scanning a plain scalar at line 1)",
	    dir);
	CHECK_STR(load_err("a: 1\n\tb: 2\n", &code), want, "a tab");
	snprintf(want, sizeof(want), "%s/c.yml:3:1: YAML: found unexpected end "
	    "of stream (while scanning a quoted scalar at line 2)", dir);
	CHECK_STR(load_err("a: 1\nb: \"open\n", &code), want, "unclosed quote");
	snprintf(want, sizeof(want), "%s/c.yml:2:5: YAML: invalid leading "
	    "UTF-8 octet", dir);
	CHECK_STR(load_err("a: 1\nb: x\xff\n", &code), want, "bad UTF-8");
	snprintf(want, sizeof(want), "%s/c.yml:1:4: YAML: found undefined alias",
	    dir);
	CHECK_STR(load_err("a: *x\n", &code), want, "undefined alias");

	snprintf(want, sizeof(want), "%s/c.yml:4:3: duplicate key "
	    "'cloudwatchlogsbeat.aws_region' (first set at line 2)", dir);
	CHECK_STR(load_err("cloudwatchlogsbeat:\n  aws_region: a\n"
	    "  s3_bucket_name: b\n  aws_region: c\n", &code), want, "duplicate");
	CHECK_INT(code, EXIT_USAGE, "duplicate is a usage error");
	snprintf(want, sizeof(want), "%s/c.yml:3:1: duplicate key "
	    "'cloudwatchlogsbeat.aws_region' (first set at line 2)", dir);
	CHECK_STR(load_err("cloudwatchlogsbeat:\n  aws_region: a\n"
	    "cloudwatchlogsbeat.aws_region: c\n", &code), want,
	    "duplicate through a dotted key");
	snprintf(want, sizeof(want), "%s/c.yml:2:1: duplicate key 'a.b' "
	    "(first set at line 1)", dir);
	CHECK_STR(load_err("a.b: 1\na.b.c: 2\n", &code), want,
	    "a scalar where a mapping goes");
	snprintf(want, sizeof(want), "%s/c.yml:1: the top level must be a "
	    "mapping of keys (cloudwatchlogsbeat:, output.elasticsearch:, ...)",
	    dir);
	CHECK_STR(load_err("- a\n- b\n", &code), want, "a list at the top");
	snprintf(want, sizeof(want), "%s/c.yml:1:1: a key must be a name, not a "
	    "list or a mapping", dir);
	CHECK_STR(load_err("[a]: 1\n", &code), want, "a list as a key");
	snprintf(want, sizeof(want), "%s/c.yml:1:1: empty name in key 'a..b'",
	    dir);
	CHECK_STR(load_err("a..b: 1\n", &code), want, "empty part of a key");
	snprintf(want, sizeof(want), "%s/c.yml:5:3: YAML: more than 100000 values "
	    "(aliases expanding without end?)", dir);
	CHECK(strstr(load_err(
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", &code),
	    "YAML: more than 100000 values") != NULL, "alias bomb stopped");
}

static void
test_yaml_features(void)
{
	struct err e = ERR_INIT;
	char want[4200];
	const char *s;
	int64_t i;
	struct cfg *c;

	c = load("");
	CHECK(json_object_is_type(cfg_node(c, "cloudwatchlogsbeat"), json_type_null),
	    "empty file: nothing set");
	CHECK_INT(cfg_validate(c, &e), 0, "empty file validates");
	cfg_free(c);
	c = load("output:\n  elasticsearch:\n"
	    "output.elasticsearch.hosts: [a]\n"
	    "late: ${ref}/x\n"
	    "ref: ${path.data}\n");
	CHECK_INT(cfg_str(c, "output.elasticsearch.hosts.0", NULL, &s, &e), 1,
	    "a null placeholder gives way to a dotted key");
	cfg_str(c, "late", NULL, &s, &e);
	snprintf(want, sizeof(want), "%s/data/x", dir);
	CHECK_STR(s, want, "a reference to a key not expanded yet");
	cfg_free(c);
	c = load("# only a comment\n");
	CHECK_INT(cfg_str(c, "name", "d", &s, &e), 0, "nothing set");
	cfg_free(c);

	c = load(
	    "defaults: &d\n"
	    "  multiline.negate: true\n"
	    "  multiline.match: after\n"
	    "cloudwatchlogsbeat.prospectors:\n"
	    "  - <<: *d\n"
	    "    id: one\n"
	    "    multiline.match: before\n"
	    "  - id: two\n"
	    "    <<: *d\n"
	    "text: |\n"
	    "  line one\n"
	    "  line two\n"
	    "folded: >\n"
	    "  a\n"
	    "  b\n"
	    "num: 0x10\n");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.0.multiline.match", NULL, &s, &e);
	CHECK_STR(s, "before", "an explicit key wins over a merge");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.1.multiline.match", NULL, &s, &e);
	CHECK_STR(s, "after", "merged key");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.1.multiline.negate", NULL, &s, &e);
	CHECK_STR(s, "true", "merged key from a dotted key");
	cfg_str(c, "text", NULL, &s, &e);
	CHECK_STR(s, "line one\nline two\n", "literal block");
	cfg_str(c, "folded", NULL, &s, &e);
	CHECK_STR(s, "a b\n", "folded block");
	CHECK_INT(cfg_int(c, "num", 0, &i, &e), -1, "hex is no decimal int");
	err_clear(&e);
	cfg_free(c);
}

/* The example file of the original Go cloudwatchlogsbeat. */
static void
test_original_example(void)
{
	struct err e = ERR_INIT;
	const char *const *l;
	const char *out, *s;
	size_t n;
	int64_t i;
	int r, b;
	struct cfg *c = load(
	    "name: cloudwatchlogsbeat\n"
	    "\n"
	    "cloudwatchlogsbeat:\n"
	    "  # Defines how often the manager will refresh its list of monitored log groups\n"
	    "  group_refresh_frequency: 1s\n"
	    "  s3_bucket_name: the-bucket-name\n"
	    "  s3_key_prefix: cwl/\n"
	    "  stream_refresh_frequency: 5s\n"
	    "  report_frequency: 5m\n"
	    "  aws_region: eu-west-1\n"
	    "  stream_event_horizon: 10m\n"
	    "  stream_event_refresh_frequency: 5s\n"
	    "  hot_stream_event_horizon: 1m\n"
	    "  hot_stream_event_refresh_frequency: 1s\n"
	    "  stream_last_event_horizon: 3h\n"
	    "  prospectors:\n"
	    "    - id: application-name\n"
	    "      groupnames:\n"
	    "        - /aws/lambda/log-group-name\n"
	    "        - /aws/lambda/another-name-*\n"
	    "      multiline:\n"
	    "        pattern: \"^REPORT RequestId.+\"\n"
	    "        negate: true\n"
	    "        match: before\n"
	    "    - id: vpc\n"
	    "      groupnames: [vpc-flow-logs]\n"
	    "      vpc_flow_log: true\n"
	    "\n"
	    "output.elasticsearch:\n"
	    "  hosts: [\"localhost:9200\"]\n"
	    "  #compression_level: 0\n"
	    "  template.overwrite: true\n"
	    "  template.versions.2x.enabled: true\n"
	    "logging.level: info\n");

	out = capture(validate, c, &e, &r);
	CHECK_INT(r, 0, "the original example validates: %s", err_msg(&e));
	CHECK_STR(out, "", "with no warning");
	cfg_duration(c, "cloudwatchlogsbeat.stream_last_event_horizon", 0, &i, &e);
	CHECK_INT(i, 3 * 3600000, "3h");
	cfg_duration(c, "cloudwatchlogsbeat.group_refresh_frequency", 0, &i, &e);
	CHECK_INT(i, 1000, "1s");
	cfg_strlist(c, "cloudwatchlogsbeat.prospectors.0.groupnames", &l, &n, &e);
	CHECK_INT(n, 2, "two group names");
	CHECK_STR(l[1], "/aws/lambda/another-name-*", "a prefix");
	cfg_str(c, "cloudwatchlogsbeat.prospectors.0.multiline.pattern", NULL, &s, &e);
	CHECK_STR(s, "^REPORT RequestId.+", "multiline pattern");
	cfg_bool(c, "cloudwatchlogsbeat.prospectors.0.multiline.negate", 0, &b, &e);
	CHECK_INT(b, 1, "negate");
	cfg_bool(c, "cloudwatchlogsbeat.prospectors.1.vpc_flow_log", 0, &b, &e);
	CHECK_INT(b, 1, "vpc_flow_log");
	cfg_free(c);
}

static void
test_schema(void)
{
	const struct cfg_key *k, *k2;
	char *buf = NULL;
	size_t len = 0, nkeys = 0;
	FILE *f;
	int dup = 0;

	for (k = cfg_keys; k->key; k++) {
		nkeys++;
		CHECK(k->desc && *k->desc, "%s has a description", k->key);
		for (k2 = k + 1; k2->key; k2++)
			if (strcmp(k->key, k2->key) == 0)
				dup++;
	}
	CHECK_INT(dup, 0, "no key twice in the schema");
	CHECK(nkeys > 150, "the schema holds the keys: %zu", nkeys);
	k = cfg_schema_find("cloudwatchlogsbeat.prospectors[].multiline.pattern");
	CHECK(k && k->type == CFG_STR, "find a list member");
	k = cfg_schema_find("output.logstash.ssl.certificate_authorities");
	CHECK(k && k->type == CFG_STRLIST, "ssl keys of logstash");
	CHECK(cfg_schema_find("nope") == NULL, "no such key");
	CHECK_STR(cfg_type_name(CFG_DURATION), "duration", "type name");
	CHECK_STR(cfg_type_name(CFG_LIST), "list of objects", "type name");
	f = open_memstream(&buf, &len);
	cfg_schema_print(f);
	fclose(f);
	CHECK(strstr(buf, "cloudwatchlogsbeat.stream_refresh_frequency\tduration\t") != NULL,
	    "printed schema");
	CHECK(strstr(buf, "output.elasticsearch.bulk_max_bytes\tsize\t") != NULL,
	    "printed size key");
	free(buf);
}

/* Every default of the schema converts by its key's type, and the
 * cfg_get_* getters answer it when the key is unset, the file's value
 * when it is set. */
static void
test_defaults(void)
{
	const struct cfg_key *k;
	struct err e = ERR_INIT;
	struct cfg *c = load("cloudwatchlogsbeat:\n  grace_period: 7s\n");
	const char *s;
	int64_t i;
	double d;
	int b, r, n = 0;

	for (k = cfg_keys; k->key; k++) {
		if (k->def == NULL)
			continue;
		n++;
		switch (k->type) {
		case CFG_INT:
			r = cfg_get_int(c, k->key, &i, &e);
			break;
		case CFG_BOOL:
			r = cfg_get_bool(c, k->key, &b, &e);
			break;
		case CFG_DURATION:
			r = cfg_get_duration(c, k->key, &i, &e);
			break;
		case CFG_FLOAT:
			r = cfg_get_float(c, k->key, &d, &e);
			break;
		case CFG_SIZE:
			r = cfg_get_size(c, k->key, &i, &e);
			break;
		case CFG_STR:
			r = cfg_get_str(c, k->key, &s, &e);
			CHECK(r != 0 || (s && strcmp(s, k->def) == 0),
			    "%s: the default string", k->key);
			break;
		default:
			r = -1;
			err_set(&e, EXIT_USAGE, "a default for a %s",
			    cfg_type_name(k->type));
		}
		CHECK(r != -1, "%s: default '%s': %s", k->key, k->def,
		    err_msg(&e));
		err_clear(&e);
	}
	CHECK(n > 40, "the schema has defaults: %d", n);
	CHECK_INT(cfg_get_duration(c, "cloudwatchlogsbeat.report_frequency", &i,
	    &e), 0, "report_frequency unset");
	CHECK_INT(i, 300000, "report_frequency: the schema's 5m");
	CHECK_INT(cfg_get_duration(c, "cloudwatchlogsbeat.grace_period", &i,
	    &e), 1, "grace_period set");
	CHECK_INT(i, 7000, "grace_period: the file's");
	CHECK_INT(cfg_get_int(c, "output.logstash.compression_level", &i, &e),
	    0, "an int unset");
	CHECK_INT(i, 3, "the logstash compression default");
	CHECK_INT(cfg_get_bool(c, "output.file.rotate_on_startup", &b, &e), 0,
	    "a bool unset");
	CHECK_INT(b, 1, "rotate_on_startup: true");
	CHECK_INT(cfg_get_int(c, "max_procs", &i, &e), 0,
	    "a key without a default");
	CHECK_INT(i, 0, "no default: 0");
	CHECK_STR(cfg_default("cloudwatchlogsbeat.accounts.3.name") ?
	    cfg_default("cloudwatchlogsbeat.accounts.3.name") : "none", "none",
	    "a list member without a default");
	CHECK_STR(cfg_default("output.logstash.ssl.verification_mode"), "full",
	    "a default of the ssl keys");
	CHECK_STR(cfg_default("cloudwatchlogsbeat.prospectors.2.multiline.match"),
	    "after", "the default of a list member's key");
	CHECK_STR(cfg_default("output.elasticsearch.bulk_max_size"), "1600",
	    "each output its own batch size");
	CHECK_STR(cfg_default("output.logstash.bulk_max_size"), "2048",
	    "each output its own batch size");
	CHECK(cfg_default("nope") == NULL, "no default for an unknown key");
	cfg_free(c);
}

int
main(void)
{
	char cmd[64];

	log_init("test");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_nested_and_dotted();
	test_getters();
	test_env();
	test_overrides();
	test_validate();
	test_errors();
	test_yaml_features();
	test_original_example();
	test_schema();
	test_defaults();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	return unit_done("config");
}
