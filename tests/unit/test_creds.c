/*
 * Credentials and region: a table of cases, each with its own HOME (under
 * a mkdtemp directory) holding .aws/credentials and .aws/config, and an
 * environment with nothing of AWS_* but what the case sets (and
 * AWS_EC2_METADATA_DISABLED=true unless it says otherwise). Cases that
 * talk to STS, the container endpoint or instance metadata get a scripted
 * HTTP server forked on 127.0.0.1, which answers the i-th request with the
 * i-th response and logs the requests. In the strings, "%H" stands for
 * the case's HOME, "%P" for the server's port, "%X" for a time an hour
 * from now and "%Y" for one a minute from now (ISO 8601).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <signal.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "creds.h"
#include "log.h"
#include "unit.h"

extern char **environ;

static char base[] = "/tmp/cwl-creds.XXXXXX";
static char home[4096];
static int port;
static char in_hour[32], in_minute[32];

struct ccase {
	const char *name;
	const char *credentials;	/* NULL: no file */
	const char *config;
	const char *env[8];		/* NAME=value */
	struct creds_opts o;
	/* expected credentials, or an error when akid is NULL */
	const char *akid, *secret, *token, *source;
	int code;
	const char *msg;
	mode_t mode;			/* of the credentials file; 0: 0600 */
	const char *warning;		/* expected on stderr, or NULL */
	const char *tokfile;		/* written to %H/token if not NULL */
	const char *resp[8];		/* the server's answers, if any */
	int nreq;			/* requests the server must see */
	const char *seen[6];		/* in the requests ("!x": not) */
	long expires_in;		/* seconds, about; 0: never */
};

/* What a case expects: credentials, or an error. */
#define OK(ak, sk, tok, src) .akid = ak, .secret = sk, .token = tok, \
	.source = src
#define FAILS(c, m) .code = c, .msg = m

