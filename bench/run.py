#!/usr/bin/env python3
"""Benchmark: tlslint against ripgrep and against reading every byte, on a generated tree,
or on an existing tree such as the real-world bench of ../shared/realworld/.

    python3 bench/run.py                      # generates /tmp/bench-tree (110k files) if missing
    python3 bench/run.py --tree DIR --runs 5 --small DIR10K
    python3 bench/run.py --real DIR [--compare OTHER_TLSLINT] [--runs 5]

With --real, one alternating run of: tlslint (and --compare, another build), `rg -uu -c -F
-f` with tlslint's own keywords, and `rg -uu -c -F -f ../shared/realworld/rg-triggers.txt`
(the yardstick of the speed issue); then one -j1 and one default run with
TLSLINT_PROFILE_STAGES=1, which print the time per stage (walk, read, prefilter, decode,
classify, second-stage prefilter, parse, lower, flow, sinks, the other analyzers, judge,
report; thread time, exclusive) and how many files and bytes each stage saw.

In one run, alternating the commands so that cache state and machine noise hit them alike
(one untimed warm-up round first, so every command reads from the page cache):

  read   tar -cf - TREE | cat > /dev/null    every byte read (the physical floor; piped,
                                             because GNU tar skips reading when its output
                                             is /dev/null)
  rg     rg -c -F -f TRIGGERS TREE           ripgrep with tlslint's prefilter keywords
                                             (`tlslint rules --format keywords`)
  rg-i   rg -c -F -i --hidden -f TRIGGERS    the same work tlslint does (case-insensitive,
                                             hidden files too)
  tlslint  tlslint scan --format json TREE > /dev/null

and reports medians, the tlslint/rg ratio, tlslint's peak RSS (getrusage of the child,
what /usr/bin/time -v prints as "Maximum resident set size"), tlslint with -j1 (are all
cores busy?) and a scaling row: the same generator with 10x fewer files.
ripgrep comes from the system packages (`apt-get install ripgrep`).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, shell=False):
    """Runs cmd with stdout to /dev/null; returns (seconds, peak RSS in KiB, exit status)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.DEVNULL, shell=shell)
        _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def tree_stats(tree):
    files = 0
    size = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for f in filenames:
            p = os.path.join(dirpath, f)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def ensure_tree(tree, files):
    if os.path.isdir(tree) and os.listdir(tree):
        return
    print(f"generating {tree} ({files} files) ...", file=sys.stderr)
    subprocess.run(
        [sys.executable, os.path.join(HERE, "gen-tree.py"), tree, "--files", str(files)],
        check=True,
    )


