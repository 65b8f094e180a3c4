/*
 * jsonx: JSON helpers beside json-c. The escaper turns any byte sequence
 * into a valid JSON string: control characters are escaped, and bytes that
 * are not valid UTF-8 (overlongs, surrogates, code points past U+10FFFF,
 * truncated sequences) become U+FFFD, as Filebeat does.
 */
#ifndef CWL_JSONX_H
#define CWL_JSONX_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"

/* Appends s[0..n) to b as a quoted JSON string. Returns 0 or -1 (ENOMEM). */
int jsonx_str(struct buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string. */
int jsonx_strz(struct buf *b, const char *s);
/* Returns 1 if s[0..n) is valid UTF-8 with no NUL byte, else 0. */
int jsonx_valid_utf8(const char *s, size_t n);

/* Accessors on parsed objects: each returns the member, or the default when
 * the member is absent or of another type. Strings are owned by obj. */
const char *jsonx_get_str(json_object *obj, const char *key, const char *def);
int64_t jsonx_get_int(json_object *obj, const char *key, int64_t def);
/* Returns the member if it is of type t, else NULL. Owned by obj. */
json_object *jsonx_get(json_object *obj, const char *key, json_type t);

/* Parses s[0..n) as one JSON value. Returns a new reference the caller
 * puts, or NULL with a short reason in *why (static string). */
json_object *jsonx_parse(const char *s, size_t n, const char **why);

#endif
