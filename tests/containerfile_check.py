#!/usr/bin/python3
"""containerfile_check.py: what a reviewer checks in the Containerfile,
without a container runtime. Prints one line per fault; exits 0 when
there is none, 1 when there are, 2 on a usage error.

    containerfile_check.py FILE --release MAJOR --build-debs "PKG ..."
        --run-debs "PKG ..." --user UID --install-tree DIR

--release: the Debian major release the images must be (that of the
machine the package is built on); --build-debs: what the build stage
must install (the Makefile's DEBS); --run-debs: what the final stage must
install (the package's Depends, but libc6, which the base holds);
--user: the numeric user the final stage runs as (the manifest's
runAsUser); --install-tree: `make install PREFIX=/usr DESTDIR=DIR`, the
tree the build stage's /out must be.

The checks: every FROM names debian:MAJOR.POINT-slim (a pinned point
release of Debian slim, the same in every stage, never latest); two
stages at least, the first named, the last taking its files from it; no
ADD (COPY says what it does; ADD fetches URLs and unpacks archives); every
apt-get install after an apt-get update in the same RUN, with -y and
--no-install-recommends, and the lists removed in that RUN; the build
stage installs exactly the build packages and runs make, then make
install PREFIX=/usr DESTDIR=/out; the final stage installs exactly the
run-time packages, copies from /out only paths the install tree has,
runs as the numeric, non-root user; the ENTRYPOINT, in exec form, is a
program of the install tree.
"""

import json
import os
import re
import shlex
import sys


def instructions(text):
    """[(line number, INSTRUCTION, arguments)], continuations joined."""
    out, buf, start = [], "", None
    for n, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if start is None:
            start = n
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        buf += s
        word, _, rest = buf.partition(" ")
        out.append((start, word.upper(), rest.strip()))
        buf, start = "", None
    return out


def apt_packages(cmd):
    """The packages of every apt-get install in a shell command."""
    pkgs = []
    for part in re.split(r"&&|;|\|\|", cmd):
        words = shlex.split(part)
        if len(words) >= 2 and words[0] == "apt-get" and "install" in words:
            pkgs += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return pkgs


