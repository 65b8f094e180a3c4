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

#include <json-c/json.h>

#include "err.h"

struct cfg;

/* Returns a config loaded from path (NULL: empty), owned by the caller
 * (cfg_free), or NULL with e set: a missing or unreadable file is
 * EXIT_USAGE naming it, a YAML error names the file, line and column. */
struct cfg *cfg_load(const char *path, struct err *e);
void cfg_free(struct cfg *c);
/* Applies one -E override "dotted.key=value"; value is parsed as a YAML
 * flow scalar or sequence ("a", 5, true, [x, y]). Returns 0 or -1. */
int cfg_override(struct cfg *c, const char *assignment, struct err *e);
/* Checks every key against the schema: unknown keys are warned about
 * through log_warn (with file and line); a value of the wrong type is
 * an error. Returns 0 or -1. */
int cfg_validate(struct cfg *c, struct err *e);

/* Typed getters for a dotted key ("output.elasticsearch.hosts"). Each
 * returns 1 when the key was set (and *out holds it), 0 when absent
 * (*out = def), -1 when of the wrong type (e names file:line: key). */
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
/* Returns the node at key (an object, array or scalar) owned by c, or NULL.
 * "cloudwatchlogsbeat.prospectors" gives the array of prospectors. */
json_object *cfg_node(struct cfg *c, const char *key);
/* Returns "file:line" where key was set, "-E" for an override, or
 * "default"; owned by c. */
const char *cfg_where(struct cfg *c, const char *key);
/* Returns the path the config was loaded from, or NULL. */
const char *cfg_path(const struct cfg *c);

#endif
