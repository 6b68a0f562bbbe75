#!/usr/bin/env python3
"""Tools for running several optd instances behind nginx (README "Scaling out"). Python 3
standard library only.

    python3 deploy/optd_scale.py owner --servers optd-0.optd:8080,optd-1.optd:8080 run-1 run-2
        Prints the upstream server that nginx's `hash $session_id consistent` picks for each id.
    python3 deploy/optd_scale.py moves --servers OLD,LIST --new-servers NEW,LIST ID...
        Prints the ids whose owner changes between two upstream lists, as "ID OLD NEW".
    python3 deploy/optd_scale.py move ID http://source:8080 http://target:8080 [--token T]
        Moves one session with the fenced checkpoint procedure below.

The ring is nginx's own (src/http/modules/ngx_http_upstream_hash_module.c,
ngx_http_upstream_init_chash and ngx_http_upstream_get_chash_peer): for every server, as
written in the upstream block ("host:port"), weight·160 points; point j is
crc32(host, NUL, port, previous point as 4 little-endian bytes) (the first "previous point" is
0); the points are sorted; a key goes to the first point whose hash is >= crc32(key),
wrapping around. tests/python/test_scale_out.py checks this against a live nginx.

The move (no acknowledged step lost, none applied twice, and no livelock under load):
    1. GET  source/v1/sessions/ID/checkpoint          -> file, ETag "N" (the bulk copy, while
                                                         the source keeps serving)
    2. PUT  target/v1/sessions/ID/checkpoint (file)   -> 201
    3. DELETE source/v1/sessions/ID  If-Match: "N"    -> 204: the fence. From now on the source
       answers 404 for ID, so no step can land there any more. Done.
       412: steps landed on the source after step 1. Then
    4. DELETE source/v1/sessions/ID  Accept: application/octet-stream
                                                      -> 200 + the checkpoint AT the deletion
       (ETag "M"), taken under the same lock, so no step slips between copy and fence; the tool
       keeps it in a local file until step 5 succeeds.
    5. PUT  target/v1/sessions/ID/checkpoint  If-Match: "N"  (that file) -> 200. If-Match
       fences the target: 412 means someone stepped the target since step 2 (the proxy already
       routed there), and the tool stops with the saved file for a human to decide.
Afterwards the proxy must send ID to the target (reload nginx with the new upstream list).
Between 3 and that reload, requests for ID get 404 from the source: clients retry them (with
their Idempotency-Key, which the checkpoint carries) once the proxy points at the target.
"""
import argparse
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from bisect import bisect_left

POINTS_PER_WEIGHT = 160


def ring(servers, weights=None):
    """The sorted (hash, server) points of nginx's consistent hash for `servers` ("host:port")."""
    points = []
    for server in servers:
        host, _, port = server.rpartition(":")
        if server.startswith("unix:"):
            host, port = server[5:], ""
        base = zlib.crc32(host.encode() + b"\0" + port.encode())
        previous = 0
        for _ in range(POINTS_PER_WEIGHT * (weights or {}).get(server, 1)):
            point = zlib.crc32(previous.to_bytes(4, "little"), base) & 0xFFFFFFFF
            points.append((point, server))
            previous = point
    points.sort()
    # nginx drops points whose hash repeats (the first one stays).
    unique = []
    for point in points:
        if not unique or unique[-1][0] != point[0]:
            unique.append(point)
    return unique


def owner(points, key):
    """The server nginx picks for `key` (the session id) on `points`."""
    h = zlib.crc32(key.encode()) & 0xFFFFFFFF
    i = bisect_left(points, (h, ""))
    return points[i % len(points)][1]


class MoveError(Exception):
    pass


def _call(method, url, body=None, headers=None, token=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def move(session_id, source, target, token=None):
    """Moves `session_id` from the optd at `source` to the one at `target` (base URLs);
    returns the step it has on the target. Raises MoveError when it cannot be done safely."""
    path = f"/v1/sessions/{session_id}"
    status, file, headers = _call("GET", source + path + "/checkpoint", token=token)
    if status != 200:
        raise MoveError(f"GET checkpoint from {source}: {status} {file[:200]!r}")
    etag = headers["ETag"]
    status, body, _ = _call("PUT", target + path + "/checkpoint", file,
                            {"Content-Type": "application/octet-stream"}, token)
    if status != 201:
        raise MoveError(f"PUT checkpoint on {target}: {status} {body[:200]!r} (does it already hold {session_id}?)")
    status, body, _ = _call("DELETE", source + path, headers={"If-Match": etag}, token=token)
    if status == 204:
        return int(etag.strip('"'))
    if status != 412:
        raise MoveError(f"DELETE on {source}: {status} {body[:200]!r}")
    # Steps landed on the source after the copy: delete it taking its final state atomically.
    status, final, headers = _call("DELETE", source + path, headers={"Accept": "application/octet-stream"}, token=token)
    if status != 200:
        raise MoveError(f"DELETE (final copy) on {source}: {status} {final[:200]!r}")
    with tempfile.NamedTemporaryFile(prefix=f"{session_id}-", suffix=".safetensors", delete=False) as saved:
        saved.write(final)
    status, body, _ = _call("PUT", target + path + "/checkpoint", final,
                            {"Content-Type": "application/octet-stream", "If-Match": etag}, token)
    if status != 200:
        raise MoveError(f"PUT checkpoint on {target} with If-Match {etag}: {status} {body[:200]!r}; "
                        f"the session's final state is saved in {saved.name}: resolve by hand")
    os.unlink(saved.name)
    return int(headers["ETag"].strip('"'))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("owner")
    p.add_argument("--servers", required=True)
    p.add_argument("ids", nargs="+")
    p = commands.add_parser("moves")
    p.add_argument("--servers", required=True)
    p.add_argument("--new-servers", required=True)
    p.add_argument("ids", nargs="+")
    p = commands.add_parser("move")
    p.add_argument("id")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--token")
    args = parser.parse_args(argv)
    if args.command == "owner":
        points = ring(args.servers.split(","))
        for i in args.ids:
            print(i, owner(points, i))
    elif args.command == "moves":
        old, new = ring(args.servers.split(",")), ring(args.new_servers.split(","))
        for i in args.ids:
            if owner(old, i) != owner(new, i):
                print(i, owner(old, i), owner(new, i))
    else:
        try:
            step = move(args.id, args.source.rstrip("/"), args.target.rstrip("/"), args.token)
        except MoveError as error:
            print(f"move failed: {error}", file=sys.stderr)
            return 1
        print(f"moved {args.id} at step {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
