/*
 * httpget: drives lib/http.c for tests/http.bats.
 *
 *   httpget [options] METHOD URL [BODY | @FILE]
 *
 * Sends the request (blocking, or N copies at once with --multi) and
 * prints "status N", the response headers with --headers, then the body
 * (or writes the body to --output FILE). With --multi each finished
 * transfer prints one line "INDEX STATUS BODY". A failure prints
 * "httpget: error: ..." and exits with the error's code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "log.h"

static const char usage_text[] =
    "usage: httpget [-d SEL] [-H 'Name: value'] [--headers] [--output FILE]\n"
    "    [--repeat N] [--multi N] [--rounds N] [--max-conns N] [--watch-stdin]\n"
    "    [--timeout MS] [--connect-timeout MS] [--max-bytes N] [--proxy URL]\n"
    "    [--insecure | --verify-cert] [--ca FILE] [--cert FILE --key FILE\n"
    "    [--pass PASSPHRASE]] METHOD URL [BODY | @FILE]\n";

static void
usage(const char *why)
{
	log_error("%s", why);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static void
die(const struct err *e)
{
	fflush(stdout);	/* what was printed comes before the error */
	log_error("%s", err_msg(e));
	exit(e->code ? e->code : EXIT_RUNTIME);
}

static long
number(const char *s, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || n < 0)
		usage(what);
	return n;
}

