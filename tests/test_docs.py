#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# test_docs.py - every command the README and doc/*.md show, run against the
# built tools, so a documented example that stops working fails the suite;
# and every relative link of those files, checked to name a file that is
# there.
#
# usage: test_docs.py SOURCE_DIR BUILD_DIR built|not-built
#   (the last argument: whether dgen-uring was built with MPI)
#
# The convention (doc/hacking.md says it for writers of guides):
#
#   ```sh        every line is a command (a line ending in \ goes on; lines
#                starting with # are comments); each must exit 0, or N when
#                the line ends with the comment "# exit N".
#   ```console   a transcript: lines starting with "$ " are commands, the
#                rest is output. Each command must exit 0; an "exit N" line
#                of the shown output (printed by `; echo "exit $?"`) must be
#                in the real output too. Other output is not compared: it
#                holds timings, and this machine is not the one shown.
#   <!-- not run: WHY -->  right above a fence: the block is not run. Used
#                only where the test machine cannot have what the command
#                needs: the set-up commands of the README (they install
#                packages and run the whole suite, this test included), a
#                cluster (mpirun --hostfile, srun), S3 endpoints and an
#                Azure account other than the objects tests' own servers,
#                an NVMe generic char device (the vm test runs those), a
#                DUT with IPMI or a PDU, an install into /usr/local (the
#                install test builds the library example against a prefix).
#                A block that is not run is still read: its shell must
#                parse (bash -n) and every option it gives dgen-uring or
#                dgen-inspect must be in the tool's --help.
#   any other fence (text, json, c) must hold no command line, and there
#   are no indented code blocks: this test must see every command.
#
# The commands of one file run in order in one bash (set -o pipefail), in a
# scratch directory under /dev/shm where `build` is the build directory and
# `tests` the source's tests/, with the built tools first on PATH. Before a
# command runs, this test puts in what the machine has and shrinks what
# would take long (SUBST below says each):
#   - the drives named in the docs are loop devices (losetup --direct-io=on
#     over 64 MiB files in /dev/shm): /dev/nvme0n1 and /dev/loop2 are L0,
#     /dev/nvme1n1 L1, /dev/sdb and /dev/loop0 L2, /dev/sdc and /dev/loop1
#     L3 (any other name, /dev/nvme9n1 say, stays: it is meant to be
#     missing);
#   - paths under /dev/shm/ and /tmp/ move into the scratch directory;
#   - --size and head -c over 64 MiB become 64 MiB; --file-size over 1 MiB
#     becomes 1 MiB and --files over 16 become 16; --time is 2s and
#     --status-interval 1.
# A command run under mpirun is left out (and named) when dgen-uring was
# built without MPI. Skips (exit 77) only when not root or when no loop
# device can be made.

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC, BUILD, MPI = sys.argv[1], sys.argv[2], sys.argv[3]
FILES = ['README.md'] + sorted('doc/' + f for f in os.listdir(os.path.join(SRC, 'doc'))
                               if f.endswith('.md'))
LOOP_MB = 64
CAP_SIZE = 64 << 20
CAP_FILE_SIZE = 1 << 20
CAP_FILES = 16
FILE_TIMEOUT = 300          # a wide bound: a hang fails the test, not CI

fails = []


def fail(msg):
    print('FAIL: ' + msg)
    fails.append(msg)


# ---- Parsing the Markdown ----------------------------------------------

LIST_ITEM = re.compile(r'^\s*([-*+]|\d+\.)\s')
COMMAND_LIKE = re.compile(r'^\s*(\$ |dgen-uring\s|dgen-inspect\s|build/tools/|mpirun\s|srun\s|sudo\s)')
NOT_RUN = re.compile(r'^<!-- not run: .+ -->$')
EXIT_COMMENT = re.compile(r'\s+#\s*exit\s+(\d+)\s*$')


def join_continued(lines, i):
    """The command starting at lines[i], with its \\-continued lines; the
    index after it."""
    cmd = lines[i]
    while cmd.endswith('\\') and i + 1 < len(lines):
        i += 1
        cmd = cmd + '\n' + lines[i]
    return cmd, i + 1


