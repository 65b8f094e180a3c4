/*
 * tls.c: the one reading of an output's ssl.* settings, which are the
 * same for every output (lib/config_keys.c). Everything is checked here,
 * with OpenSSL, whatever carries it afterwards: logstash.c's own
 * SSL_CTX, or libcurl for Elasticsearch (lib/http.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "log.h"
#include "ship.h"

/* Sets e to "what: OpenSSL's words" (or errno's). Returns -1. */
int
tls_err(struct err *e, int code, const char *what)
{
	char why[256];
	unsigned long c = ERR_get_error();

	if (c == 0)
		return err_set(e, code, "%s: %s", what, errno ?
		    strerror(errno) : "the connection was closed");
	ERR_error_string_n(c, why, sizeof(why));
	ERR_clear_error();
	return err_set(e, code, "%s: %s", what, why);
}

/* Adds the certificates of the PEM text p[0..n) to st. Returns how many. */
static int
pem_certs(X509_STORE *st, const char *p, size_t n)
{
	BIO *bio = BIO_new_mem_buf(p, (int)n);
	X509 *x;
	int k = 0;

	while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) == 1)
			k++;
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	return k;
}

/* Reads the file path into b (appended). Returns 0, or -1 with e. */
static int
read_file(const char *what, const char *path, struct buf *b, struct err *e)
{
	char chunk[8192];
	size_t k;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return err_set(e, EXIT_USAGE, "%s: %s: %s", what, path,
		    strerror(errno));
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, k) == -1) {
			fclose(f);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
	k = (size_t)ferror(f);
	fclose(f);
	if (k)
		return err_set(e, EXIT_USAGE, "%s: %s: read error", what, path);
	return buf_addc(b, '\n') == -1 ?
	    err_set(e, EXIT_RUNTIME, "out of memory") : 0;
}

/* ssl.certificate_authorities: every file, into t->ca_pem; each must
 * hold a certificate. */
static int
read_cas(struct cfg *cfg, const char *key, struct tls_conf *t,
    X509_STORE *st, struct err *e)
{
	const char *const *cas;
	size_t n, i, at;

	if (cfg_strlist(cfg, key, &cas, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		at = t->ca_pem.len;
		if (read_file(key, cas[i], &t->ca_pem, e) == -1)
			return -1;
		if (pem_certs(st, t->ca_pem.p + at, t->ca_pem.len - at) == 0)
			return err_set(e, EXIT_USAGE, "%s: %s: no PEM "
			    "certificate in the file", key, cas[i]);
	}
	return 0;
}

/* ssl.supported_protocols: the lowest and the highest given. */
static int
read_protocols(struct cfg *cfg, const char *key, struct tls_conf *t,
    struct err *e)
{
	const char *const *v;
	size_t n, i;
	int ver;

	if (cfg_strlist(cfg, key, &v, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "TLSv1.2") == 0)
			ver = HTTP_TLS_1_2;
		else if (strcmp(v[i], "TLSv1.3") == 0)
			ver = HTTP_TLS_1_3;
		else
			return err_set(e, EXIT_USAGE, "%s: %s: '%s': TLSv1.2 or "
			    "TLSv1.3", cfg_where(cfg, key), key, v[i]);
		t->min = t->min == 0 || ver < t->min ? ver : t->min;
		t->max = ver > t->max ? ver : t->max;
	}
	return 0;
}

/* Joins the list at key with ':'; with split, TLS 1.3 suites (OpenSSL
 * names them TLS_*, and sets them apart from the older ciphers) go to
 * *tls13 and the rest to *out. NULL: none. */