static const struct ccase cases[] = {
	{ .name = "environment keys",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENV",
	    "AWS_SECRET_ACCESS_KEY=envsecret", "AWS_SESSION_TOKEN=envtoken" },
	    OK("AKIAENV", "envsecret", "envtoken", "environment") },
	{ .name = "environment keys by their older names",
	    .env = { "AWS_ACCESS_KEY=AKIAOLD", "AWS_SECRET_KEY=oldsecret" },
	    OK("AKIAOLD", "oldsecret", NULL, "environment") },
	{ .name = "config keys before the environment",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENV",
	    "AWS_SECRET_ACCESS_KEY=envsecret" },
	    .o = { .access_key_id = "AKIACFG", .secret_access_key = "cfgsecret",
	    .session_token = "cfgtoken" },
	    OK("AKIACFG", "cfgsecret", "cfgtoken", "config") },
	{ .name = "environment before the files",
	    .credentials = "[default]\naws_access_key_id = AKIAFILE\n"
	    "aws_secret_access_key = filesecret\n",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENV",
	    "AWS_SECRET_ACCESS_KEY=envsecret" },
	    OK("AKIAENV", "envsecret", NULL, "environment") },
	{ .name = "an empty variable counts as unset",
	    .credentials = "[default]\naws_access_key_id = AKIAFILE\n"
	    "aws_secret_access_key = filesecret\n",
	    .env = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=" },
	    OK("AKIAFILE", "filesecret", NULL,
	    "profile default (%H/.aws/credentials)") },
	{ .name = "credentials file, default profile",
	    .credentials = "[default]\naws_access_key_id = AKIAFILE\n"
	    "aws_secret_access_key = filesecret\n"
	    "aws_session_token = filetoken\n",
	    OK("AKIAFILE", "filesecret", "filetoken",
	    "profile default (%H/.aws/credentials)") },
	{ .name = "AWS_PROFILE picks the section",
	    .credentials = "[default]\naws_access_key_id = AKIADEF\n"
	    "aws_secret_access_key = defsecret\n"
	    "[dev]\naws_access_key_id = AKIADEV\n"
	    "aws_secret_access_key = devsecret\n",
	    .env = { "AWS_PROFILE=dev" },
	    OK("AKIADEV", "devsecret", NULL, "profile dev (%H/.aws/credentials)") },
	{ .name = "credential_profile_name before AWS_PROFILE",
	    .credentials = "[dev]\naws_access_key_id = AKIADEV\n"
	    "aws_secret_access_key = devsecret\n"
	    "[prod]\naws_access_key_id = AKIAPROD\n"
	    "aws_secret_access_key = prodsecret\n",
	    .env = { "AWS_PROFILE=dev" }, .o = { .profile = "prod" },
	    OK("AKIAPROD", "prodsecret", NULL,
	    "profile prod (%H/.aws/credentials)") },
	{ .name = "[profile x] in the config file",
	    .config = "[default]\nregion = us-east-1\n"
	    "[profile x]\naws_access_key_id = AKIACONF\n"
	    "aws_secret_access_key = confsecret\n",
	    .env = { "AWS_PROFILE=x" },
	    OK("AKIACONF", "confsecret", NULL, "profile x (%H/.aws/config)") },
	{ .name = "the credentials file wins over the config file",
	    .credentials = "[x]\naws_access_key_id = AKIACRED\n"
	    "aws_secret_access_key = credsecret\n",
	    .config = "[profile x]\naws_access_key_id = AKIACONF\n"
	    "aws_secret_access_key = confsecret\n"
	    "aws_session_token = conftoken\n",
	    .env = { "AWS_PROFILE=x" },
	    OK("AKIACRED", "credsecret", "conftoken",
	    "profile x (%H/.aws/credentials)") },
	{ .name = "comments, blanks and the case of keys",
	    .credentials = "# a comment\n; another\n\n  \n"
	    "[default] ; after the header\n  \n"
	    "AWS_Access_Key_ID   =\t AKIACASE   # trailing comment\n"
	    "aws_secret_access_key=sec;ret#kept ; but not this\r\n",
	    OK("AKIACASE", "sec;ret#kept", NULL,
	    "profile default (%H/.aws/credentials)") },
	{ .name = "an indented comment is not a continuation",
	    .credentials = "[default]\naws_access_key_id = AKIAIND\n"
	    "  # the key of the build machine\n"
	    "aws_secret_access_key = indsecret\n\t; rotated monthly\n",
	    OK("AKIAIND", "indsecret", NULL,
	    "profile default (%H/.aws/credentials)") },
	{ .name = "[profile default] wins over [default] in the config file",
	    .config = "[profile default]\naws_access_key_id = AKIAPREFIXED\n"
	    "aws_secret_access_key = prefixed\n"
	    "[default]\naws_access_key_id = AKIAPLAIN\n"
	    "aws_secret_access_key = plain\n",
	    OK("AKIAPREFIXED", "prefixed", NULL,
	    "profile default (%H/.aws/config)") },
	{ .name = "a section given twice is merged, the last value wins",
	    .credentials = "[default]\naws_access_key_id = AKIAFIRST\n"
	    "aws_secret_access_key = first\n"
	    "[other]\naws_access_key_id = AKIAOTHER\n"
	    "[default]\naws_access_key_id = AKIALAST\n",
	    OK("AKIALAST", "first", NULL,
	    "profile default (%H/.aws/credentials)") },
	{ .name = "continuation lines and sub-properties",
	    .credentials = "[default]\naws_access_key_id = AKIASUB\ns3 =\n"
	    "  max_concurrent_requests = 20\n  addressing_style = path\n"
	    "aws_secret_access_key = subsecret\n",
	    OK("AKIASUB", "subsecret", NULL,
	    "profile default (%H/.aws/credentials)") },
	{ .name = "AWS_SHARED_CREDENTIALS_FILE and ~",
	    .env = { "AWS_SHARED_CREDENTIALS_FILE=~/elsewhere" },
	    OK("AKIAELSE", "elsesecret", NULL,
	    "profile default (%H/elsewhere)") },
	{ .name = "shared_credential_file from the config",
	    .env = { "AWS_SHARED_CREDENTIALS_FILE=/nonexistent" },
	    .o = { .shared_credential_file = "%H/elsewhere" },
	    OK("AKIAELSE", "elsesecret", NULL,
	    "profile default (%H/elsewhere)") },
	{ .name = "AWS_CONFIG_FILE",
	    .env = { "AWS_CONFIG_FILE=%H/otherconfig", "AWS_PROFILE=o" },
	    OK("AKIAOCONF", "ocfgkey9999", NULL, "profile o (%H/otherconfig)") },
	{ .name = "a profile named but absent",
	    .credentials = "[default]\nregion = x\n",
	    .env = { "AWS_PROFILE=nope" },
	    FAILS(EXIT_AUTH, "AWS profile nope not found in shared credentials "
	    "file %H/.aws/credentials or config file %H/.aws/config (absent)") },
	{ .name = "config sections need the profile prefix",
	    .config = "[dev]\naws_access_key_id = AKIANOPREFIX\n"
	    "aws_secret_access_key = x\n", .o = { .profile = "dev" },
	    FAILS(EXIT_AUTH, "AWS profile dev not found in shared credentials "
	    "file %H/.aws/credentials (absent) or config file %H/.aws/config") },
	{ .name = "no credentials anywhere",
	    FAILS(EXIT_AUTH, "no AWS credentials: tried the config keys, "
	    "environment (AWS_ACCESS_KEY_ID), web identity "
	    "(AWS_WEB_IDENTITY_TOKEN_FILE), shared credentials file "
	    "%H/.aws/credentials (profile default), config file "
	    "%H/.aws/config, container endpoint "
	    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), EC2 instance metadata "
	    "(disabled by AWS_EC2_METADATA_DISABLED)") },
	{ .name = "a profile without keys",
	    .config = "[default]\nregion = eu-west-1\n",
	    FAILS(EXIT_AUTH, "no AWS credentials: tried the config keys, "
	    "environment (AWS_ACCESS_KEY_ID), web identity "
	    "(AWS_WEB_IDENTITY_TOKEN_FILE), shared credentials file "
	    "%H/.aws/credentials (profile default, no keys), config file "
	    "%H/.aws/config, container endpoint "
	    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), EC2 instance metadata "
	    "(disabled by AWS_EC2_METADATA_DISABLED)") },
	{ .name = "an access key without a secret in the environment",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAHALF" },
	    FAILS(EXIT_AUTH, "AWS credentials in the environment: "
	    "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY") },
	{ .name = "a secret without an access key in the config",
	    .o = { .secret_access_key = "halfsecret" },
	    FAILS(EXIT_USAGE, "AWS credentials in the config: "
	    "secret_access_key is set without access_key_id") },
	{ .name = "a profile with half a key pair",
	    .credentials = "[default]\naws_access_key_id = AKIAHALF\n",
	    FAILS(EXIT_AUTH, "AWS profile default (%H/.aws/credentials, "
	    "%H/.aws/config): aws_access_key_id is set without "
	    "aws_secret_access_key") },
	{ .name = "a property before any section",
	    .credentials = "aws_access_key_id = AKIA\n",
	    FAILS(EXIT_USAGE, "%H/.aws/credentials:1: expected a profile "
	    "definition before the first property") },
	{ .name = "an unclosed section", .credentials = "# c\n[default\n",
	    FAILS(EXIT_USAGE, "%H/.aws/credentials:2: a profile definition "
	    "must end with ']'") },
	{ .name = "text after a section header",
	    .credentials = "[default] x\n",
	    FAILS(EXIT_USAGE, "%H/.aws/credentials:1: unexpected text after "
	    "']'") },
	{ .name = "a line without '='",
	    .credentials = "[default]\naws_access_key_id: AKIA\n",
	    FAILS(EXIT_USAGE, "%H/.aws/credentials:2: expected an '=' sign "
	    "defining a property") },
	{ .name = "a continuation without a property",
	    .credentials = "[default]\n  x = 1\n",
	    FAILS(EXIT_USAGE, "%H/.aws/credentials:2: expected a property "
	    "definition, found a continuation") },
	{ .name = "a credentials file others can read",
	    .credentials = "[default]\naws_access_key_id = AKIAOPEN\n"
	    "aws_secret_access_key = opensecret\n", .mode = 0644,
	    OK("AKIAOPEN", "opensecret", NULL,
	    "profile default (%H/.aws/credentials)"),
	    .warning = "test_creds: warning: shared credentials file "
	    "%H/.aws/credentials can be read by group or others (mode 0644); "
	    "chmod 600 it\n" },
};

