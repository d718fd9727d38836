#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""qmp.py - set a QOM property of the running test VM through its QMP socket.

    tests/vm/qmp.py SOCKET PATH PROPERTY INTEGER

e.g. qmp.py vm.sock /machine/peripheral/c5 smart_critical_warning 2 makes
that emulated NVMe controller report a critical warning from now on (and
raise an asynchronous event), as a drive that turns unhealthy would.
Exit 0 when qemu accepted it, 1 with its error otherwise.
"""
import json
import socket
import sys


def main():
    sock, path, prop, value = sys.argv[1:5]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    f = s.makefile("rw")
    json.loads(f.readline())  # the greeting

    def execute(cmd, **args):
        f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        f.flush()
        while True:  # asynchronous events may come first
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r

    execute("qmp_capabilities")
    r = execute("qom-set", path=path, property=prop, value=int(value))
    if "error" in r:
        print("qmp.py: %s" % r["error"].get("desc", r), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
