#!/usr/bin/python3
"""aws_cli_batch.py DIR: run many AWS CLI commands (Debian's awscli, the
code /usr/bin/aws runs) in one Python process, which saves the second of
start-up each /usr/bin/aws costs.

Reads one command per line on stdin, shell-quoted and without the leading
"aws"; leading NAME=value words set environment variables for that command
only. --endpoint-url $AWS_ENDPOINT_URL, --region $AWS_REGION and --output
json come first unless the line gives them. Command N (from 1) leaves its
stdout and stderr in DIR/N.out and its exit code in DIR/N.rc. Exits 0.
"""

import io
import os
import re
import shlex
import sys

from awscli.clidriver import create_clidriver

ENV_RX = re.compile(r"[A-Z_][A-Z0-9_]*=")


_drivers = {}


def run(args, env):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    out = io.StringIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        # One driver per set of variables: a driver keeps the credentials
        # it resolved first, and making one costs more than the command.
        key = tuple(sorted(env.items()))
        if key not in _drivers:
            _drivers[key] = create_clidriver()
        rc = _drivers[key].main(args)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return rc, out.getvalue()


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    os.environ.setdefault("AWS_PAGER", "")
    n = 0
    for line in sys.stdin:
        words = shlex.split(line)
        if not words:
            continue
        env = {}
        while words and ENV_RX.match(words[0]):
            k, _, v = words.pop(0).partition("=")
            env[k] = v
        args = list(words)
        if "--endpoint-url" not in args:
            args = ["--endpoint-url", os.environ["AWS_ENDPOINT_URL"]] + args
        if "--region" not in args:
            args = ["--region", os.environ.get("AWS_REGION", "us-east-1")] + args
        if "--output" not in args:
            args = ["--output", "json"] + args
        n += 1
        rc, text = run(args, env)
        with open(os.path.join(outdir, "%d.out" % n), "w") as fh:
            fh.write(text)
        with open(os.path.join(outdir, "%d.rc" % n), "w") as fh:
            fh.write("%s\n" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