/* The scripted answers. */
#define ANSWER(status, body) "HTTP/1.1 " status "\r\nConnection: close\r\n\r\n" body
#define IMDS_TOKEN ANSWER("200 OK", "TOKEN-abc123")
#define IMDS_ROLE ANSWER("200 OK", "cwl-role\n")
#define IMDS_CREDS ANSWER("200 OK", "{\"Code\":\"Success\",\"Type\":" \
	"\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":" \
	"\"imdssecret\",\"Token\":\"imdstoken\",\"Expiration\":\"%X\"}")
#define ECS_CREDS ANSWER("200 OK", "{\"AccessKeyId\":\"ASIAECS\"," \
	"\"SecretAccessKey\":\"ecssecret\",\"Token\":\"ecstoken\"," \
	"\"Expiration\":\"%X\",\"RoleArn\":\"arn:aws:iam::1:role/task\"}")
#define STS_XML(action, ak, sk, tok) ANSWER("200 OK", "<" action \
	"Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n" \
	"  <" action "Result>\n    <Credentials>\n      <AccessKeyId>" ak \
	"</AccessKeyId>\n      <SecretAccessKey>" sk "</SecretAccessKey>\n" \
	"      <SessionToken>" tok "</SessionToken>\n      <Expiration>%X" \
	"</Expiration>\n    </Credentials>\n  </" action "Result>\n</" \
	action "Response>\n")
#define STS_ERROR(status, code, msg) ANSWER(status, "<ErrorResponse " \
	"xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>" \
	"Sender</Type><Code>" code "</Code><Message>" msg "</Message>" \
	"</Error><RequestId>r1</RequestId></ErrorResponse>")
#define ROLE "arn:aws:iam::123456789012:role/cwl-reader"
#define ROLE_ENC "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcwl-reader"
#define TRIED_ALL_BUT_IMDS "no AWS credentials: tried the config keys, " \
	"environment (AWS_ACCESS_KEY_ID), web identity " \
	"(AWS_WEB_IDENTITY_TOKEN_FILE), shared credentials file " \
	"%H/.aws/credentials (profile default), config file %H/.aws/config, " \
	"container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), "
#define IMDS_AT "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:%P/"