static int
read_list(struct cfg *cfg, const char *key, int split, char **out,
    char **tls13, struct err *e)
{
	const char *const *v;
	struct buf b = BUF_INIT, b13 = BUF_INIT, *to;
	size_t n, i;
	int r = 0;

	if (cfg_strlist(cfg, key, &v, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		to = split && strncmp(v[i], "TLS_", 4) == 0 ? &b13 : &b;
		r |= buf_printf(to, "%s%s", to->len ? ":" : "", v[i]);
	}
	*out = b.len ? buf_detach(&b) : NULL;
	if (split)
		*tls13 = b13.len ? buf_detach(&b13) : NULL;
	buf_free(&b);
	buf_free(&b13);
	return r ? err_set(e, EXIT_RUNTIME, "out of memory") : 0;
}

/* ssl.verification_mode. */
static int
read_mode(struct cfg *cfg, const char *key, struct tls_conf *t,
    struct err *e)
{
	const char *mode;

	if (cfg_get_str(cfg, key, &mode, e) == -1)
		return -1;
	if (strcmp(mode, "full") == 0 || strcmp(mode, "strict") == 0)
		t->verify = HTTP_VERIFY_FULL;
	else if (strcmp(mode, "certificate") == 0)
		t->verify = HTTP_VERIFY_CERTIFICATE;
	else if (strcmp(mode, "none") == 0)
		t->verify = HTTP_VERIFY_NONE;
	else
		return err_set(e, EXIT_USAGE, "%s: %s: '%s': one of full, "
		    "strict, certificate, none", cfg_where(cfg, key), key, mode);
	return 0;
}

/* ssl.certificate and ssl.key: readable, and a key goes with a
 * certificate. */
static int
read_client(struct cfg *cfg, const char *out, struct tls_conf *t,
    struct err *e)
{
	struct buf k = BUF_INIT;
	int r;

	r = buf_printf(&k, "%s.ssl.certificate", out) == -1 ||
	    cfg_str(cfg, k.p, NULL, &t->cert, e) == -1 ||
	    (t->cert && access(t->cert, R_OK) == -1 && err_set(e, EXIT_USAGE,
	    "%s: %s: %s", k.p, t->cert, strerror(errno)));
	buf_reset(&k);
	r = r || buf_printf(&k, "%s.ssl.key", out) == -1 ||
	    cfg_str(cfg, k.p, NULL, &t->key, e) == -1 ||
	    (t->key && access(t->key, R_OK) == -1 && err_set(e, EXIT_USAGE,
	    "%s: %s: %s", k.p, t->key, strerror(errno)));
	if (!r && t->key && !t->cert)
		r = err_set(e, EXIT_USAGE, "%s.ssl.key without %s.ssl."
		    "certificate", out, out);
	buf_reset(&k);
	r = r || buf_printf(&k, "%s.ssl.key_passphrase", out) == -1 ||
	    cfg_str(cfg, k.p, NULL, &t->passphrase, e) == -1;
	log_secret(t->passphrase);
	buf_free(&k);
	return r ? -1 : 0;
}

/* Sets e to "WHERE: OUT.ssl.NAME: 'list': OpenSSL's words". */
static int
list_err(struct cfg *cfg, const char *out, const char *name,
    const char *a, const char *b, struct err *e)
{
	struct buf k = BUF_INIT, w = BUF_INIT;

	buf_printf(&k, "%s.ssl.%s", out, name);
	buf_printf(&w, "%s: %s: '%s%s%s'", cfg_where(cfg, buf_str(&k)),
	    buf_str(&k), a ? a : "", a && b ? ":" : "", b ? b : "");
	tls_err(e, EXIT_USAGE, buf_str(&w));
	buf_free(&k);
	buf_free(&w);
	return -1;
}

int
tls_limits(SSL_CTX *ctx, struct cfg *cfg, const char *out,
    const struct tls_conf *t, struct err *e)
{
	static const int ver[] = { TLS1_2_VERSION, TLS1_2_VERSION,
	    TLS1_3_VERSION };

	SSL_CTX_set_min_proto_version(ctx, ver[t->min]);
	if (t->max)
		SSL_CTX_set_max_proto_version(ctx, ver[t->max]);
	if ((t->ciphers && SSL_CTX_set_cipher_list(ctx, t->ciphers) != 1) ||
	    (t->tls13 && SSL_CTX_set_ciphersuites(ctx, t->tls13) != 1))
		return list_err(cfg, out, "cipher_suites", t->ciphers, t->tls13,
		    e);
	if (t->curves && SSL_CTX_set1_groups_list(ctx, t->curves) != 1)
		return list_err(cfg, out, "curve_types", t->curves, NULL, e);
	return 0;
}

/* Reads the settings at key sub of out. */
static const char *
subkey(struct buf *k, const char *out, const char *sub)
{
	buf_reset(k);
	buf_printf(k, "%s.ssl.%s", out, sub);
	return buf_str(k);
}

int
tls_conf_read(struct cfg *cfg, const char *out, int infer,
    struct tls_conf *t, struct err *e)
{
	struct buf k = BUF_INIT;
	SSL_CTX *ctx;
	int r;

	memset(t, 0, sizeof(*t));
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		buf_free(&k);
		return tls_err(e, EXIT_RUNTIME, "TLS");
	}
	r = read_cas(cfg, subkey(&k, out, "certificate_authorities"), t,
	    SSL_CTX_get_cert_store(ctx), e) == -1 ||
	    read_client(cfg, out, t, e) == -1 ||
	    read_mode(cfg, subkey(&k, out, "verification_mode"), t, e) == -1 ||
	    read_protocols(cfg, subkey(&k, out, "supported_protocols"), t,
	    e) == -1 ||
	    read_list(cfg, subkey(&k, out, "cipher_suites"), 1, &t->ciphers,
	    &t->tls13, e) == -1 ||
	    read_list(cfg, subkey(&k, out, "curve_types"), 0, &t->curves, NULL,
	    e) == -1 ||
	    tls_limits(ctx, cfg, out, t, e) == -1 ||
	    cfg_bool(cfg, subkey(&k, out, "enabled"), infer && (t->ca_pem.len ||
	    t->cert), &t->enabled, e) == -1;
	SSL_CTX_free(ctx);
	buf_free(&k);
	return r ? -1 : 0;
}

int
tls_cas(SSL_CTX *ctx, const struct tls_conf *t)
{
	if (t->ca_pem.len == 0)
		return SSL_CTX_set_default_verify_paths(ctx) == 1 ? 0 : -1;
	return pem_certs(SSL_CTX_get_cert_store(ctx), t->ca_pem.p,
	    t->ca_pem.len) > 0 ? 0 : -1;
}

void
tls_conf_free(struct tls_conf *t)
{
	buf_free(&t->ca_pem);
	free(t->ciphers);
	free(t->tls13);
	free(t->curves);
	memset(t, 0, sizeof(*t));
}