def keyword_file(binary):
    """tlslint's prefilter keywords in a temporary file for `rg -f`: (path, count)."""
    kw = subprocess.run([binary, "rules", "--format", "keywords"], check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(kw)
    return f.name, len(kw.split())


def print_table(commands, med, times, rss=None):
    """The timing table (with peak RSS when given), one row per command; the caller may
    print more rows after it."""
    print("| command | median s |" + (" peak RSS MB |" if rss else "") + " runs (s) |")
    print("|---|---:|" + ("---:|" if rss else "") + "---|")
    for name in commands:
        mem = f" {rss[name] / 1024:.0f} |" if rss else ""
        print(f"| `{name}` | {med[name]:.2f} |{mem} {' '.join(f'{t:.2f}' for t in times[name])} |")


def alternate(commands, runs):
    """Runs {name: (cmd, shell)} in alternating rounds after one untimed warm-up round;
    returns ({name: [seconds]}, {name: peak RSS KiB}). A tlslint exit other than 0/1 ends
    the benchmark."""
    times = {k: [] for k in commands}
    rss = {k: 0 for k in commands}
    for round_ in range(runs + 1):
        for name, (cmd, shell) in commands.items():
            t, r, code = run(cmd, shell)
            if not name.startswith(("rg", "read")) and code not in (0, 1):
                sys.exit(f"bench: {name} exited with {code}")
            if round_ == 0:
                continue  # warm-up
            times[name].append(t)
            rss[name] = max(rss[name], r)
    return times, rss


def profile(binary, tree, jobs):
    """One scan with the per-stage accounting on: (stages [(name, ms, pct)], counts)."""
    env = dict(os.environ, TLSLINT_PROFILE_STAGES="1")
    cmd = [binary, "scan", "--format", "json", tree] + (["-j", str(jobs)] if jobs else [])
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stages, counts = [], []
    for line in p.stderr.splitlines():
        if not line.startswith("tlslint-profile: "):
            continue
        rest = line[len("tlslint-profile: "):]
        if rest.startswith("stage "):
            _, name, ms, _unit, pct = rest.split()
            stages.append((name, float(ms), pct))
        elif rest.startswith("count "):
            name, _, n = rest[len("count "):].rpartition(" ")
            counts.append((name, int(n)))
    return stages, counts


def real(args):
    """--real: tlslint against ripgrep on an existing tree, and where tlslint's time goes."""
    tree = args.real
    triggers, _ = keyword_file(args.bin)
    commands = {"tlslint scan --format json": ([args.bin, "scan", "--format", "json", tree], False)}
    if args.compare:
        commands["compare: " + os.path.basename(args.compare)] = ([args.compare, "scan", "--format", "json", tree], False)
    commands["rg -uu -c -F -f (tlslint keywords)"] = (["rg", "-uu", "-c", "-F", "-f", triggers, tree], False)
    bench_triggers = os.path.join(ROOT, "..", "shared", "realworld", "rg-triggers.txt")
    if os.path.isfile(bench_triggers):
        commands["rg -uu -c -F -f rg-triggers.txt"] = (["rg", "-uu", "-c", "-F", "-f", bench_triggers, tree], False)
    times, rss = alternate(commands, args.runs)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"tree: {tree}; {os.cpu_count()} cores; median of {args.runs} alternating runs")
    print()
    print_table(commands, med, times, rss)
    t_tl = med["tlslint scan --format json"]
    print()
    for name in commands:
        if name.startswith("rg") or name.startswith("compare"):
            print(f"tlslint / {name} = {t_tl / med[name]:.2f}")
    print()
    prof = {j: profile(args.bin, tree, j) for j in (1, None)}
    print("| stage | -j1 ms | -j1 % | default ms | default % |")
    print("|---|---:|---:|---:|---:|")
    for (name, ms1, p1), (_, ms2, p2) in zip(prof[1][0], prof[None][0]):
        print(f"| {name} | {ms1:.0f} | {p1} | {ms2:.0f} | {p2} |")
    print()
    for name, n in prof[1][1]:
        print(f"- {name}: {n:,}")
    os.unlink(triggers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", default="/tmp/bench-tree")
    ap.add_argument("--files", type=int, default=110000)
    ap.add_argument("--small", default="/tmp/bench-tree-10k", help="tree with 10x fewer files, for the scaling row")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "tlslint"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--real", metavar="DIR", help="an existing tree (the real-world bench): tlslint, ripgrep and the per-stage profile")
    ap.add_argument("--compare", metavar="BIN", help="with --real: another tlslint build, timed in the same rounds")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if shutil.which("rg") is None:
        sys.exit("bench: ripgrep (rg) is not installed: apt-get install ripgrep")
    if args.real:
        real(args)
        return
    ensure_tree(args.tree, args.files)
    ensure_tree(args.small, max(args.files // 10, 1))

    triggers, nkw = keyword_file(args.bin)

    tree = args.tree
    commands = {
        "read (tar | cat)": (f"tar -cf - -C {tree} . | cat > /dev/null", True),
        "rg -c -F -f TRIGGERS": (["rg", "-c", "-F", "-f", triggers, tree], False),
        "rg -c -F -i --hidden -f TRIGGERS": (["rg", "-c", "-F", "-i", "--hidden", "-f", triggers, tree], False),
        "tlslint scan --format json": ([args.bin, "scan", "--format", "json", tree], False),
    }
    times, rss_by = alternate(commands, args.runs)
    rss = [rss_by["tlslint scan --format json"]]
    med = {k: statistics.median(v) for k, v in times.items()}

    j1 = [run([args.bin, "scan", "--format", "json", "-j", "1", tree])[0] for _ in range(max(args.runs // 2, 1))]
    small_times = []
    run([args.bin, "scan", "--format", "json", args.small])  # warm-up
    for _ in range(args.runs):
        small_times.append(run([args.bin, "scan", "--format", "json", args.small])[0])

    files, size = tree_stats(tree)
    sfiles, ssize = tree_stats(args.small)
    cores = os.cpu_count()
    print(f"tree: {tree}: {files} files, {size / 1e9:.2f} GB; {nkw} trigger keywords; {cores} cores; median of {args.runs} alternating runs")
    print()
    print_table(commands, med, times)
    t_tl = med["tlslint scan --format json"]
    print(f"| `tlslint scan -j1` | {statistics.median(j1):.2f} | {' '.join(f'{t:.2f}' for t in j1)} |")
    print()
    print(f"tlslint / rg = {t_tl / med['rg -c -F -f TRIGGERS']:.2f}; "
          f"tlslint / rg -i --hidden = {t_tl / med['rg -c -F -i --hidden -f TRIGGERS']:.2f}; "
          f"tlslint / read = {t_tl / med['read (tar | cat)']:.2f}; "
          f"-j1 / default = {statistics.median(j1) / t_tl:.2f}")
    print(f"tlslint peak RSS: {max(rss) / 1024:.1f} MB (max of {args.runs} runs)")
    st = statistics.median(small_times)
    print(f"scaling: {sfiles} files ({ssize / 1e9:.2f} GB) {st:.2f} s -> {files} files ({size / 1e9:.2f} GB) {t_tl:.2f} s: "
          f"{files / sfiles:.1f}x the files cost {t_tl / st:.1f}x the time")
    os.unlink(triggers)


if __name__ == "__main__":
    main()
