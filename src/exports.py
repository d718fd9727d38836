#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
exports.py - libdgen.so's exports are what include/dgen/ declares

  exports.py map OUT HEADER...
      write the linker version script for libdgen.so: the functions and
      extern variables HEADER... declare are global, everything else is
      local (src/meson.build runs this on the installed headers).
  exports.py check LIB DIR [--not-libdgen NAME]...
      compare the dynamic symbols LIB defines (nm -D --defined-only) with
      what every DIR/*.h declares, NAME... aside (headers of libraries of
      their own); print each difference and exit 1 if there is one
      (meson test exports).

A declaration is a statement at file scope (up to ';') outside comments,
preprocessor lines and the C++ guards: a function prototype names itself
as its first dgen_ identifier followed by '(', an extern variable as its
last identifier. Statements with 'static' (inline helpers) are no export.
"""
import os
import re
import subprocess
import sys

IDENT = re.compile(r'\bdgen_\w+(?=\s*\()')
LAST_IDENT = re.compile(r'\b(dgen_\w+)\s*(\[[^\]]*\]\s*)*$')


def strip(text):
    """The header without comments, string literals, preprocessor lines and
    the extern "C" guards."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'#ifdef __cplusplus.*?#endif', ' ', text, flags=re.S)
    out = []
    cont = False
    for line in text.split('\n'):
        if cont or line.lstrip().startswith('#'):
            cont = line.rstrip().endswith('\\')
            continue
        out.append(line)
    return re.sub(r'"(\\.|[^"\\])*"', '""', '\n'.join(out))


def statements(text):
    """The file-scope statements: text up to each ';' at brace depth 0, and
    each braced body's head (a definition: struct, enum or inline function)
    with its body left out."""
    depth = 0
    cur = []
    for c in text:
        if c == '{':
            if depth == 0:
                cur.append('{}')
            depth += 1
        elif c == '}':
            depth -= 1
        elif depth == 0:
            if c == ';':
                yield ''.join(cur)
                cur = []
            else:
                cur.append(c)


def declared(path):
    """The names @path declares for export: {name: 'function' | 'variable'}."""
    with open(path, encoding='utf-8') as f:
        text = strip(f.read())
    names = {}
    for st in statements(text):
        st = ' '.join(st.split())
        # A definition's head ('struct x {}', an inline function's) and
        # the declaration after it share a statement: keep what follows
        # the last body.
        st = st.rpartition('{}')[2].strip()
        if not st or re.search(r'\b(static|typedef)\b', st):
            continue
        m = IDENT.search(st)
        if m:
            names[m.group(0)] = 'function'
        elif re.match(r'extern\b', st):
            v = LAST_IDENT.search(st)
            if v:
                names[v.group(1)] = 'variable'
    return names


def write_map(out, headers):
    names = {}
    for h in headers:
        names.update(declared(h))
    lines = ['/* libdgen.so: made by src/exports.py from include/dgen/ */',
             '{', 'global:']
    lines += ['\t%s;' % n for n in sorted(names)]
    lines += ['local:', '\t*;', '};', '']
    with open(out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    return 0


# Defined by the toolchain in every shared object, not by libdgen.
TOOLCHAIN = {'_init', '_fini', '_edata', '_end', '__bss_start'}


def exported(lib):
    nm = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                        capture_output=True, text=True).stdout
    names = set()
    for line in nm.splitlines():
        f = line.split()
        # value type name; an absolute symbol (A) is a version node.
        if len(f) < 3 or f[1] == 'A':
            continue
        name = f[2].split('@')[0]
        if name not in TOOLCHAIN:
            names.add(name)
    return names


def check(lib, hdir, skip):
    decl = {}
    for h in sorted(os.listdir(hdir)):
        if h.endswith('.h') and h not in skip:
            for n in declared(os.path.join(hdir, h)):
                decl[n] = h
    exp = exported(lib)
    bad = 0
    for n in sorted(exp - set(decl)):
        print('%s exports %s, which no header in %s declares' % (lib, n, hdir))
        bad = 1
    for n in sorted(set(decl) - exp):
        print('%s declares %s, which %s does not export' % (decl[n], n, lib))
        bad = 1
    print('%d names exported, %d declared in %s (%s aside)'
          % (len(exp), len(decl), hdir, ', '.join(sorted(skip)) or 'none'))
    return bad


def main(argv):
    if len(argv) >= 3 and argv[1] == 'map':
        return write_map(argv[2], argv[3:])
    if len(argv) >= 4 and argv[1] == 'check':
        skip = set()
        rest = argv[4:]
        while len(rest) >= 2 and rest[0] == '--not-libdgen':
            skip.add(rest[1])
            rest = rest[2:]
        if not rest:
            return check(argv[2], argv[3], skip)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