static const struct ccase remote_cases[] = {
	{ .name = "instance metadata, IMDSv2",
	    .env = { "AWS_EC2_METADATA_DISABLED=false", IMDS_AT },
	    .resp = { IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS }, .nreq = 3,
	    .seen = { "PUT /latest/api/token HTTP/1.1",
	    "X-aws-ec2-metadata-token-ttl-seconds: 21600",
	    "GET /latest/meta-data/iam/security-credentials/ HTTP/1.1",
	    "GET /latest/meta-data/iam/security-credentials/cwl-role HTTP/1.1",
	    "X-aws-ec2-metadata-token: TOKEN-abc123" },
	    OK("ASIAIMDS", "imdssecret", "imdstoken",
	    "EC2 instance metadata (role cwl-role)"), .expires_in = 3600 },
	{ .name = "instance metadata, IMDSv1 when the token is refused",
	    .env = { IMDS_AT, "AWS_EC2_METADATA_DISABLED=no" },
	    .resp = { ANSWER("403 Forbidden", "Forbidden"), IMDS_ROLE,
	    IMDS_CREDS }, .nreq = 3,
	    .seen = { "PUT /latest/api/token HTTP/1.1",
	    "GET /latest/meta-data/iam/security-credentials/cwl-role HTTP/1.1",
	    "!X-aws-ec2-metadata-token: " },
	    OK("ASIAIMDS", "imdssecret", "imdstoken",
	    "EC2 instance metadata (role cwl-role)"), .expires_in = 3600 },
	{ .name = "instance metadata without a role",
	    .env = { IMDS_AT, "AWS_EC2_METADATA_DISABLED=false" },
	    .resp = { IMDS_TOKEN, ANSWER("404 Not Found", "Not Found") },
	    .nreq = 2,
	    FAILS(EXIT_AUTH, TRIED_ALL_BUT_IMDS "EC2 instance metadata "
	    "(http://127.0.0.1:%P: no instance role)") },
	{ .name = "instance metadata without IMDSv1",
	    .env = { IMDS_AT, "AWS_EC2_METADATA_DISABLED=false",
	    "AWS_EC2_METADATA_V1_DISABLED=true" },
	    .resp = { ANSWER("405 Method Not Allowed", "") }, .nreq = 1,
	    FAILS(EXIT_AUTH, TRIED_ALL_BUT_IMDS "EC2 instance metadata "
	    "(http://127.0.0.1:%P: token: HTTP 405)") },
	{ .name = "instance metadata answering a bad document",
	    .env = { IMDS_AT, "AWS_EC2_METADATA_DISABLED=false" },
	    .resp = { IMDS_TOKEN, IMDS_ROLE, ANSWER("200 OK",
	    "{\"Code\":\"AssumeRoleUnauthorizedAccess\"}") }, .nreq = 3,
	    FAILS(EXIT_AUTH, "EC2 instance metadata: role cwl-role: "
	    "AssumeRoleUnauthorizedAccess") },
	{ .name = "the container endpoint with a token file",
	    .env = { "AWS_CONTAINER_CREDENTIALS_FULL_URI="
	    "http://127.0.0.1:%P/ecs/creds",
	    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%H/token" },
	    .tokfile = "Bearer ecs-auth-123\n",
	    .resp = { ECS_CREDS }, .nreq = 1,
	    .seen = { "GET /ecs/creds HTTP/1.1",
	    "Authorization: Bearer ecs-auth-123\r\n" },
	    OK("ASIAECS", "ecssecret", "ecstoken",
	    "container endpoint (http://127.0.0.1:%P/ecs/creds)"),
	    .expires_in = 3600 },
	{ .name = "the container endpoint after a 500",
	    .env = { "AWS_CONTAINER_CREDENTIALS_FULL_URI="
	    "http://127.0.0.1:%P/ecs/creds" },
	    .resp = { ANSWER("500 Internal Server Error", "oops"), ECS_CREDS },
	    .nreq = 2, .seen = { "!Authorization:" },
	    OK("ASIAECS", "ecssecret", "ecstoken",
	    "container endpoint (http://127.0.0.1:%P/ecs/creds)"),
	    .expires_in = 3600 },
	{ .name = "the container endpoint refusing the token",
	    .env = { "AWS_CONTAINER_CREDENTIALS_FULL_URI="
	    "http://127.0.0.1:%P/ecs/creds",
	    "AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token" },
	    .resp = { ANSWER("403 Forbidden", "{\"code\":\"InvalidAuthorization\","
	    "\"message\":\"Authorization header is invalid\"}") }, .nreq = 1,
	    .seen = { "Authorization: wrong-token" },
	    FAILS(EXIT_AUTH, "container credentials from "
	    "http://127.0.0.1:%P/ecs/creds: InvalidAuthorization: "
	    "Authorization header is invalid (HTTP 403)") },
	{ .name = "the container endpoint over plain HTTP elsewhere",
	    .env = { "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.1/creds" },
	    FAILS(EXIT_AUTH, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
	    "http://192.0.2.1/creds: plain HTTP is allowed only to a loopback "
	    "address or the container credentials hosts") },
	{ .name = "web identity from the environment",
	    .env = { "AWS_WEB_IDENTITY_TOKEN_FILE=%H/token",
	    "AWS_ROLE_ARN=" ROLE, "AWS_ROLE_SESSION_NAME=cwl-pod",
	    "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .tokfile = "  eyJ.web.identity\n",
	    .resp = { STS_XML("AssumeRoleWithWebIdentity", "ASIAWEB",
	    "websecret", "webtoken") }, .nreq = 1,
	    .seen = { "POST / HTTP/1.1", "Action=AssumeRoleWithWebIdentity&"
	    "Version=2011-06-15&RoleArn=" ROLE_ENC "&RoleSessionName=cwl-pod&"
	    "WebIdentityToken=eyJ.web.identity", "!Authorization:" },
	    OK("ASIAWEB", "websecret", "webtoken", "web identity "
	    "(AWS_WEB_IDENTITY_TOKEN_FILE, role " ROLE ")"),
	    .expires_in = 3600 },
	{ .name = "web identity refused",
	    .env = { "AWS_WEB_IDENTITY_TOKEN_FILE=%H/token",
	    "AWS_ROLE_ARN=" ROLE, "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .tokfile = "stale",
	    .resp = { STS_ERROR("400 Bad Request", "InvalidIdentityToken",
	    "The web identity token could not be validated.") }, .nreq = 1,
	    FAILS(EXIT_AUTH, "web identity token %H/token for role " ROLE
	    ": AssumeRoleWithWebIdentity: InvalidIdentityToken: The web "
	    "identity token could not be validated. (HTTP 400)") },
	{ .name = "web identity without a role",
	    .env = { "AWS_WEB_IDENTITY_TOKEN_FILE=%H/token" },
	    FAILS(EXIT_AUTH, "AWS_WEB_IDENTITY_TOKEN_FILE is set without "
	    "AWS_ROLE_ARN") },
	{ .name = "web identity without its token file",
	    .env = { "AWS_WEB_IDENTITY_TOKEN_FILE=%H/missing",
	    "AWS_ROLE_ARN=" ROLE },
	    FAILS(EXIT_AUTH, "web identity token file %H/missing: No such file "
	    "or directory") },
	{ .name = "a profile's role with source_profile",
	    .credentials = "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n",
	    .config = "[profile dev]\nrole_arn = " ROLE "\nsource_profile = base\n"
	    "external_id = ext-1\nrole_session_name = cwl-dev\n"
	    "duration_seconds = 1800\n",
	    .env = { "AWS_PROFILE=dev", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P",
	    "AWS_REGION=eu-west-1" },
	    .resp = { STS_XML("AssumeRole", "ASIAROLE", "rolesecret+/=",
	    "roletoken") }, .nreq = 1,
	    .seen = { "Action=AssumeRole&Version=2011-06-15&RoleArn=" ROLE_ENC
	    "&RoleSessionName=cwl-dev&ExternalId=ext-1&DurationSeconds=1800",
	    "Authorization: AWS4-HMAC-SHA256 Credential=AKIABASE/",
	    "/eu-west-1/sts/aws4_request",
	    "Content-Type: application/x-www-form-urlencoded; charset=utf-8" },
	    OK("ASIAROLE", "rolesecret+/=", "roletoken",
	    "profile dev (role " ROLE " via profile base)"),
	    .expires_in = 3600 },
	{ .name = "roles chained through profiles",
	    .credentials = "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n",
	    .config = "[profile dev]\nrole_arn = arn:aws:iam::1:role/top\n"
	    "source_profile = mid\n[profile mid]\nrole_arn = " ROLE "\n"
	    "source_profile = base\n",
	    .env = { "AWS_PROFILE=dev", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .resp = { STS_XML("AssumeRole", "ASIAMID", "midsecret", "midtoken"),
	    STS_XML("AssumeRole", "ASIATOP", "topsecret", "toptoken") },
	    .nreq = 2,
	    .seen = { "Credential=AKIABASE/", "Credential=ASIAMID/",
	    "X-Amz-Security-Token: midtoken", "RoleArn=" ROLE_ENC,
	    "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Ftop" },
	    OK("ASIATOP", "topsecret", "toptoken",
	    "profile dev (role arn:aws:iam::1:role/top via profile mid)"),
	    .expires_in = 3600 },
	{ .name = "a role assumed with the profile's own keys",
	    .credentials = "[dev]\naws_access_key_id = AKIASELF\n"
	    "aws_secret_access_key = selfsecret\nrole_arn = " ROLE "\n"
	    "source_profile = dev\n",
	    .env = { "AWS_PROFILE=dev", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .resp = { STS_XML("AssumeRole", "ASIAROLE", "rolesecret", "roletoken") },
	    .nreq = 1, .seen = { "Credential=AKIASELF/" },
	    OK("ASIAROLE", "rolesecret", "roletoken",
	    "profile dev (role " ROLE " via profile dev)"), .expires_in = 3600 },
	{ .name = "a loop of source profiles",
	    .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = b\n"
	    "[profile b]\nrole_arn = " ROLE "\nsource_profile = a\n",
	    .env = { "AWS_PROFILE=a" },
	    FAILS(EXIT_AUTH, "AWS profile b: more than 5 source_profile hops "
	    "(a loop?)") },
	{ .name = "a role with nothing to assume it with",
	    .config = "[profile dev]\nrole_arn = " ROLE "\n",
	    .env = { "AWS_PROFILE=dev" },
	    FAILS(EXIT_AUTH, "AWS profile dev: role_arn needs source_profile, "
	    "credential_source or web_identity_token_file") },
	{ .name = "a role that needs an MFA code",
	    .config = "[profile dev]\nrole_arn = " ROLE "\nsource_profile = dev\n"
	    "mfa_serial = arn:aws:iam::1:mfa/me\n",
	    .env = { "AWS_PROFILE=dev" },
	    FAILS(EXIT_AUTH, "AWS profile dev: role " ROLE " needs an MFA code "
	    "(mfa_serial), which nobody is there to type") },
	{ .name = "a role's credential_source Environment, with the profile "
	    "named in the config",
	    .config = "[profile dev]\nrole_arn = " ROLE "\n"
	    "credential_source = Environment\n",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENVBASE",
	    "AWS_SECRET_ACCESS_KEY=envbasesecret",
	    "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .o = { .profile = "dev" },
	    .resp = { STS_XML("AssumeRole", "ASIAROLE", "rolesecret", "roletoken") },
	    .nreq = 1, .seen = { "Credential=AKIAENVBASE/" },
	    OK("ASIAROLE", "rolesecret", "roletoken",
	    "profile dev (role " ROLE " via Environment)"), .expires_in = 3600 },
	{ .name = "a bad credential_source",
	    .config = "[profile dev]\nrole_arn = " ROLE "\n"
	    "credential_source = Laptop\n", .env = { "AWS_PROFILE=dev" },
	    FAILS(EXIT_AUTH, "AWS profile dev: credential_source Laptop: "
	    "expected Environment, Ec2InstanceMetadata or EcsContainer") },
	{ .name = "the config's role_arn, assumed with the environment's keys",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENVBASE",
	    "AWS_SECRET_ACCESS_KEY=envbasesecret",
	    "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .o = { .role_arn = ROLE },
	    .resp = { STS_XML("AssumeRole", "ASIAROLE", "rolesecret", "roletoken") },
	    .nreq = 1, .seen = { "Credential=AKIAENVBASE/",
	    "RoleSessionName=cloudwatchlogsbeat-" },
	    OK("ASIAROLE", "rolesecret", "roletoken",
	    "role " ROLE " via environment"), .expires_in = 3600 },
	{ .name = "STS at the config's endpoint, before AWS_ENDPOINT_URL_STS",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENVBASE",
	    "AWS_SECRET_ACCESS_KEY=envbasesecret",
	    "AWS_ENDPOINT_URL_STS=http://127.0.0.1:1" },
	    .o = { .role_arn = ROLE, .endpoint = "http://127.0.0.1:%P/" },
	    .resp = { STS_XML("AssumeRole", "ASIAROLE", "rolesecret", "roletoken") },
	    .nreq = 1, .seen = { "POST / HTTP/1.1" },
	    OK("ASIAROLE", "rolesecret", "roletoken",
	    "role " ROLE " via environment"), .expires_in = 3600 },
	{ .name = "STS refusing to let the role be assumed",
	    .credentials = "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n",
	    .config = "[profile dev]\nrole_arn = " ROLE "\nsource_profile = base\n",
	    .env = { "AWS_PROFILE=dev", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%P" },
	    .resp = { STS_ERROR("403 Forbidden", "AccessDenied", "User: base "
	    "is not authorized to perform: sts:AssumeRole") }, .nreq = 1,
	    FAILS(EXIT_AUTH, "assuming role " ROLE " with credentials from "
	    "profile base (%H/.aws/credentials): AssumeRole: AccessDenied: "
	    "User: base is not authorized to perform: sts:AssumeRole "
	    "(HTTP 403)") },
	{ .name = "STS unreachable",
	    .config = "[profile dev]\nrole_arn = " ROLE "\nsource_profile = dev\n"
	    "aws_access_key_id = AKIASELF\naws_secret_access_key = s\n",
	    .env = { "AWS_PROFILE=dev",
	    "AWS_ENDPOINT_URL_STS=http://127.0.0.1:1" },
	    FAILS(EXIT_RUNTIME, "assuming role " ROLE " with credentials from "
	    "profile dev (%H/.aws/config): AssumeRole: POST "
	    "http://127.0.0.1:1/: Connection refused") },
	{ .name = "credential_process",
	    .config = "[default]\ncredential_process = printf '{\"Version\": 1, "
	    "\"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"procsecret\", "
	    "\"SessionToken\": \"proctoken\", \"Expiration\": \"%X\"}'\n",
	    OK("AKIAPROC", "procsecret", "proctoken",
	    "profile default (credential_process)"), .expires_in = 3600 },
	{ .name = "credential_process without an expiry",
	    .credentials = "[default]\ncredential_process = echo "
	    "'{\"Version\":1,\"AccessKeyId\":\"AKIAPROC2\","
	    "\"SecretAccessKey\":\"proc2secret\"}'\n",
	    OK("AKIAPROC2", "proc2secret", NULL,
	    "profile default (credential_process)") },
	{ .name = "credential_process failing",
	    .config = "[default]\ncredential_process = echo boom >&2; exit 3\n",
	    FAILS(EXIT_AUTH, "credential_process of profile default: exited "
	    "with 3: boom") },
	{ .name = "credential_process of another version",
	    .config = "[default]\ncredential_process = echo '{\"Version\": 2}'\n",
	    FAILS(EXIT_AUTH, "credential_process of profile default: Version "
	    "must be 1") },
	{ .name = "credential_process without keys",
	    .config = "[default]\ncredential_process = echo '{\"Version\": 1}'\n",
	    FAILS(EXIT_AUTH, "credential_process of profile default: the answer "
	    "has no AccessKeyId and SecretAccessKey") },
	{ .name = "credential_profile_name wins over the environment's keys",
	    .credentials = "[dev]\naws_access_key_id = AKIADEV\n"
	    "aws_secret_access_key = devsecret\n",
	    .env = { "AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=envsecret" },
	    .o = { .profile = "dev" },
	    OK("AKIADEV", "devsecret", NULL, "profile dev (%H/.aws/credentials)") },
};

/* Replaces %H, %P, %X and %Y. Returns a malloc'd string. */
static char *
subst(const char *s)
{
	struct buf b = BUF_INIT;

	for (; s && *s; s++) {
		if (s[0] == '%' && s[1] == 'H')
			buf_adds(&b, home);
		else if (s[0] == '%' && s[1] == 'P')
			buf_printf(&b, "%d", port);
		else if (s[0] == '%' && s[1] == 'X')
			buf_adds(&b, in_hour);
		else if (s[0] == '%' && s[1] == 'Y')
			buf_adds(&b, in_minute);
		else {
			buf_addc(&b, *s);
			continue;
		}
		s++;
	}
	return buf_detach(&b);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		CHECK(0, "cannot write %s: %s", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Unsets every AWS_* variable, then sets the case's. */
static void
set_env(const char *const *vars)
{
	char name[256];
	char *v;
	size_t n;
	int again = 1;

	while (again) {
		again = 0;
		for (n = 0; environ[n]; n++)
			if (strncmp(environ[n], "AWS_", 4) == 0) {
				size_t k = strcspn(environ[n], "=");

				if (k >= sizeof(name))
					continue;
				memcpy(name, environ[n], k);
				name[k] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
	}
	setenv("HOME", home, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	for (n = 0; n < 8 && vars[n]; n++) {
		char *eq;

		v = subst(vars[n]);
		if ((eq = strchr(v, '=')) != NULL) {
			*eq = '\0';
			setenv(v, eq + 1, 1);
		}
		free(v);
	}
}

/* Runs f with stderr going to a file; returns what was written. */
static char *
capture_start(int *saved, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/stderr", base);
	fflush(stderr);
	*saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	return path;
}

static char *
capture_end(int saved, const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[1024];
	size_t n;
	FILE *f;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if ((f = fopen(path, "r")) != NULL) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
	}
	unlink(path);
	return buf_detach(&b);
}

/*
 * The scripted server: answers the i-th connection with resp[i] (the
 * Content-Length is added here) and appends each request, headers and
 * body, to the log file, followed by "\n--\n".
 */
static char logpath[4200];

static pid_t
serve(const char *const *resp, int n)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int ls, c, i, one = 1;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ls, 8) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) == -1) {
		close(ls);
		return -1;
	}
	port = ntohs(sa.sin_port);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0) {
		close(ls);
		return pid;
	}
	for (i = 0; i < n; i++) {
		struct buf req = BUF_INIT, out = BUF_INIT;
		char chunk[4096], *hend = NULL, *cl;
		const char *body;
		ssize_t got;
		size_t clen;
		FILE *log;

		if ((c = accept(ls, NULL, NULL)) == -1)
			_exit(1);
		for (;;) {
			hend = req.p ? strstr(req.p, "\r\n\r\n") : NULL;
			if (hend) {
				for (cl = req.p; cl < hend && strncasecmp(cl,
				    "\r\ncontent-length:", 17) != 0; cl++)
					;
				clen = cl < hend ? strtoul(cl + 17, NULL, 10) : 0;
				if (req.len >= (size_t)(hend + 4 - req.p) + clen)
					break;
			}
			if ((got = read(c, chunk, sizeof(chunk))) <= 0)
				break;
			buf_add(&req, chunk, (size_t)got);
		}
		if ((log = fopen(logpath, "a")) != NULL) {
			fwrite(buf_str(&req), 1, req.len, log);
			fputs("\n--\n", log);
			fclose(log);
		}
		body = strstr(resp[i], "\r\n\r\n");
		body = body ? body + 4 : resp[i] + strlen(resp[i]);
		buf_add(&out, resp[i], (size_t)(body - resp[i]) - 2);
		buf_printf(&out, "Content-Length: %zu\r\n\r\n%s", strlen(body),
		    body);
		if (write(c, out.p, out.len) < 0)
			_exit(1);
		shutdown(c, SHUT_WR);
		close(c);
		buf_free(&req);
		buf_free(&out);
	}
	_exit(0);
}

static void
reap(pid_t pid)
{
	int st, i;

	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
	}
	return buf_detach(&b);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Starts the server for a script; the answers are substituted first. */
static pid_t
start_script(const char *const *script, char **answers)
{
	int n;

	snprintf(logpath, sizeof(logpath), "%s/requests", base);
	unlink(logpath);
	for (n = 0; n < 8 && script[n]; n++)
		answers[n] = subst(script[n]);
	return serve((const char *const *)answers, n);
}

static void
free_answers(char **answers)
{
	int i;

	for (i = 0; i < 8; i++) {
		free(answers[i]);
		answers[i] = NULL;
	}
}

static int ncase;

static void
new_home(void)
{
	char aws[4200];

	snprintf(home, sizeof(home), "%s/home%d", base, ncase++);
	mkdir(home, 0700);
	snprintf(aws, sizeof(aws), "%s/.aws", home);
	mkdir(aws, 0700);
}

static void
run(const struct ccase *c)
{
	char path[4200], errpath[4200];
	struct creds_opts o = c->o;
	struct creds_provider *p;
	const struct creds *cr, *again;
	struct err e = ERR_INIT;
	char *want, *shared = NULL, *endpoint = NULL, *log, *red, *text,
	    *answers[8] = { NULL };
	pid_t pid = -1;
	int saved, i;
	long left;

	new_home();
	if (c->resp[0] && (pid = start_script(c->resp, answers)) == -1) {
		CHECK(0, "%s: cannot listen", c->name);
		return;
	}
	if (c->credentials) {
		snprintf(path, sizeof(path), "%s/.aws/credentials", home);
		text = subst(c->credentials);
		write_file(path, text, c->mode ? c->mode : 0600);
		free(text);
	}
	if (c->config) {
		snprintf(path, sizeof(path), "%s/.aws/config", home);
		text = subst(c->config);
		write_file(path, text, 0600);
		free(text);
	}
	if (c->tokfile) {
		snprintf(path, sizeof(path), "%s/token", home);
		write_file(path, c->tokfile, 0600);
	}
	/* the cases about other paths find their files there */
	snprintf(path, sizeof(path), "%s/elsewhere", home);
	write_file(path, "[default]\naws_access_key_id = AKIAELSE\n"
	    "aws_secret_access_key = elsesecret\n", 0600);
	snprintf(path, sizeof(path), "%s/otherconfig", home);
	write_file(path, "[profile o]\naws_access_key_id = AKIAOCONF\n"
	    "aws_secret_access_key = ocfgkey9999\n", 0600);
	set_env(c->env);
	if (o.shared_credential_file)
		o.shared_credential_file = shared = subst(o.shared_credential_file);
	if (o.endpoint)
		o.endpoint = endpoint = subst(o.endpoint);

	capture_start(&saved, errpath, sizeof(errpath));
	p = creds_provider_new(&o, &e);
	cr = p ? creds_get(p, &e) : NULL;
	/* asked again: the same answer, from the cache; and again after
	 * invalidating (without a server to ask): one warning at most */
	again = cr ? creds_get(p, &e) : NULL;
	if (cr && pid == -1) {
		creds_invalidate(p);
		again = creds_get(p, &e);
	}
	log = capture_end(saved, errpath);
	if (pid != -1) {
		char *reqs;

		reap(pid);
		reqs = slurp(logpath);
		CHECK_INT(count(reqs, "\n--\n"), c->nreq, "%s: requests seen",
		    c->name);
		for (i = 0; i < 6 && c->seen[i]; i++) {
			want = subst(c->seen[i] + (c->seen[i][0] == '!'));
			if (c->seen[i][0] == '!')
				CHECK(strstr(reqs, want) == NULL, "%s: %s must not "
				    "be in the requests:\n%s", c->name, want, reqs);
			else
				CHECK(strstr(reqs, want) != NULL, "%s: %s not in "
				    "the requests:\n%s", c->name, want, reqs);
			free(want);
		}
		free(reqs);
		free_answers(answers);
	}

	if (c->akid) {
		CHECK(cr != NULL, "%s: no credentials: %s", c->name, err_msg(&e));
		if (cr) {
			CHECK_STR(cr->access_key_id, c->akid, "%s: key", c->name);
			CHECK_STR(cr->secret_access_key, c->secret, "%s: secret",
			    c->name);
			if (c->token)
				CHECK_STR(cr->session_token, c->token,
				    "%s: token", c->name);
			else
				CHECK(cr->session_token == NULL,
				    "%s: no token, got %s", c->name,
				    cr->session_token);
			want = subst(c->source);
			CHECK_STR(cr->source, want, "%s: source", c->name);
			free(want);
			left = cr->expires ? (long)(cr->expires - time(NULL)) : 0;
			CHECK(c->expires_in ? left > c->expires_in - 120 &&
			    left <= c->expires_in : cr->expires == 0,
			    "%s: expires in %ld s", c->name, left);
			CHECK(again != NULL && strcmp(again->access_key_id,
			    c->akid) == 0, "%s: resolved again", c->name);
			/* every secret is registered for the log redactor */
			red = log_redact(c->secret);
			CHECK_STR(red, "[REDACTED]", "%s: secret registered",
			    c->name);
			free(red);
		}
	} else {
		CHECK(cr == NULL, "%s: credentials found: %s", c->name,
		    cr ? cr->access_key_id : "");
		CHECK_INT(e.code, c->code, "%s: exit code (%s)", c->name,
		    err_msg(&e));
		want = subst(c->msg);
		CHECK_STR(err_msg(&e), want, "%s: message", c->name);
		free(want);

	}
	want = subst(c->warning ? c->warning : "");
	CHECK_STR(log, want, "%s: stderr", c->name);
	free(want);
	free(log);
	free(shared);
	free(endpoint);
	creds_provider_free(p);
	err_clear(&e);
}

/* Writes the time secs from now as ISO 8601 UTC into out (32 bytes). */
static void
iso_in(long secs, char *out)
{
	time_t t = time(NULL) + secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define IMDS_CREDS2 ANSWER("200 OK", "{\"Code\":\"Success\",\"AccessKeyId\":" \
	"\"ASIAIMDS2\",\"SecretAccessKey\":\"imds2secret\",\"Token\":" \
	"\"imds2token\",\"Expiration\":\"%X\"}")
#define IMDS_SOON ANSWER("200 OK", "{\"Code\":\"Success\",\"AccessKeyId\":" \
	"\"ASIASOON\",\"SecretAccessKey\":\"soonsecret\",\"Token\":" \
	"\"soontoken\",\"Expiration\":\"%Y\"}")

/*
 * Credentials that expire within five minutes are fetched again before
 * they are handed out; when that fails, the ones in hand are kept while
 * they last, with a warning.
 */
static void
test_refresh(void)
{
	static const char *const renew[] = { IMDS_TOKEN, IMDS_ROLE, IMDS_SOON,
	    IMDS_ROLE, IMDS_CREDS2, NULL };
	static const char *const once[] = { IMDS_TOKEN, IMDS_ROLE, IMDS_SOON,
	    NULL };
	static const char *const env[] = { "AWS_EC2_METADATA_DISABLED=false",
	    IMDS_AT, NULL };
	struct creds_opts o;
	struct creds_provider *p;
	const struct creds *cr;
	struct err e = ERR_INIT;
	char *answers[8] = { NULL }, *reqs, *log, errpath[4200];
	pid_t pid;
	int saved;

	memset(&o, 0, sizeof(o));
	new_home();
	if ((pid = start_script(renew, answers)) == -1)
		return;
	set_env(env);
	p = creds_provider_new(&o, &e);
	cr = creds_get(p, &e);
	CHECK(cr && strcmp(cr->access_key_id, "ASIASOON") == 0,
	    "refresh: first credentials: %s", err_msg(&e));
	cr = creds_get(p, &e);
	CHECK(cr && strcmp(cr->access_key_id, "ASIAIMDS2") == 0,
	    "refresh: renewed a minute before expiry: %s", err_msg(&e));
	cr = creds_get(p, &e);
	CHECK(cr && strcmp(cr->access_key_id, "ASIAIMDS2") == 0,
	    "refresh: then kept");
	reap(pid);
	reqs = slurp(logpath);
	/* the session token lives 6 hours: the second round reuses it */
	CHECK_INT(count(reqs, "PUT /latest/api/token"), 1, "refresh: two rounds, "
	    "one session token");
	free(reqs);
	free_answers(answers);
	creds_provider_free(p);

	/* the renewal fails: the old ones are kept while they last */
	new_home();
	if ((pid = start_script(once, answers)) == -1)
		return;
	set_env(env);
	p = creds_provider_new(&o, &e);
	cr = creds_get(p, &e);
	CHECK(cr && strcmp(cr->access_key_id, "ASIASOON") == 0,
	    "refresh: first credentials: %s", err_msg(&e));
	reap(pid);	/* the server is gone */
	capture_start(&saved, errpath, sizeof(errpath));
	cr = creds_get(p, &e);
	log = capture_end(saved, errpath);
	CHECK(cr && strcmp(cr->access_key_id, "ASIASOON") == 0,
	    "refresh failed: the old credentials are kept");
	CHECK(strncmp(log, "test_creds: warning: refreshing AWS credentials "
	    "from EC2 instance metadata (role cwl-role): no AWS credentials: "
	    "tried ", 109) == 0 && strstr(log, "; using the current ones until "
	    "they expire\n") != NULL, "refresh failed: warning: %s", log);
	free(log);
	/* and it is not asked again at once */
	capture_start(&saved, errpath, sizeof(errpath));
	cr = creds_get(p, &e);
	log = capture_end(saved, errpath);
	CHECK(cr && strcmp(cr->access_key_id, "ASIASOON") == 0 && *log == '\0',
	    "refresh failed: no new try at once: %s", log);
	free(log);

	/* once invalidated, nothing is left to fall back on */
	creds_invalidate(p);
	cr = creds_get(p, &e);
	CHECK(cr == NULL && e.code == EXIT_AUTH, "invalidated and nowhere to "
	    "get new ones: %s", err_msg(&e));
	free_answers(answers);
	creds_provider_free(p);
	err_clear(&e);
}

struct rcase {
	const char *name;
	const char *config;
	const char *env[4];
	const char *opt_region, *opt_profile;
	const char *want;	/* NULL: the error below */
	const char *msg;
};

static const struct rcase rcases[] = {
	{ .name = "the config's region first",
	    .config = "[default]\nregion = from-file\n",
	    .env = { "AWS_REGION=from-env" }, .opt_region = "from-config",
	    .want = "from-config" },
	{ .name = "AWS_REGION before AWS_DEFAULT_REGION",
	    .env = { "AWS_REGION=r1", "AWS_DEFAULT_REGION=r2" }, .want = "r1" },
	{ .name = "AWS_DEFAULT_REGION",
	    .config = "[default]\nregion = from-file\n",
	    .env = { "AWS_DEFAULT_REGION=r2" }, .want = "r2" },
	{ .name = "the default profile's region",
	    .config = "[default]\nregion = eu-west-1\n", .want = "eu-west-1" },
	{ .name = "AWS_PROFILE's region",
	    .config = "[default]\nregion = eu-west-1\n"
	    "[profile dev]\nregion = eu-west-3\n",
	    .env = { "AWS_PROFILE=dev" }, .want = "eu-west-3" },
	{ .name = "credential_profile_name's region",
	    .config = "[profile dev]\nregion = eu-west-3\n"
	    "[profile ops]\nregion = ap-south-1\n",
	    .env = { "AWS_PROFILE=dev" }, .opt_profile = "ops",
	    .want = "ap-south-1" },
	{ .name = "no region",
	    .msg = "no AWS region: set cloudwatchlogsbeat.aws_region, "
	    "AWS_REGION or AWS_DEFAULT_REGION, or region in profile default "
	    "of %H/.aws/config (absent)" },
	{ .name = "no region in the profile",
	    .config = "[default]\noutput = json\n",
	    .msg = "no AWS region: set cloudwatchlogsbeat.aws_region, "
	    "AWS_REGION or AWS_DEFAULT_REGION, or region in profile default "
	    "of %H/.aws/config" },
	{ .name = "a config file that does not parse",
	    .config = "region = x\n",
	    .msg = "%H/.aws/config:1: expected a profile definition before the "
	    "first property" },
};

static void
test_region(void)
{
	struct creds_opts o;
	struct err e = ERR_INIT;
	char path[4200], *r, *want;
	size_t i;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		new_home();
		if (rcases[i].config) {
			snprintf(path, sizeof(path), "%s/.aws/config", home);
			write_file(path, rcases[i].config, 0600);
		}
		set_env(rcases[i].env);
		memset(&o, 0, sizeof(o));
		o.region = rcases[i].opt_region;
		o.profile = rcases[i].opt_profile;
		r = creds_region(&o, &e);
		if (rcases[i].want)
			CHECK_STR(r, rcases[i].want, "region: %s (%s)",
			    rcases[i].name, err_msg(&e));
		else {
			CHECK(r == NULL, "region: %s: got %s", rcases[i].name, r);
			want = subst(rcases[i].msg);
			CHECK_STR(err_msg(&e), want, "region: %s", rcases[i].name);
			CHECK_INT(e.code, EXIT_USAGE, "region: %s: exit code",
			    rcases[i].name);
			free(want);
		}
		free(r);
		err_clear(&e);
	}
}

static void
cleanup(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", base);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	size_t i;

	log_init("test_creds");
	if (mkdtemp(base) == NULL) {
		printf("not ok: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	iso_in(3600, in_hour);
	iso_in(60, in_minute);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
	for (i = 0; i < sizeof(remote_cases) / sizeof(remote_cases[0]); i++)
		run(&remote_cases[i]);
	test_refresh();
	test_region();
	cleanup();
	return unit_done("test_creds");
}
