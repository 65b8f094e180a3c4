/*
 * The shared config and credentials files of the AWS SDKs: where they
 * are, which profile is in use, and the INI parser that reads one
 * profile out of either. What a profile's properties mean is
 * creds_profile.c's business.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "creds_int.h"

void
creds_ini_clear(struct creds_profile *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->kv[i].k);
		if (p->kv[i].v) {
			memset(p->kv[i].v, 0, strlen(p->kv[i].v));
			free(p->kv[i].v);
		}
	}
	free(p->kv);
	memset(p, 0, sizeof(*p));
}

const char *
creds_ini_get(const struct creds_profile *p, const char *k)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].k, k) == 0)
			return p->kv[i].v;
	return NULL;
}

/* Sets k (last one wins, as in every SDK). Returns the stored pair or NULL. */
static struct creds_kv *
profile_set(struct creds_profile *p, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	struct creds_kv *t;
	char *key, *val;
	size_t i;

	if ((key = strndup(k, klen)) == NULL)
		return NULL;
	for (i = 0; key[i]; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	if ((val = strndup(v, vlen)) == NULL) {
		free(key);
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].k, key) == 0) {
			free(key);
			free(p->kv[i].v);
			p->kv[i].v = val;
			return &p->kv[i];
		}
	if ((t = realloc(p->kv, (p->n + 1) * sizeof(*t))) == NULL) {
		free(key);
		free(val);
		return NULL;
	}
	p->kv = t;
	p->kv[p->n].k = key;
	p->kv[p->n].v = val;
	return &p->kv[p->n++];
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && (is_blank((unsigned char)(*s)[*n - 1]) ||
	    (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int
has_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_blank((unsigned char)s[i]))
			return 1;
	return 0;
}

/* Where a line's section header puts us. */
enum { SEC_NONE, SEC_OTHER, SEC_WANTED, SEC_WANTED_PREFIXED };

/* The parser's state over one file. */
struct ini {
	const char *path;
	size_t lineno;
	int config;		/* the config file's naming of sections */
	const char *name;	/* the profile wanted */
	int sec;		/* SEC_*: the section we are in */
	int have_prop;		/* a property since the section header */
	struct creds_kv *last;	/* the property stored last, which an
				   indented line continues; NULL when the
				   last one was not kept */
	struct creds_profile *plain;	/* "[default]" of the config file */
	struct creds_profile *out;	/* "[profile NAME]", "[NAME]" */
};

static int
ini_error(const struct ini *st, struct err *e, const char *what)
{
	return err_set(e, EXIT_USAGE, "%s:%zu: %s", st->path, st->lineno, what);
}

/*
 * The policy: which profile a section (its trimmed name p, m) holds. In
 * the config file sections are "[profile NAME]" and "[default]"; in the
 * credentials file they are "[NAME]". Section names with blanks inside
 * are ignored.
 */
static int
section_kind(const struct ini *st, const char *p, size_t m)
{
	if (st->config && m == 7 && memcmp(p, "default", 7) == 0)
		return strcmp(st->name, "default") == 0 ? SEC_WANTED : SEC_OTHER;
	if (st->config) {
		if (m <= 8 || memcmp(p, "profile", 7) != 0 ||
		    !is_blank((unsigned char)p[7]))
			return SEC_OTHER;
		p += 8;
		m -= 8;
		trim(&p, &m);
	}
	return !has_blank(p, m) && strlen(st->name) == m &&
	    memcmp(p, st->name, m) == 0 ? SEC_WANTED_PREFIXED : SEC_OTHER;
}

/* A section header: "[NAME]", then nothing but a comment. */
static int
ini_section(struct ini *st, const char *s, size_t n, struct err *e)
{
	const char *close = memchr(s, ']', n), *p;
	size_t m;

	if (close == NULL)
		return ini_error(st, e, "a profile definition must end with ']'");
	for (p = close + 1; p < s + n && is_blank((unsigned char)*p); p++)
		;
	if (p < s + n && *p != '#' && *p != ';')
		return ini_error(st, e, "unexpected text after ']'");
	p = s + 1;
	m = (size_t)(close - p);
	trim(&p, &m);
	st->have_prop = 0;
	st->last = NULL;
	st->sec = section_kind(st, p, m);
	if (st->sec == SEC_WANTED)
		st->plain->found = 1;
	else if (st->sec == SEC_WANTED_PREFIXED)
		st->out->found = 1;
	return 0;
}

/* An indented line: the continuation of the value above. */
static int
ini_continuation(struct ini *st, const char *p, size_t n, struct err *e)
{
	struct buf b = BUF_INIT;

	if (st->sec == SEC_NONE)
		return ini_error(st, e, "expected a profile definition");
	if (!st->have_prop)
		return ini_error(st, e, "expected a property definition, found "
		    "a continuation");
	if (st->last == NULL)
		return 0;
	trim(&p, &n);
	if (buf_adds(&b, st->last->v) == -1 || buf_addc(&b, '\n') == -1 ||
	    buf_add(&b, p, n) == -1) {
		buf_free(&b);
		return err_set(e, EXIT_RUNTIME, "%s: out of memory", st->path);
	}
	free(st->last->v);
	st->last->v = buf_detach(&b);
	return 0;
}

