/*
 * config: the YAML file of DESIGN.md, laid out like a beat's, with -E
 * overrides and ${VAR} / ${VAR:default} expansion from the environment.
 * Dotted keys in the file ("output.elasticsearch:", "ssl.enabled: true")
 * are paths, as in libbeat. Values are kept with the file and line they
 * came from, so an error names them: "cloudwatchlogsbeat.yml:12:
 * cloudwatchlogsbeat.stream_refresh_frequency: not a duration: 'soon'".
 * Keys not in the schema (config_keys.c) give a warning, values of the
 * wrong type an error (EXIT_USAGE). Elements of lists are addressed by
 * their index in dotted keys: "cloudwatchlogsbeat.prospectors.0.id".
 */
#ifndef CWL_CONFIG_H
#define CWL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "err.h"

struct cfg;

/* Returns a config loaded from path (NULL: empty), owned by the caller
 * (cfg_free), or NULL with e set: a missing or unreadable file is
 * EXIT_USAGE naming it, a YAML error names the file, line and column. */
struct cfg *cfg_load(const char *path, struct err *e);
void cfg_free(struct cfg *c);
/* Applies one -E override "dotted.key=value"; value is parsed as a YAML
 * flow scalar or sequence ("a", 5, true, [x, y]), or a mapping ({k: v}).
 * A numeric part of the key indexes a list ("a.prospectors.0.id"); the
 * value replaces the whole subtree at key. Returns 0 or -1. */
int cfg_override(struct cfg *c, const char *assignment, struct err *e);
/* Checks every key against the schema: unknown keys are warned about
 * through log_warn (with file and line); a value of the wrong type is
 * an error. The values of secret keys, and the passwords of URLs in any
 * value, are registered with log_secret. Returns 0 or -1. */
int cfg_validate(struct cfg *c, struct err *e);

/* Typed getters for a dotted key ("output.elasticsearch.hosts"). Each
 * returns 1 when the key was set (and *out holds it), 0 when absent
 * (*out = def), -1 when of the wrong type (e names file:line: key).
 * These take the default from the caller: for the keys whose default
 * the schema leaves to the program (it depends on the mode or on other
 * keys); the cfg_get_* below take the schema's. */
int cfg_str(struct cfg *c, const char *key, const char *def,
    const char **out, struct err *e);		/* owned by c */
int cfg_int(struct cfg *c, const char *key, int64_t def, int64_t *out,
    struct err *e);
int cfg_bool(struct cfg *c, const char *key, int def, int *out,
    struct err *e);
int cfg_duration(struct cfg *c, const char *key, int64_t def_ms,
    int64_t *out_ms, struct err *e);	/* "10s", "5m", or a number of seconds */
/* A list of strings; a scalar counts as a list of one. *out is a
 * NULL-terminated array owned by c. */
int cfg_strlist(struct cfg *c, const char *key, const char *const **out,
    size_t *n, struct err *e);
/* A floating-point number ("0.5", "4", "1e3"). */
int cfg_float(struct cfg *c, const char *key, double def, double *out,
    struct err *e);
/* A size in bytes: a number of bytes, or with a unit as libbeat writes
 * them: "64KB" (1000), "10MB", "1GB", "64KiB" (1024), "10MiB", "1GiB";
 * units are case-insensitive. */
int cfg_size(struct cfg *c, const char *key, int64_t def, int64_t *out,
    struct err *e);
/* The getters above with the schema's default (cfg_default) when the key
 * is absent, and 0 or NULL when the schema has none: one default, in
 * config_keys.c. Same returns. */
int cfg_get_str(struct cfg *c, const char *key, const char **out,
    struct err *e);		/* owned by c, or static */
int cfg_get_int(struct cfg *c, const char *key, int64_t *out,
    struct err *e);
int cfg_get_bool(struct cfg *c, const char *key, int *out, struct err *e);
int cfg_get_duration(struct cfg *c, const char *key, int64_t *out_ms,
    struct err *e);
int cfg_get_float(struct cfg *c, const char *key, double *out,
    struct err *e);
int cfg_get_size(struct cfg *c, const char *key, int64_t *out,
    struct err *e);
/* Returns the node at key (an object, array or scalar) owned by c, or NULL.
 * "cloudwatchlogsbeat.prospectors" gives the array of prospectors. */
json_object *cfg_node(struct cfg *c, const char *key);
/* Returns "file:line" where key was set, "-E" for an override, or
 * "default"; owned by c. */
const char *cfg_where(struct cfg *c, const char *key);
/* Returns the path the config was loaded from, or NULL. */
const char *cfg_path(const struct cfg *c);

/*
 * The schema (config_keys.c): every key a program reads, with its type
 * and a one-line description. A list of objects is followed by "[]" in
 * the keys of its elements: "cloudwatchlogsbeat.prospectors[].id".
 * CFG_MAP and CFG_ANY accept anything below them.
 */
enum cfg_type {
	CFG_STR, CFG_INT, CFG_BOOL, CFG_DURATION, CFG_STRLIST, CFG_FLOAT,
	CFG_SIZE, CFG_MAP, CFG_LIST, CFG_ANY,
	CFG_SECRET	/* a string that is a password or key: registered
			 * with log_secret when the config is validated,
			 * and never printed */
};
struct cfg_key {
	const char *key;
	enum cfg_type type;
	const char *desc;
	const char *def;	/* the default, written as in the file ("30s",
				   "true", "cloudwatchlogsbeat"); NULL when
				   there is none, or when it depends on
				   the mode or on other keys (desc says so) */
};
/* The schema table, ended by an entry whose key is NULL; static. */
extern const struct cfg_key cfg_keys[];
/* Returns the name of a type ("string", "duration", ...); static. */
const char *cfg_type_name(enum cfg_type t);
/* Returns the schema entry of a key as written in the table, or NULL. */
const struct cfg_key *cfg_schema_find(const char *key);
/* Returns the schema entry of a dotted key as a config names it, list
 * elements by their index ("cloudwatchlogsbeat.accounts.0.name"), or
 * NULL; static. */
const struct cfg_key *cfg_schema_key(const char *key);
/* Returns 1 if the dotted key ("output.elasticsearch.password",
 * "cloudwatchlogsbeat.accounts.0.name") is a secret of the schema. */
int cfg_secret(const char *key);
/* Returns the schema's default of the dotted key, as text, or NULL when
 * it has none; static. */
const char *cfg_default(const char *key);
/* Prints the schema to f, one key a line:
 * "KEY<TAB>TYPE<TAB>DESCRIPTION<TAB>DEFAULT" (DEFAULT empty when none). */
void cfg_schema_print(FILE *f);

#endif
