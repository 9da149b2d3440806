#!/usr/bin/env python3
"""Builds fuzz/corpus/<target>/ from the repository's fixtures (and, when present, the
shared corpus at /work/shared/corpus/cases or the folders given as arguments).

Targets whose first byte picks a file name (names/<target>.txt) get each seed file
prefixed with the index of the name that classifies it like the original (exact file
name first, then extension, then the content-classified `export`), high bit set.
Files no name fits are left out of the family targets. Run from anywhere:

    python3 fuzz/seed_corpus.py [EXTRA_DIR...]
"""
import hashlib
import os
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
SOURCES = [os.path.join(ROOT, "fixtures"), "/work/shared/corpus/cases"] + sys.argv[1:]
PICKED = ["check_any", "powershell", "cmd", "xml", "yaml", "code", "rust", "shell", "windows_text"]
MAX = 65536


def names(target):
    with open(os.path.join(FUZZ, "names", target + ".txt")) as f:
        return [l.strip() for l in f if l.strip()]


def index_for(file_name, names_):
    low = [n.lower() for n in names_]
    base = file_name.lower()
    if base in low:
        return low.index(base)
    if "." in base.strip("."):
        ext = base.rsplit(".", 1)[1]
        for i, n in enumerate(low):
            if (n.startswith("x.") and n[2:] == ext) or n == "." + ext:
                return i
    if base.endswith(".config") and "app.config" in low:
        return low.index("app.config")
    if base.startswith("dockerfile") and "dockerfile" in low:
        return low.index("dockerfile")
    if base.endswith("rc") and "export" in low:
        return None
    return low.index("export") if "export" in low else None


def template_index(file_name, data, names_):
    """The template target takes files with directives, named by their kind."""
    if b"{{" not in data and b"{%" not in data:
        return None
    low = file_name.lower()
    for suffix, name in [(".tpl", "templates/_helpers.tpl"), (".j2", "config.yml.j2"),
                         (".yaml", "templates/deployment.yaml"), (".yml", "templates/deployment.yaml"),
                         (".in", "bootstrap.sh.in"), ("hosts", "hosts")]:
        if low.endswith(suffix):
            return names_.index(name)
    return names_.index("export")


def preg(records):
    """A Registry.pol file: PReg header, then [key;value;type;size;data] in UTF-16LE."""
    out = bytearray(b"PReg\x01\x00\x00\x00")
    u = lambda s: s.encode("utf-16-le")
    for key, name, kind, data in records:
        out += u("[") + u(key) + b"\x00\x00" + u(";") + u(name) + b"\x00\x00" + u(";")
        out += kind.to_bytes(4, "little") + u(";") + len(data).to_bytes(4, "little") + u(";")
        out += data + u("]")
    return bytes(out)


def pol_seeds():
    sch = "System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server"
    inet = "Software\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings"
    dw = lambda v: v.to_bytes(4, "little")
    sz = lambda s: (s + "\x00").encode("utf-16-le")
    yield preg([(sch, "Enabled", 4, dw(1)), (sch, "DisabledByDefault", 4, dw(0))])
    yield preg([(inet, "SecureProtocols", 4, dw(0xA80)), (inet, "**del.CertificateRevocation", 1, sz(" "))])
    yield preg([("Software\\Policies\\X", "Multi", 7, sz("a\x00b")), ("Software\\X", "Bin", 3, bytes(range(40))),
                ("Software\\X", "Q", 11, (7).to_bytes(8, "little")), ("Software\\X", "**soft.S", 1, sz("v"))])
    yield preg([])


# Index of each extension's language in fuzz_targets/lower.rs's LANGS.
LOWER_LANGS = {"c": 0, "h": 1, "cpp": 1, "cc": 1, "hpp": 1, "cs": 2, "go": 3, "java": 4,
               "js": 5, "mjs": 5, "cjs": 5, "ts": 6, "tsx": 7, "py": 8}


def put(target, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, h), "wb") as f:
        f.write(data)


def main():
    lists = {t: names(t) for t in PICKED}
    templates = names("template")
    count = {}
    for seed in pol_seeds():
        put("pol", seed)
        count["pol"] = count.get("pol", 0) + 1
    for src in SOURCES:
        if not os.path.isdir(src):
            continue
        for dirpath, _, files in os.walk(src):
            for fn in files:
                with open(os.path.join(dirpath, fn), "rb") as f:
                    data = f.read()[:MAX]
                head = data.lstrip(b"\xef\xbb\xbf\xff\xfe\x00").replace(b"\x00", b"")[:64]
                put("decode", data)
                put("decode_stable", data)
                count["decode"] = count.get("decode", 0) + 1
                if fn.lower().endswith(".reg") or head.startswith((b"REGEDIT4", b"Windows Registry")):
                    put("reg", data)
                    count["reg"] = count.get("reg", 0) + 1
                if fn.lower().endswith(".pol"):
                    put("pol", data)
                # lower: the first byte picks the language (fuzz_targets/lower.rs, LANGS).
                ext = fn.lower().rsplit(".", 1)[-1]
                if ext in LOWER_LANGS:
                    put("lower", bytes([LOWER_LANGS[ext]]) + data)
                    count["lower"] = count.get("lower", 0) + 1
                ti = template_index(fn, data, templates)
                if ti is not None:
                    put("template", bytes([0x80 | ti]) + data)
                    count["template"] = count.get("template", 0) + 1
                for t in PICKED:
                    i = index_for(fn, lists[t])
                    if i is None:
                        continue
                    # The content-classified name only fits files that say what they are.
                    if lists[t][i] == "export" and t != "check_any" and not head.startswith((b"#!", b"<", b"REGEDIT4", b"Windows Registry")):
                        continue
                    put(t, bytes([0x80 | i]) + data)
                    count[t] = count.get(t, 0) + 1
    for t, n in sorted(count.items()):
        print(f"{t}: {n} seeds")


main()