/* The length of a value without its comment: '#' or ';' after a blank. */
static size_t
value_len(const char *val, size_t vl)
{
	size_t i;

	for (i = 1; i < vl; i++)
		if ((val[i] == '#' || val[i] == ';') &&
		    is_blank((unsigned char)val[i - 1]))
			return i;
	return vl;
}

/* "name = value": kept when the section is one we want and the name has
 * no blank inside. */
static int
ini_property(struct ini *st, const char *s, size_t n, struct err *e)
{
	const char *v, *p = s, *val;
	size_t k, vl;

	if (st->sec == SEC_NONE)
		return ini_error(st, e, "expected a profile definition before "
		    "the first property");
	if ((v = memchr(s, '=', n)) == NULL)
		return ini_error(st, e, "expected an '=' sign defining a "
		    "property");
	k = (size_t)(v - s);
	trim(&p, &k);
	if (k == 0)
		return ini_error(st, e, "a property has no name");
	st->have_prop = 1;
	st->last = NULL;
	if (has_blank(p, k) || st->sec == SEC_OTHER)
		return 0;
	val = v + 1;
	vl = n - (size_t)(val - s);
	while (vl > 0 && is_blank((unsigned char)*val)) {
		val++;
		vl--;
	}
	vl = value_len(val, vl);
	trim(&val, &vl);
	if ((st->last = profile_set(st->sec == SEC_WANTED ? st->plain : st->out,
	    p, k, val, vl)) == NULL)
		return err_set(e, EXIT_RUNTIME, "%s: out of memory", st->path);
	return 0;
}

/* One line, its end of line removed. Returns 0 or -1 with e. */
static int
ini_line(struct ini *st, const char *s, size_t n, struct err *e)
{
	size_t k = 0;

	while (k < n && is_blank((unsigned char)s[k]))
		k++;
	if (k == n)
		return 0;		/* blank */
	if (s[k] == '#' || s[k] == ';')
		return 0;	/* a comment, indented or not (as botocore
				   has it) */
	if (k > 0)
		return ini_continuation(st, s + k, n - k, e);
	if (s[0] == '[')
		return ini_section(st, s, n, e);
	return ini_property(st, s, n, e);
}

/*
 * Reads the properties of profile `name` from an SDK-style INI file, by
 * the rules of the SDKs' shared parser tests: '#' and ';' start a comment
 * at the start of a line (indented too, so that a comment under a key is
 * not taken for the continuation of its value), after a section header,
 * or after whitespace in a value ("value;x" keeps its ';'); names and
 * values are trimmed; keys are case-insensitive; an indented line
 * continues the value above; a section given twice is merged and the
 * last value of a key wins. Which sections hold the profile is
 * section_kind's rule; in the config file "[profile default]" beats
 * "[default]".
 */
int
creds_ini_read(const char *path, int config, const char *name,
    struct creds_profile *out, struct err *e)
{
	struct creds_profile plain = { NULL, 0, 0 };
	struct ini st;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_set(e, EXIT_AUTH, "reading %s: %s", path,
		    strerror(errno));
	}
	memset(&st, 0, sizeof(st));
	st.path = path;
	st.config = config;
	st.name = name;
	st.sec = SEC_NONE;
	st.plain = &plain;
	st.out = out;
	while ((len = getline(&line, &cap, f)) != -1) {
		st.lineno++;
		n = (size_t)len;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (ini_line(&st, line, n, e) == -1)
			goto done;
	}
	if (ferror(f)) {
		err_set(e, EXIT_AUTH, "reading %s: %s", path, strerror(errno));
		goto done;
	}
	/* "[profile default]" wins over "[default]" in the config file */
	if (!out->found && plain.found) {
		*out = plain;
		memset(&plain, 0, sizeof(plain));
	}
	rc = 1;
done:
	if (line) {
		memset(line, 0, cap);
		free(line);
	}
	fclose(f);
	creds_ini_clear(&plain);
	if (rc == -1)
		creds_ini_clear(out);
	return rc;
}

/* Returns "~/x" expanded with $HOME (or the passwd entry), malloc'd. */
static char *
expand_home(const char *path)
{
	const char *home;
	struct passwd *pw;
	struct buf b = BUF_INIT;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return strdup(path);
	if ((home = creds_env("HOME")) == NULL) {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "";
	}
	if (buf_printf(&b, "%s%s", home, path + 1) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The profile in use: the config's credential_profile_name, AWS_PROFILE,
 * else "default". *named says whether one was asked for. */
const char *
creds_profile_name(const struct creds_opts *o, int *named)
{
	const char *p = o->profile && *o->profile ? o->profile :
	    creds_env("AWS_PROFILE");

	*named = p != NULL;
	return p ? p : "default";
}

char *
creds_credentials_path(const struct creds_opts *o)
{
	const char *p = o->shared_credential_file && *o->shared_credential_file ?
	    o->shared_credential_file : creds_env("AWS_SHARED_CREDENTIALS_FILE");

	return expand_home(p ? p : "~/.aws/credentials");
}

char *
creds_config_path(void)
{
	const char *p = creds_env("AWS_CONFIG_FILE");

	return expand_home(p ? p : "~/.aws/config");
}
