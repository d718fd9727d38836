#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# report_keys.py - check JSON reports against doc/report.md, both ways
#
# usage: report_keys.py [--skip KIND] DOC REPORT...
#        (each REPORT named KIND.anything.json; --skip: a kind not run)
#
# doc/report.md lists, per kind of report (## `KIND`), every key with its
# type and when it is present; objects used in several reports are listed
# once (### `NAME`) and a key of that type takes their keys. A key of an
# array's elements is written array[].key. Three checks, per kind:
#   - every key of every report is listed;
#   - every listed key shows up in some report, unless marked † (needs an
#     NVMe drive, a cliff);
#   - a key listed "always" is in every report whose enclosing object is.
# Prints what is wrong and exits 1, or prints a summary and exits 0.
import json
import re
import sys
from collections import defaultdict

ROW = re.compile(r'^\| `([^`]+)` \| ([^|]*) \| ([^|]*) \|')
HEAD = re.compile(r'^(##+) `([\w-]+)`')
ATOM = re.compile(r'^p\d+\.\d+$')	# "p99.9": one key, dot and all


def parse_doc(path):
    kinds, objects, cur = {}, {}, None
    for line in open(path, encoding='utf-8'):
        m = HEAD.match(line)
        if m:
            table = objects if m.group(1) == '###' else kinds
            cur = table.setdefault(m.group(2), {})
            continue
        if line.startswith('## '):
            cur = None
            continue
        m = ROW.match(line)
        if m and cur is not None:
            cur[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return kinds, objects


def container(prefix, key):
    """The path of the object that holds @key, written under @prefix."""
    if ATOM.match(key) or '.' not in key:
        return prefix.rstrip('.')
    return prefix + key.rsplit('.', 1)[0]


def expand(table, objects, prefix='', dagger=False, out=None):
    """Every key path of @table, its object types' keys included:
    path -> (always, dagger, container)."""
    out = {} if out is None else out
    for key, (typ, when) in table.items():
        path = prefix + key
        d = dagger or '†' in when
        always = when.replace('†', '').strip() == 'always'
        out[path] = (always, d, container(prefix, key))
        name = typ.replace(' or null', '').strip()
        arr = name.startswith('array of ')
        if arr:
            name = name[len('array of '):]
        if name in objects:
            expand(objects[name], objects, path + ('[].' if arr else '.'),
                   d, out)
    return out


def walk(v, path, paths):
    """The key paths of @v; "x[]" for an array x with elements."""
    if isinstance(v, dict):
        for k, x in v.items():
            p = f'{path}.{k}' if path else k
            paths.add(p)
            walk(x, p, paths)
    elif isinstance(v, list):
        if v:
            paths.add(path + '[]')
        for x in v:
            walk(x, path + '[]', paths)


def main():
    args, skip = sys.argv[1:], set()
    while args and args[0] == '--skip':
        skip.add(args[1])
        args = args[2:]
    kinds, objects = parse_doc(args[0])
    reports, bad = defaultdict(list), []
    for f in args[1:]:
        kind = f.rsplit('/', 1)[-1].split('.', 1)[0]
        paths = set()
        try:
            walk(json.load(open(f, encoding='utf-8')), '', paths)
        except ValueError as e:
            bad.append(f'{f}: not one JSON object: {e}')
            continue
        reports[kind].append((f, paths))
    for kind, runs in sorted(reports.items()):
        if kind not in kinds:
            bad.append(f'{kind}: no section in the document')
            continue
        doc = expand(kinds[kind], objects)
        seen = set()
        for f, paths in runs:
            seen |= paths
            for p in sorted(paths):
                if not p.endswith('[]') and p not in doc:
                    bad.append(f'{kind}: {p} is not documented ({f})')
            for key, (always, _, cont) in doc.items():
                if always and (not cont or cont in paths) and key not in paths:
                    bad.append(f'{kind}: {key} is "always" but missing ({f})')
        for key, (_, dagger, _) in doc.items():
            if not dagger and key not in seen:
                bad.append(f'{kind}: {key} is documented but no report had it')
    for kind in sorted(set(kinds) - set(reports) - skip):
        bad.append(f'{kind}: no report of this kind was checked')
    for b in bad:
        print('FAIL:', b)
    if bad:
        return 1
    print('ok: %d reports of %d kinds match the document' %
          (sum(len(r) for r in reports.values()), len(reports)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
