#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""sigv4_check.py - check recorded S3 requests' SigV4 signatures with botocore

Usage: sigv4_check.py HEADS SECRET REGION

HEADS holds request heads as a proxy saw them on the wire, each ended by a
NUL byte. For each, botocore (the signer of Debian's awscli, an
implementation that owes nothing to curl's) signs the same method, path,
query and signed headers at the request's x-amz-date, and the signature
must equal the one sent. Prints one line per request and exits 1 on any
difference: s3rver accepts any signature, real S3 does not.
"""
import sys

sys.path.insert(0, "/usr/lib/python3/dist-packages/awscli")
from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402


def check(head, secret, region):
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    auth = headers["authorization"]
    fields = dict(p.strip().split("=", 1) for p in auth.split(" ", 1)[1].split(","))
    signed = fields["SignedHeaders"].split(";")
    access = fields["Credential"].split("/")[0]
    req = AWSRequest(method=method, url="http://" + headers["host"] + target,
                     headers={h: headers.get(h, "") for h in signed})
    req.context["timestamp"] = headers["x-amz-date"]
    signer = S3SigV4Auth(Credentials(access, secret), "s3", region)
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    ok = want == fields["Signature"] and \
        signer.signed_headers(signer.headers_to_sign(req)) == fields["SignedHeaders"]
    print("%s %s %s" % ("ok " if ok else "BAD", method, target))
    if not ok:
        print(canonical)
    return ok


def main():
    heads = open(sys.argv[1], "rb").read().decode("latin-1").split("\0")
    heads = [h for h in heads if h.strip()]
    bad = [h for h in heads if not check(h, sys.argv[2], sys.argv[3])]
    print("%d requests, %d bad" % (len(heads), len(bad)))
    return 1 if bad or not heads else 0


if __name__ == "__main__":
    sys.exit(main())
