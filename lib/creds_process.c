/*
 * credential_process: a profile's command, run with /bin/sh, whose
 * standard output is the credentials as JSON.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "creds_int.h"
#include "jsonx.h"
#include "log.h"

/* What a credential process may write before we stop listening. */
#define PROCESS_MAX_OUTPUT (1 << 20)

/* Starts cmd under /bin/sh, its stdin on /dev/null, its stdout and
 * stderr on the pipes po and pe (whose write ends are then closed here).
 * Returns its pid, or -1 with e. */
static pid_t
spawn(const char *cmd, int po[2], int pe[2], struct err *e)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		err_set(e, EXIT_RUNTIME, "credential_process: fork: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull != -1)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	return pid;
}

/* Reads fdout into out and fderr into errout (each kept to
 * PROCESS_MAX_OUTPUT) until both are at their end, and closes them. */
static void
collect(int fdout, int fderr, struct buf *out, struct buf *errout)
{
	struct pollfd fds[2];
	char chunk[4096];
	ssize_t n;
	size_t i;
	int open_fds;

	fds[0].fd = fdout;
	fds[1].fd = fderr;
	fds[0].events = fds[1].events = POLLIN;
	for (open_fds = 2; open_fds > 0; ) {
		if (poll(fds, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if ((i == 0 ? out : errout)->len < PROCESS_MAX_OUTPUT)
				buf_add(i == 0 ? out : errout, chunk, (size_t)n);
		}
	}
	for (i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
}

/* Waits for the child. Returns its exit status, or 128 + the signal
 * that ended it. */
static int
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			st = 0xff00;
			break;
		}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ?
	    WTERMSIG(st) : 0);
}

/*
 * credential_process: "the SDK runs the command and reads JSON from its
 * standard output" ({"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken", "Expiration"}). Its standard error is kept for the
 * message when it fails.
 */
static int
run_process(const char *cmd, struct buf *out, struct buf *errout,
    int *status, struct err *e)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t pid;
	size_t i;

	if (pipe(po) == -1 || pipe(pe) == -1) {
		err_set(e, EXIT_RUNTIME, "credential_process: pipe: %s",
		    strerror(errno));
		goto fail;
	}
	if ((pid = spawn(cmd, po, pe, e)) == -1)
		goto fail;
	collect(po[0], pe[0], out, errout);
	*status = reap(pid);
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return -1;
}

int
creds_process(const char *profile, const char *cmd, struct creds *out,
    struct err *e)
{
	struct buf so = BUF_INIT, se = BUF_INIT, what = BUF_INIT,
	    src = BUF_INIT;
	json_object *o = NULL;
	const char *why;
	char *line, *clean;
	int status, rc = -1;

	buf_printf(&what, "credential_process of profile %s", profile);
	if (run_process(cmd, &so, &se, &status, e) == -1)
		goto done;
	if (status != 0) {
		line = strndup(buf_str(&se), strcspn(buf_str(&se), "\n"));
		clean = log_redact(line ? line : "");
		err_set(e, EXIT_AUTH, "%s: exited with %d%s%s", buf_str(&what),
		    status, clean && *clean ? ": " : "", clean ? clean : "");
		free(line);
		free(clean);
		goto done;
	}
	if ((o = jsonx_parse(so.p ? so.p : "", so.len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		err_set(e, EXIT_AUTH, "%s: the output is not a JSON object%s%s",
		    buf_str(&what), o ? "" : ": ", o ? "" : why);
		goto done;
	}
	if (jsonx_get_int(o, "Version", 0) != 1) {
		err_set(e, EXIT_AUTH, "%s: Version must be 1", buf_str(&what));
		goto done;
	}
	buf_printf(&src, "profile %s (credential_process)", profile);
	if (creds_json(o, "SessionToken", out, buf_str(&what), e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 0;
done:
	json_object_put(o);
	if (so.p)
		memset(so.p, 0, so.len);
	buf_free(&so);
	buf_free(&se);
	buf_free(&what);
	buf_free(&src);
	return rc;
}