def check(path, release, build_debs, run_debs, user, tree):
    faults = []
    text = open(path).read()
    ins = instructions(text)
    stages = []
    for n, op, args in ins:
        if op == "FROM":
            m = re.fullmatch(r"(\S+?)(?::(\S+))?(?:\s+AS\s+(\S+))?", args, re.I)
            image, tag, name = m.groups() if m else (args, None, None)
            stages.append({"line": n, "image": image, "tag": tag, "name": name, "ins": []})
            if image != "debian" or not tag or not re.fullmatch(r"\d+\.\d+-slim", tag):
                faults.append("line %d: FROM %s: not a pinned Debian slim point release "
                              "(debian:MAJOR.POINT-slim)" % (n, args))
            elif tag.split(".")[0] != str(release):
                faults.append("line %d: FROM %s: Debian %s, where the package is built on Debian %s"
                              % (n, args, tag.split(".")[0], release))
        elif not stages:
            if op != "ARG":
                faults.append("line %d: %s before the first FROM" % (n, op))
        else:
            stages[-1]["ins"].append((n, op, args))
    if len(stages) < 2:
        faults.append("%d stage(s): a build stage and a run stage are wanted" % len(stages))
        return faults
    if len({(s["image"], s["tag"]) for s in stages}) != 1:
        faults.append("the stages are not on the same image: %s"
                      % ", ".join("%s:%s" % (s["image"], s["tag"]) for s in stages))
    build, final = stages[0], stages[-1]
    if not build["name"]:
        faults.append("line %d: the build stage has no name (FROM ... AS build)" % build["line"])

    for s in stages:
        for n, op, args in s["ins"]:
            if op == "ADD":
                faults.append("line %d: ADD %s: use COPY%s" % (
                    n, args, " (ADD fetches a URL here)" if "://" in args else ""))
            if op == "RUN" and "apt-get install" in args:
                if "apt-get update" not in args.split("apt-get install")[0]:
                    faults.append("line %d: apt-get install without apt-get update before it "
                                  "in the same RUN" % n)
                if "--no-install-recommends" not in args:
                    faults.append("line %d: apt-get install without --no-install-recommends" % n)
                if not re.search(r"apt-get install[^&;]*\s-y\b", args):
                    faults.append("line %d: apt-get install without -y" % n)
                if "rm -rf /var/lib/apt/lists/*" not in args:
                    faults.append("line %d: the apt lists are left in the layer "
                                  "(rm -rf /var/lib/apt/lists/*)" % n)

    def installs(stage):
        return sorted(p for n, op, a in stage["ins"] if op == "RUN" for p in apt_packages(a))

    if installs(build) != sorted(build_debs):
        faults.append("the build stage installs %s, the Makefile's DEBS are %s"
                      % (" ".join(installs(build)), " ".join(sorted(build_debs))))
    runs = " && ".join(a for n, op, a in build["ins"] if op == "RUN")
    if not re.search(r"\bmake\b(?! (clean|install))", runs):
        faults.append("the build stage does not run make")
    if not re.search(r"make install PREFIX=/usr DESTDIR=/out\b", runs):
        faults.append("the build stage does not run make install PREFIX=/usr DESTDIR=/out")

    if installs(final) != sorted(run_debs):
        faults.append("the final stage installs %s, the package depends on %s"
                      % (" ".join(installs(final)), " ".join(sorted(run_debs))))
    users = [(n, a) for n, op, a in final["ins"] if op == "USER"]
    if not users:
        faults.append("the final stage runs as root: no USER")
    else:
        n, u = users[-1]
        uid = u.split(":")[0]
        if not uid.isdigit():
            faults.append("line %d: USER %s: not numeric (runAsNonRoot cannot check a name)" % (n, u))
        elif int(uid) == 0:
            faults.append("line %d: USER %s: root" % (n, u))
        elif int(uid) != int(user):
            faults.append("line %d: USER %s: the manifest runs as %s" % (n, u, user))
    copies = 0
    for n, op, args in final["ins"]:
        if op != "COPY":
            continue
        words = args.split()
        frm = [w for w in words if w.startswith("--from=")]
        if not frm:
            faults.append("line %d: COPY %s: not from the build stage" % (n, args))
            continue
        if frm[0] != "--from=%s" % (build["name"] or ""):
            faults.append("line %d: COPY %s: not from the build stage %s" % (n, args, build["name"]))
        srcs = [w for w in words if not w.startswith("--")][:-1]
        for src in srcs:
            if not src.startswith("/out/") or not os.path.exists(os.path.join(tree, src[5:])):
                faults.append("line %d: COPY %s: make install does not make it" % (n, src))
            copies += 1
    if copies == 0:
        faults.append("the final stage copies nothing from the build stage")
    ep = [(n, a) for n, op, a in final["ins"] if op == "ENTRYPOINT"]
    if not ep:
        faults.append("no ENTRYPOINT in the final stage")
    else:
        n, a = ep[-1]
        try:
            argv = json.loads(a)
        except ValueError:
            argv = None
        if not isinstance(argv, list) or not argv:
            faults.append("line %d: ENTRYPOINT %s: not the exec (JSON) form" % (n, a))
        elif not os.access(os.path.join(tree, argv[0].lstrip("/")), os.X_OK):
            faults.append("line %d: ENTRYPOINT %s: no such program in the install tree" % (n, argv[0]))
    return faults


def main(argv):
    opts, path = {}, None
    i = 0
    while i < len(argv):
        if argv[i].startswith("--") and i + 1 < len(argv):
            opts[argv[i][2:]] = argv[i + 1]
            i += 2
        elif path is None:
            path = argv[i]
            i += 1
        else:
            break
    need = ("release", "build-debs", "run-debs", "user", "install-tree")
    if path is None or i < len(argv) or any(k not in opts for k in need):
        sys.stderr.write(__doc__)
        return 2
    faults = check(path, opts["release"], opts["build-debs"].split(), opts["run-debs"].split(),
                   opts["user"], opts["install-tree"])
    for f in faults:
        print(f)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
