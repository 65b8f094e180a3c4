/*
 * fuzz_config: the YAML config (cfg_load) with -E overrides
 * (cfg_override), validation (cfg_validate) and every typed getter on
 * every key of the schema.
 *
 * Input: the YAML file, then -E assignments, separated by NUL bytes. The
 * file is written to an anonymous file in memory that cfg_load opens by
 * name.
 *
 * Checks: a refused file or assignment is EXIT_USAGE with a message; a
 * getter says set (1), absent (0, with the default) or wrong (-1 with
 * EXIT_USAGE and a message); a duration or size found is not negative; a
 * list has as many strings as it says, then NULL; cfg_where always has
 * an answer; an override of a new key reads back as given, from "-E".
 */
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "fuzz.h"
#include "log.h"

static int fd_yml = -1;
static char path_yml[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd_yml = fuzz_memfile("cwl.yml", path_yml);
	/* what ${...} may read, the same at every run */
	setenv("CWL_FUZZ_HOSTS", "[\"https://es1:9200\", \"https://es2:9200\"]",
	    1);
	setenv("CWL_FUZZ_REGION", "eu-west-1", 1);
	setenv("CWL_FUZZ_MAP", "{a: 1, b: [x, y]}", 1);
	log_set_level(LOG_ERROR);
	return 0;
}

static void
get_all(struct cfg *c, const char *key, enum cfg_type t)
{
	struct err e = ERR_INIT;
	const char *s = NULL;
	const char *const *l = NULL;
	int64_t i = 0;
	double f = 0;
	size_t n = 0, k;
	int b = 0, r = 0;

	switch (t) {
	case CFG_STR:
		r = cfg_str(c, key, "def", &s, &e);
		FUZZ_ASSERT(r != 0 || (s && strcmp(s, "def") == 0), "default");
		FUZZ_ASSERT(r != 1 || s != NULL, "%s set to NULL", key);
		break;
	case CFG_INT:
		r = cfg_int(c, key, -7, &i, &e);
		FUZZ_ASSERT(r != 0 || i == -7, "default");
		break;
	case CFG_BOOL:
		r = cfg_bool(c, key, 2, &b, &e);
		FUZZ_ASSERT(r != 0 || b == 2, "default");
		FUZZ_ASSERT(r != 1 || b == 0 || b == 1, "%s: bool %d", key, b);
		break;
	case CFG_DURATION:
		r = cfg_duration(c, key, 1234, &i, &e);
		FUZZ_ASSERT(r != 0 || i == 1234, "default");
		FUZZ_ASSERT(r != 1 || i >= 0, "%s: duration %lld", key,
		    (long long)i);
		break;
	case CFG_SIZE:
		r = cfg_size(c, key, 99, &i, &e);
		FUZZ_ASSERT(r != 0 || i == 99, "default");
		FUZZ_ASSERT(r != 1 || i >= 0, "%s: size %lld", key, (long long)i);
		break;
	case CFG_FLOAT:
		r = cfg_float(c, key, 0.5, &f, &e);
		FUZZ_ASSERT(r != 0 || f == 0.5, "default");
		break;
	case CFG_STRLIST:
		r = cfg_strlist(c, key, &l, &n, &e);
		if (r == 1) {
			FUZZ_ASSERT(l != NULL, "%s: no list", key);
			for (k = 0; k < n; k++)
				FUZZ_ASSERT(l[k] != NULL, "%s: [%zu] is NULL", key, k);
			FUZZ_ASSERT(l[n] == NULL, "%s: not NULL-terminated", key);
		}
		break;
	default:
		(void)cfg_node(c, key);
		break;
	}
	if (r == -1)
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "%s: wrong with code %d", key, e.code);
	else
		FUZZ_ASSERT(e.code == 0, "%s: error set with %d", key, r);
	FUZZ_ASSERT(cfg_where(c, key) != NULL, "%s: nowhere", key);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct err e = ERR_INIT;
	struct cfg *c;
	const struct cfg_key *k;
	const char *s;
	char *yml, *ov, key[512], *p;
	size_t n;
	int r;

	yml = fuzz_field(&in, 0, &n);
	fuzz_memfile_set(fd_yml, yml, n);
	free(yml);
	if ((c = cfg_load(path_yml, &e)) == NULL) {
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "cfg_load failed with code %d: %s", e.code, err_msg(&e));
		err_clear(&e);
		return 0;
	}
	while (in.n > 0) {
		ov = fuzz_field(&in, 0, NULL);
		if (cfg_override(c, ov, &e) == -1) {
			FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
			    "-E %s failed with code %d: %s", ov, e.code,
			    err_msg(&e));
			err_clear(&e);
		}
		free(ov);
	}
	if (cfg_validate(c, &e) == -1) {
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "cfg_validate failed with code %d", e.code);
		err_clear(&e);
	}
	for (k = cfg_keys; k->key; k++) {
		/* the first element of each list of objects */
		snprintf(key, sizeof(key), "%s", k->key);
		while ((p = strstr(key, "[]")) != NULL) {
			p[0] = '.';
			p[1] = '0';
		}
		get_all(c, key, k->type);
	}
	if ((r = cfg_override(c, "fuzzcheck.key=value123", &e)) == 0) {
		FUZZ_ASSERT(cfg_str(c, "fuzzcheck.key", NULL, &s, &e) == 1 &&
		    strcmp(s, "value123") == 0, "an override reads back as '%s'",
		    s ? s : "(null)");
		FUZZ_ASSERT(strcmp(cfg_where(c, "fuzzcheck.key"), "-E") == 0,
		    "an override comes from '%s'", cfg_where(c, "fuzzcheck.key"));
	}
	err_clear(&e);
	cfg_free(c);
	return 0;
}
