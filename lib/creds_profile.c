/*
 * The credentials a profile of the shared files gives, in the order of
 * the SDKs: role_arn (with source_profile, credential_source or
 * web_identity_token_file), the profile's own keys, credential_process.
 * The credentials file wins over the config file, key by key.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "creds_int.h"
#include "log.h"

/* Warns, once per provider, when the credentials file can be read by
 * others: the SDKs and the CLI create it 0600. */
static void
check_mode(struct creds_provider *p, const char *path)
{
	struct stat st;

	if (p->warned_mode || stat(path, &st) == -1)
		return;
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		p->warned_mode = 1;
		log_warn("shared credentials file %s can be read by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
	}
}

/* A profile as the two files give it: the credentials file wins, key by
 * key. */
struct pfile {
	struct creds_profile cf, cc;
	char *cpath, *gpath;
	int rcf, rcc;
};

static void
pfile_clear(struct pfile *f)
{
	creds_ini_clear(&f->cf);
	creds_ini_clear(&f->cc);
	free(f->cpath);
	free(f->gpath);
	memset(f, 0, sizeof(*f));
}

static int
pfile_load(struct creds_provider *p, const char *name, struct pfile *f,
    struct err *e)
{
	memset(f, 0, sizeof(*f));
	if ((f->cpath = creds_credentials_path(&p->o)) == NULL ||
	    (f->gpath = creds_config_path()) == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	if ((f->rcf = creds_ini_read(f->cpath, 0, name, &f->cf, e)) == -1 ||
	    (f->rcc = creds_ini_read(f->gpath, 1, name, &f->cc, e)) == -1)
		return -1;
	if (f->rcf == 1)
		check_mode(p, f->cpath);
	return 0;
}

static const char *
prop(const struct pfile *f, const char *k)
{
	const char *v = creds_ini_get(&f->cf, k);

	if (v == NULL)
		v = creds_ini_get(&f->cc, k);
	return v && *v ? v : NULL;
}

/* The profile's own keys. Returns 1 with *out, 0 if it has none, -1. */
static int
static_keys(const char *name, const struct pfile *f, struct creds *out,
    struct err *e)
{
	const char *ak = prop(f, "aws_access_key_id"),
	    *sk = prop(f, "aws_secret_access_key"),
	    *tok = prop(f, "aws_session_token");