def parse(path):
    """The blocks of a Markdown file: (line, lang, run, lines)."""
    lines = open(os.path.join(SRC, path)).read().split('\n')
    blocks = []
    i = 0
    prev_nonblank = ''
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^```(\S*)\s*$', line)
        if m:
            lang, start = m.group(1), i
            marker = i > 0 and NOT_RUN.match(lines[i - 1])
            i += 1
            body = []
            while i < len(lines) and not re.match(r'^```\s*$', lines[i]):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                fail(f'{path}:{start + 1}: a fence that never closes')
            blocks.append((start + 1, lang, lang in ('sh', 'console') and not marker, body))
            if not marker and lang not in ('sh', 'console'):
                for k, b in enumerate(body):
                    if COMMAND_LIKE.match(b):
                        fail(f'{path}:{start + 2 + k}: a command in a ```{lang or "(untagged)"} '
                             f'block: put it in ```sh or ```console, or mark the block '
                             f'<!-- not run: WHY -->')
                        break
            prev_nonblank = '```'
            i += 1
            continue
        if (re.match(r'^( {4}|\t)', line) and i > 0 and lines[i - 1].strip() == ''
                and prev_nonblank and not re.match(r'^\s', prev_nonblank)
                and not LIST_ITEM.match(prev_nonblank) and prev_nonblank != '```'):
            fail(f'{path}:{i + 1}: an indented code block: fence it (```sh, ```console '
                 f'or ```text) so this test sees what it holds')
        if line.strip():
            prev_nonblank = line
        i += 1
    return blocks


# Options a doc may show before the tool has them (none now: add one
# here only while its branch is landing).
TO_COME = set()


def tool_options(tool):
    r = subprocess.run([tool, '--help'], capture_output=True, text=True)
    return set(re.findall(r'--[a-z][a-z0-9-]*', r.stdout + r.stderr))


def check_not_run(path, blocks, known):
    """A block that does not run is still read: its shell must parse, and
    every option it gives dgen-uring or dgen-inspect must be one the tool
    has, so a renamed option fails here too."""
    for start, lang, run, body in blocks:
        if run or lang not in ('sh', 'console'):
            continue
        text = '\n'.join(l[2:] if lang == 'console' and l.startswith('$ ') else l
                         for l in body if lang == 'sh' or l.startswith('$ '))
        if lang == 'sh':
            r = subprocess.run(['bash', '-n'], input=text, capture_output=True, text=True)
            if r.returncode:
                fail(f'{path}:{start}: a block that is not run does not parse: {r.stderr.strip()}')
        for tool, opts in known.items():
            for m in re.finditer(r'\b' + tool + r'\b([^|;&"\n\\]*(?:\\\n[^|;&"\n\\]*)*)', text):
                for opt in re.findall(r'(?<![\w-])--[a-z][a-z0-9-]*', m.group(1)):
                    if opt not in opts and opt not in TO_COME:
                        fail(f'{path}:{start}: {tool} has no option {opt} (in a block that is not run)')


def commands(path, blocks):
    """(line, command, expected exit, exit lines the output must hold)."""
    out = []
    for start, lang, run, body in blocks:
        if not run:
            continue
        k = 0
        while k < len(body):
            line = body[k]
            if lang == 'sh':
                if not line.strip() or line.lstrip().startswith('#'):
                    k += 1
                    continue
                cmd, nk = join_continued(body, k)
                m = EXIT_COMMENT.search(cmd)
                status = int(m.group(1)) if m else 0
                out.append((start + 1 + k, cmd, status, []))
                k = nk
            else:
                if not line.startswith('$ '):
                    k += 1
                    continue
                cmd, nk = join_continued(body, k)
                shown = []
                while nk < len(body) and not body[nk].startswith('$ '):
                    if re.match(r'^exit \d+$', body[nk]):
                        shown.append(body[nk])
                    nk += 1
                out.append((start + 1 + k, cmd[2:], 0, shown))
                k = nk
    return out


# ---- Links --------------------------------------------------------------

def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r'[^\w\- ]', '', s)
    return s.replace(' ', '-')


def anchors(path):
    text = open(os.path.join(SRC, path)).read()
    text = re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)
    return {slug(h) for h in re.findall(r'^#+\s+(.*)$', text, flags=re.M)}