static void
read_file(const char *path, struct buf *b)
{
	char tmp[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		log_error("%s: %s", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(b, tmp, n) == -1) {
			log_error("%s: out of memory", path);
			exit(EXIT_RUNTIME);
		}
	fclose(f);
}

static const char *method, *url, *body;
static size_t body_len;
static char **hdrs;
static size_t nhdrs;

static struct http_req *
make_req(void)
{
	struct http_req *r;
	char *colon, name[256];
	size_t i, n;

	if ((r = http_req_new(method, url)) == NULL) {
		log_error("request: out of memory");
		exit(EXIT_RUNTIME);
	}
	for (i = 0; i < nhdrs; i++) {
		if ((colon = strchr(hdrs[i], ':')) == NULL ||
		    (n = (size_t)(colon - hdrs[i])) >= sizeof(name))
			usage("-H wants 'Name: value'");
		memcpy(name, hdrs[i], n);
		name[n] = '\0';
		colon++;
		colon += strspn(colon, " ");
		if (http_req_header(r, name, colon) == -1) {
			log_error("request: out of memory");
			exit(EXIT_RUNTIME);
		}
	}
	r->body = body;
	r->body_len = body_len;
	return r;
}

static void
print_resp(const struct http_resp *r, int headers, const char *output)
{
	FILE *f;
	size_t i;

	printf("status %ld\n", r->status);
	if (headers)
		for (i = 0; i < r->nh; i++)
			printf("< %s: %s\n", r->h[i].name, r->h[i].value);
	if (output != NULL) {
		if ((f = fopen(output, "wb")) == NULL ||
		    fwrite(r->body.p, 1, r->body.len, f) != r->body.len ||
		    fclose(f) != 0) {
			log_error("%s: %s", output, strerror(errno));
			exit(EXIT_RUNTIME);
		}
		return;
	}
	fwrite(buf_str(&r->body), 1, r->body.len, stdout);
}

static int
run_multi(struct http_client *c, long n, long rounds, long max_conns,
    int watch)
{
	struct http_multi *m;
	struct http_done d;
	struct err e = ERR_INIT;
	int ready, code = 0;
	long i, k;

	if ((m = http_multi_new(c, &e)) == NULL)
		die(&e);
	if (max_conns > 0 && http_multi_set_max(m, max_conns) == -1)
		die(http_multi_error(m));
	for (k = 0; k < rounds; k++) {
		for (i = 0; i < n; i++)
			if (http_multi_add(m, make_req(),
			    (void *)(uintptr_t)i) == -1)
				die(http_multi_error(m));
		while (http_multi_pending(m) > 0) {
			if (http_multi_wait(m, 1000, watch ? 0 : -1,
			    &ready) == -1)
				die(http_multi_error(m));
			if (ready) {
				printf("stdin readable\n");
				fflush(stdout);
				watch = 0;
			}
			while (http_multi_next(m, &d)) {
				if (d.err.code != 0) {
					printf("%lu error\n",
					    (unsigned long)(uintptr_t)d.udata);
					log_error("%s", err_msg(&d.err));
					if (code == 0)
						code = d.err.code;
				} else {
					printf("%lu %ld %s",
					    (unsigned long)(uintptr_t)d.udata,
					    d.resp.status, buf_str(&d.resp.body));
					if (d.resp.body.len == 0 ||
					    d.resp.body.p[d.resp.body.len - 1] != '\n')
						putchar('\n');
				}
				fflush(stdout);
				http_req_free(d.req);
				http_resp_free(&d.resp);
				err_clear(&d.err);
			}
		}
	}
	http_multi_free(m);
	return code;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "headers", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "multi", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "max-conns", required_argument, NULL, 'M' },
		{ "watch-stdin", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "max-bytes", required_argument, NULL, 'b' },
		{ "proxy", required_argument, NULL, 'p' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "verify-cert", no_argument, NULL, 'K' },
		{ "ca", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'y' },
		{ "pass", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_opts o;
	struct http_client *c;
	struct http_resp resp;
	struct err e = ERR_INIT;
	struct buf filebody = BUF_INIT;
	const char *output = NULL;
	long repeat = 1, multi = 0, rounds = 1, max_conns = 0, i;
	int ch, headers = 0, watch = 0, code;

	log_init("httpget");
	memset(&o, 0, sizeof(o));
	if ((hdrs = calloc((size_t)argc, sizeof(*hdrs))) == NULL)
		return EXIT_RUNTIME;
	while ((ch = getopt_long(argc, argv, "d:H:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': log_set_selectors(optarg); break;
		case 'H': hdrs[nhdrs++] = optarg; break;
		case 'h': headers = 1; break;
		case 'o': output = optarg; break;
		case 'r': repeat = number(optarg, "--repeat: not a number"); break;
		case 'm': multi = number(optarg, "--multi: not a number"); break;
		case 'R': rounds = number(optarg, "--rounds: not a number"); break;
		case 'M': max_conns = number(optarg, "--max-conns: not a number"); break;
		case 'w': watch = 1; break;
		case 't': o.timeout_ms = number(optarg, "--timeout: not a number"); break;
		case 'T': o.connect_timeout_ms = number(optarg,
		    "--connect-timeout: not a number"); break;
		case 'b': o.max_response_bytes = (size_t)number(optarg,
		    "--max-bytes: not a number"); break;
		case 'p': o.proxy_url = optarg; break;
		case 'k': o.verify = HTTP_VERIFY_NONE; break;
		case 'K': o.verify = HTTP_VERIFY_CERTIFICATE; break;
		case 'C': o.ca_file = optarg; break;
		case 'c': o.cert_file = optarg; break;
		case 'y': o.key_file = optarg; break;
		case 'P': o.key_passphrase = optarg; break;
		default: usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		usage("want METHOD URL [BODY]");
	method = argv[0];
	url = argv[1];
	if (argc == 3 && argv[2][0] == '@') {
		read_file(argv[2] + 1, &filebody);
		body = filebody.p;
		body_len = filebody.len;
	} else if (argc == 3) {
		body = argv[2];
		body_len = strlen(body);
	}
	if ((c = http_client_new(&o, &e)) == NULL)
		die(&e);
	code = 0;
	if (multi > 0) {
		code = run_multi(c, multi, rounds, max_conns, watch);
	} else {
		for (i = 0; i < repeat; i++) {
			struct http_req *r = make_req();

			memset(&resp, 0, sizeof(resp));
			if (http_send(c, r, &resp, &e) == -1) {
				printf("neterr %d\n", resp.neterr);
				http_req_free(r);
				http_resp_free(&resp);
				die(&e);
			}
			print_resp(&resp, headers, output);
			http_req_free(r);
			http_resp_free(&resp);
		}
	}
	http_client_free(c);
	buf_free(&filebody);
	free(hdrs);
	return code;
}