	if (tok == NULL)
		tok = prop(f, "aws_security_token");
	log_secret(sk);
	log_secret(tok);
	if (ak && sk) {
		if (creds_fill(out, ak, sk, tok, 0, "profile %s (%s)", name,
		    creds_ini_get(&f->cf, "aws_access_key_id") ? f->cpath :
		    f->gpath) == -1)
			return err_set(e, EXIT_RUNTIME, "credentials: out of "
			    "memory");
		return 1;
	}
	if (ak || sk)
		return err_set(e, EXIT_AUTH, "AWS profile %s (%s, %s): %s is set "
		    "without %s", name, f->cpath, f->gpath, ak ?
		    "aws_access_key_id" : "aws_secret_access_key", ak ?
		    "aws_secret_access_key" : "aws_access_key_id");
	return 0;
}

/* How many source_profile hops a role may take ("A -> B -> C"). */
#define MAX_HOPS 5

static int profile_creds(struct creds_provider *, const char *, int, int,
    struct creds *, struct buf *, struct err *);

/* role_arn in a profile: the credentials to assume it with come from
 * source_profile, credential_source or web_identity_token_file. */
static int
profile_role(struct creds_provider *p, const char *name, const struct pfile *f,
    int hops, struct creds *out, struct err *e)
{
	const char *arn = prop(f, "role_arn"), *sp = prop(f, "source_profile"),
	    *cs = prop(f, "credential_source"),
	    *wif = prop(f, "web_identity_token_file"),
	    *session = prop(f, "role_session_name");
	struct creds base;
	struct buf via = BUF_INIT, src = BUF_INIT, none = BUF_INIT;
	int r, rc = -1;

	memset(&base, 0, sizeof(base));
	if (prop(f, "mfa_serial"))
		return err_set(e, EXIT_AUTH, "AWS profile %s: role %s needs an "
		    "MFA code (mfa_serial), which nobody is there to type",
		    name, arn);
	if (sp && cs)
		return err_set(e, EXIT_AUTH, "AWS profile %s: source_profile "
		    "and credential_source are both set", name);
	if (sp) {
		if (strcmp(sp, name) == 0)
			r = static_keys(name, f, &base, e);
		else if (hops >= MAX_HOPS)
			return err_set(e, EXIT_AUTH, "AWS profile %s: more than "
			    "%d source_profile hops (a loop?)", name, MAX_HOPS);
		else
			r = profile_creds(p, sp, hops + 1, 1, &base, &none, e);
		if (r == 0)
			err_set(e, EXIT_AUTH, "AWS profile %s: source_profile %s "
			    "has no credentials", name, sp);
		if (r != 1)
			goto done;
		buf_printf(&via, "profile %s", sp);
	} else if (cs) {
		if (strcmp(cs, "Environment") == 0)
			r = creds_env_keys(p, &base, &none, e);
		else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			r = creds_src_imds(p, &base, &none, e);
		else if (strcmp(cs, "EcsContainer") == 0)
			r = creds_src_container(p, &base, &none, e);
		else {
			err_set(e, EXIT_AUTH, "AWS profile %s: credential_source "
			    "%s: expected Environment, Ec2InstanceMetadata or "
			    "EcsContainer", name, cs);
			goto done;
		}
		if (r == 0)
			err_set(e, EXIT_AUTH, "AWS profile %s: credential_source "
			    "%s has no credentials: tried %s", name, cs,
			    buf_str(&none));
		if (r != 1)
			goto done;
		buf_printf(&via, "%s", cs);
	} else if (wif) {
		buf_printf(&via, "profile %s", name);
		rc = creds_web_identity(p, wif, arn, session, buf_str(&via), out, e) ==
		    -1 ? -1 : 1;
		goto done;
	} else {
		err_set(e, EXIT_AUTH, "AWS profile %s: role_arn needs "
		    "source_profile, credential_source or "
		    "web_identity_token_file", name);
		goto done;
	}
	buf_printf(&src, "profile %s (role %s via %s)", name, arn,
	    buf_str(&via));
	if (creds_assume_role(p, &base, arn, session, prop(f, "external_id"),
	    prop(f, "duration_seconds"), buf_str(&src), out, e) == 0)
		rc = 1;
done:
	creds_clear(&base);
	buf_free(&via);
	buf_free(&src);
	buf_free(&none);
	return rc;
}

/*
 * The credentials of a profile, in the order of the SDKs: role_arn,
 * then the profile's keys, then credential_process. Returns 1 with *out,
 * 0 when the profile has none (and says so in tried), -1 with e.
 */
static int
profile_creds(struct creds_provider *p, const char *name, int hops,
    int named, struct creds *out, struct buf *tried, struct err *e)
{
	struct pfile f;
	const char *cmd;
	int rc = -1;

	if (pfile_load(p, name, &f, e) == -1)
		goto done;
	if (!f.cf.found && !f.cc.found) {
		if (named) {
			err_set(e, EXIT_AUTH, "AWS profile %s not found in "
			    "shared credentials file %s%s or config file %s%s",
			    name, f.cpath, f.rcf ? "" : " (absent)", f.gpath,
			    f.rcc ? "" : " (absent)");
			goto done;
		}
		creds_tried_add(tried, "shared credentials file %s (profile %s), "
		    "config file %s", f.cpath, name, f.gpath);
		rc = 0;
		goto done;
	}
	if (prop(&f, "role_arn")) {
		rc = profile_role(p, name, &f, hops, out, e);
		goto done;
	}
	if ((rc = static_keys(name, &f, out, e)) != 0)
		goto done;
	if ((cmd = prop(&f, "credential_process")) != NULL) {
		rc = creds_process(name, cmd, out, e) == -1 ? -1 : 1;
		goto done;
	}
	creds_tried_add(tried, "shared credentials file %s (profile %s, no keys), "
	    "config file %s", f.cpath, name, f.gpath);
	rc = 0;
done:
	pfile_clear(&f);
	return rc;
}

int
creds_src_profile(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	int named;
	const char *name = creds_profile_name(&p->o, &named);

	return profile_creds(p, name, 0, named, out, tried, e);
}