def check_links(path):
    text = open(os.path.join(SRC, path)).read()
    text = re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'^[a-z]+:', target):
            continue
        file, _, frag = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        if not os.path.exists(os.path.join(SRC, dest)):
            fail(f'{path}: the link {target} names {dest}, which is not there')
        elif frag and dest.endswith('.md') and frag not in anchors(dest):
            fail(f'{path}: the link {target}: {dest} has no heading #{frag}')


# ---- Substitutions ------------------------------------------------------

def size_bytes(s):
    m = re.match(r'^(\d+(?:\.\d+)?)([KMGT]?)(?:i?B)?$', s)
    if not m:
        return None
    return float(m.group(1)) * (1 << (10 * ' KMGT'.index(m.group(2) or ' ')))


def cap(m, limit, unit):
    n = size_bytes(m.group(2))
    if n is None or n <= limit:
        return m.group(0)
    return m.group(1) + unit


def subst(cmd, loops, scratch):
    names = {'/dev/nvme0n1': 0, '/dev/loop2': 0, '/dev/nvme1n1': 1,
             '/dev/sdb': 2, '/dev/loop0': 2, '/dev/sdc': 3, '/dev/loop1': 3}
    cmd = re.sub(r'/dev/(nvme[01]n1|sd[bc]|loop[012])(?![0-9a-z])',
                 lambda m: loops[names[m.group(0)]], cmd)
    cmd = re.sub(r'/dev/shm/', scratch + '/shm/', cmd)
    cmd = re.sub(r'(?<![\w.])/tmp/', scratch + '/tmp/', cmd)
    cmd = re.sub(r'(--size[= ])(\S+)', lambda m: cap(m, CAP_SIZE, '64M'), cmd)
    cmd = re.sub(r'(head -c )(\S+)', lambda m: cap(m, CAP_SIZE, '64M'), cmd)
    cmd = re.sub(r'(--file-size[= ])(\S+)', lambda m: cap(m, CAP_FILE_SIZE, '1M'), cmd)
    cmd = re.sub(r'(--files[= ])(\d+)',
                 lambda m: m.group(1) + str(min(int(m.group(2)), CAP_FILES)), cmd)
    cmd = re.sub(r'(--time[= ])\S+', r'\g<1>2s', cmd)
    cmd = re.sub(r'(--status-interval[= ])\S+', r'\g<1>1', cmd)
    return cmd


# ---- Running ------------------------------------------------------------

def run_file(path, cmds, loops, scratch):
    wd = os.path.join(scratch, path.replace('/', '_'))
    os.makedirs(wd)
    os.symlink(os.path.abspath(BUILD), os.path.join(wd, 'build'))
    os.symlink(os.path.join(os.path.abspath(SRC), 'tests'), os.path.join(wd, 'tests'))
    res = os.path.join(scratch, 'res-' + path.replace('/', '_'))
    os.makedirs(res)
    script = ['set -o pipefail', f'cd {wd}']
    ran = []
    for n, (line, cmd, status, shown) in enumerate(cmds):
        if MPI != 'built' and re.match(r'^\s*mpirun\s', cmd):
            print(f'{path}:{line}: left out (dgen-uring built without MPI): {cmd}')
            continue
        real = subst(cmd, loops, scratch)
        ran.append((n, line, cmd, real, status, shown))
        script += [f'__t=$(date +%s.%N)', '{', real, f'}} >{res}/{n}.out 2>&1 </dev/null',
                   f'echo $? >{res}/{n}.rc',
                   f'echo "$__t $(date +%s.%N)" >{res}/{n}.time']
    with open(os.path.join(res, 'script.sh'), 'w') as f:
        f.write('\n'.join(script) + '\n')
    t0 = time.monotonic()
    # Its own process group, so a hung command and its children can all be
    # killed (and the loop devices let go) when time is up.
    proc = subprocess.Popen(['bash', os.path.join(res, 'script.sh')], stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        proc.wait(timeout=FILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f'{path}: its commands did not finish in {FILE_TIMEOUT} s')
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f'{path}: {len(ran)} commands in {time.monotonic() - t0:.1f} s')
    for n, line, cmd, real, status, shown in ran:
        try:
            rc = int(open(f'{res}/{n}.rc').read())
            out = open(f'{res}/{n}.out', errors='replace').read()
            a, b = open(f'{res}/{n}.time').read().split()
            secs = float(b) - float(a)
        except (OSError, ValueError):
            fail(f'{path}:{line}: never finished: {cmd}')
            continue
        where = f'{path}:{line}'
        if rc != status:
            fail(f'{where}: exit {rc}, the doc says {status}: {cmd}\n  ran: {real}\n'
                 + ''.join('  | ' + l + '\n' for l in out.splitlines()[-15:]))
            continue
        missing = [s for s in shown if s not in out.splitlines()]
        if missing:
            fail(f'{where}: the doc shows "{missing[0]}", the command printed otherwise: {cmd}\n'
                 + ''.join('  | ' + l + '\n' for l in out.splitlines()[-15:]))
            continue
        print(f'ok {where} ({secs:.2f} s): {cmd.splitlines()[0]}')


