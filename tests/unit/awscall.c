/*
 * awscall: one AWS call through lib/aws, for the bats tests.
 *
 *   awscall [-d SELECTORS] SERVICE TARGET [JSON]
 *	a JSON-protocol call (logs: JSON 1.1, dynamodb: JSON 1.0); prints
 *	the response object on stdout
 *   awscall [-d SELECTORS] s3 METHOD BUCKET [KEY [BODY]]
 *	an S3 request; prints the status, then the body
 *
 * Credentials, region and endpoint come from the environment as in the
 * programs. Exits with err.code (DESIGN.md's table) and prints
 * "awscall: error: ..." on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"
#include "jsonx.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: awscall [-d selectors] service target [json]\n"
	    "       awscall [-d selectors] s3 method bucket [key [body]]\n");
	exit(EXIT_USAGE);
}

static int
fail(struct err *e)
{
	int code = e->code ? e->code : EXIT_RUNTIME;

	fflush(stdout);
	log_error("%s", err_msg(e));
	err_clear(e);
	return code;
}

static int
s3(struct aws *a, int argc, char **argv, struct err *e)
{
	struct http_resp r;
	struct aws_error ae;
	const char *body = argc > 3 ? argv[3] : NULL;
	int rc;

	if (argc < 2)
		usage();
	memset(&r, 0, sizeof(r));
	if (aws_s3(a, argv[0], argv[1], argc > 2 ? argv[2] : NULL, NULL, NULL,
	    body, body ? strlen(body) : 0, &r, e) == -1)
		return fail(e);
	printf("%ld\n", r.status);
	fwrite(buf_str(&r.body), 1, r.body.len, stdout);
	if (r.body.len > 0 && r.body.p[r.body.len - 1] != '\n')
		putchar('\n');
	if (r.status >= 200 && r.status < 300) {
		http_resp_free(&r);
		return 0;
	}
	aws_error_parse(&r, &ae);
	aws_error_to_err(&ae, e, argv[0]);
	rc = fail(e);
	aws_error_clear(&ae);
	http_resp_free(&r);
	return rc;
}

int
main(int argc, char **argv)
{
	struct aws_opts o;
	struct err e = ERR_INIT;
	struct aws *a;
	json_object *in = NULL, *out = NULL;
	const char *why;
	int c, rc;

	log_init("awscall");
	while ((c = getopt(argc, argv, "d:")) != -1) {
		if (c == 'd')
			log_set_selectors(optarg);
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	memset(&o, 0, sizeof(o));
	o.retry.max_attempts = 3;
	if ((a = aws_new(&o, &e)) == NULL)
		return fail(&e);
	if (strcmp(argv[0], "s3") == 0) {
		rc = s3(a, argc - 1, argv + 1, &e);
		aws_free(a);
		err_clear(&e);
		return rc;
	}
	if (argc > 2 && (in = jsonx_parse(argv[2], strlen(argv[2]),
	    &why)) == NULL) {
		log_error("%s: not JSON: %s", argv[2], why);
		aws_free(a);
		return EXIT_USAGE;
	}
	if (aws_json_call(a, argv[0], argv[1], strcmp(argv[0], "dynamodb") == 0 ?
	    "1.0" : "1.1", in, &out, NULL, &e) == -1)
		rc = fail(&e);
	else {
		printf("%s\n", json_object_to_json_string_ext(out,
		    JSON_C_TO_STRING_PLAIN));
		rc = 0;
	}
	json_object_put(in);
	json_object_put(out);
	aws_free(a);
	err_clear(&e);
	return rc;
}