def readme_setup(blocks):
    """The README's first two commands are its set-up, and .ci/run runs the
    second verbatim."""
    cmds = [b for b in blocks if b[1] in ('sh', 'console')]
    if len(cmds) < 2 or len(cmds[0][3]) != 1 or len(cmds[1][3]) != 1:
        fail('README.md: the first two code blocks must be the set-up command and the test command')
        return
    first, second = cmds[0][3][0], cmds[1][3][0]
    if 'build/tools/dgen-uring' not in first or 'meson setup build' not in first:
        fail(f'README.md: the first command does not build and run the tool: {first}')
    ci = open(os.path.join(SRC, '.ci/run')).read().split('\n')
    if second not in ci:
        fail(f'README.md: .ci/run does not run the test command verbatim: {second}')


def main():
    # meson's timeout sends SIGTERM: unwind, so the loop devices go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if os.geteuid() != 0:
        print('SKIP: not root (the commands write loop devices)')
        return 77
    scratch = tempfile.mkdtemp(prefix='dgen-docs.', dir='/dev/shm')
    os.makedirs(os.path.join(scratch, 'shm'))
    os.makedirs(os.path.join(scratch, 'tmp'))
    loops = []
    try:
        for k in range(4):
            img = os.path.join(scratch, f'loop{k}.img')
            with open(img, 'wb') as f:
                f.truncate(LOOP_MB << 20)
            r = subprocess.run(['losetup', '--direct-io=on', '-f', '--show', img],
                               capture_output=True, text=True)
            if r.returncode:
                print(f'SKIP: no loop device: {r.stderr.strip()}')
                return 77
            loops.append(r.stdout.strip())
        path = os.path.join(os.path.abspath(BUILD), 'tools') + ':' + os.environ['PATH']
        # python3 is one with numpy (Debian's python3-numpy), where the
        # first on PATH lacks it, as tests/test_tree.c picks it.
        if subprocess.run(['python3', '-c', 'import numpy'], capture_output=True).returncode \
                and os.path.exists('/usr/bin/python3'):
            os.makedirs(os.path.join(scratch, 'bin'))
            os.symlink('/usr/bin/python3', os.path.join(scratch, 'bin', 'python3'))
            path = os.path.join(scratch, 'bin') + ':' + path
        os.environ['PATH'] = path
        # Open MPI as root in a container, as tests/test_mpi.sh runs it.
        os.environ.update(OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1',
                          OMPI_MCA_btl='self,vader',
                          OMPI_MCA_btl_vader_single_copy_mechanism='none',
                          OMPI_MCA_rmaps_base_oversubscribe='1', OMPI_MCA_plm_rsh_agent='',
                          OMPI_MCA_mca_base_component_disable_dlclose='1')
        known = {t: tool_options(t) for t in ('dgen-uring', 'dgen-inspect')}
        total = 0
        for path in FILES:
            blocks = parse(path)
            check_links(path)
            check_not_run(path, blocks, known)
            if path == 'README.md':
                readme_setup(blocks)
            cmds = commands(path, blocks)
            total += len(cmds)
            if cmds:
                run_file(path, cmds, loops, scratch)
        if total < 40:
            fail(f'only {total} commands found: is the parser broken?')
    finally:
        for dev in loops:
            subprocess.run(['losetup', '-d', dev])
        shutil.rmtree(scratch, ignore_errors=True)
    if fails:
        print(f'{len(fails)} failures')
        return 1
    print(f'all {total} commands of {len(FILES)} files ran as documented; every link holds')
    return 0


if __name__ == '__main__':
    sys.exit(main())
