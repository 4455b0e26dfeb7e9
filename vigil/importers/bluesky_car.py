"""Bluesky repository CAR files (com.atproto.sync.getRepo, one DID's records) -> contract export.

A repo CAR is a CARv1 file of DAG-CBOR blocks: a signed commit names the root of a Merkle Search
Tree whose entries map `collection/rkey` keys to record blocks. The tree is walked in key order
and each record goes through the same mapping as a Jetstream commit of that collection
(`vigil.importers.jetstream.record_rows`), so a repo downloaded and the same records watched live
give the same contract rows. SRC is one `.car` file or a folder of them, read in name order.

The file is decoded whole (libipld, the decoder the `atproto` SDK uses; blocks are found by CID,
so the walk needs all of them): a repo CAR is one account, megabytes for most. The commit's
signature is not checked here: the file is read as the evidence it is. What a repo does not hold:
the handle (it lives in the DID document), other accounts' profiles, deletions, and anything
outside the repo (recommendations, view counts). Rejects name the file, the record's index in key
order, and its `collection/rkey`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Iterator

import libipld

from vigil.importers import register
from vigil.importers.jetstream import PROFILE, record_rows
from vigil.importers.sink import Sink

CIDV1_DAG_CBOR_SHA256 = bytes([0x01, 0x71, 0x12, 0x20])
MST_FANOUT_BITS = 2  # atproto MST: a key's layer is the count of leading zero 2-bit chunks of sha256(key)


class CarError(ValueError):
    pass


def _walk(blocks: dict, node_cid: bytes, depth: int = 0) -> Iterator[tuple[str, bytes | None]]:
    """(key, record CID) in key order; a missing node raises CarError naming where."""
    node = blocks.get(node_cid)
    if not isinstance(node, dict) or "e" not in node:
        raise CarError(f"tree node {libipld.encode_cid(node_cid)} missing or not an MST node")
    if depth > 64:
        raise CarError("tree deeper than 64 levels")
    if node.get("l"):
        yield from _walk(blocks, node["l"], depth + 1)
    prev = b""
    for e in node["e"]:
        key = prev[: e.get("p", 0)] + bytes(e.get("k") or b"")
        prev = key
        yield key.decode("utf-8", "replace"), e.get("v")
        if e.get("t"):
            yield from _walk(blocks, e["t"], depth + 1)


def read_repo(path: Path, sink: Sink) -> None:
    try:
        header, blocks = libipld.decode_car(path.read_bytes())
    except (OSError, ValueError) as e:
        sink.reject(path, 0, f"not a CAR file: {e}")
        return
    roots = header.get("roots") if isinstance(header, dict) else None
    commit = blocks.get(roots[0]) if isinstance(roots, list) and roots else None
    if not isinstance(commit, dict) or not isinstance(commit.get("did"), str) or not commit.get("data"):
        sink.reject(path, 0, "no repo commit (did, data) at the CAR's root")
        return
    did, has_profile, i = commit["did"], False, -1
    try:
        for i, (key, cid) in enumerate(_walk(blocks, commit["data"])):
            coll, _, rkey = key.partition("/")
            rec = blocks.get(cid) if cid else None
            if rec is None:
                sink.reject(path, i, f"{key}: record block missing from the CAR")
                continue
            try:
                rows = record_rows(did, coll, rkey, rec, sink.platform, None)
            except ValueError as e:
                sink.reject(path, i, f"{key}: {e}")
                continue
            has_profile |= coll == PROFILE
            for table, row in rows:
                sink.row(table, row)
    except CarError as e:
        sink.reject(path, i + 1, f"tree walk stopped: {e}")
    if not has_profile:
        sink.account({"account_id": did})


@register("bluesky-car")
def read_bluesky_car(src: Path, sink: Sink) -> None:
    for path in sorted(Path(src).glob("*.car")) if Path(src).is_dir() else [Path(src)]:
        read_repo(path, sink)


# ---- writing (rehearsals and round-trip tests) --------------------------------------------


def _block(obj) -> tuple[bytes, bytes]:
    data = libipld.encode_dag_cbor(obj)
    return CIDV1_DAG_CBOR_SHA256 + hashlib.sha256(data).digest(), data


def _layer(key: str) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    bits = "".join(f"{b:08b}" for b in digest)
    return (len(bits) - len(bits.lstrip("0"))) // MST_FANOUT_BITS


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _mst(keys: list[tuple[str, bytes]], layer: int, out: list) -> bytes | None:
    """The tree node holding `keys` (sorted) at `layer`; its blocks appended to out."""
    if not keys:
        return None
    here = [i for i, (k, _) in enumerate(keys) if _layer(k) >= layer]
    if not here:
        sub = _mst(keys, layer - 1, out)
        cid, data = _block({"l": sub, "e": []})
        out.append((cid, data))
        return cid
    left = _mst(keys[: here[0]], layer - 1, out)
    entries, prev = [], b""
    for j, i in enumerate(here):
        k, v = keys[i][0].encode(), keys[i][1]
        p = 0
        while p < min(len(k), len(prev)) and k[p] == prev[p]:
            p += 1
        stop = here[j + 1] if j + 1 < len(here) else len(keys)
        entries.append({"p": p, "k": k[p:], "v": v, "t": _mst(keys[i + 1: stop], layer - 1, out)})
        prev = k
    cid, data = _block({"l": left, "e": entries})
    out.append((cid, data))
    return cid


def write_repo_car(path: Path, did: str, records: Iterable[tuple[str, str, dict]]) -> Path:
    """A repo CAR of `did` holding (collection, rkey, record) entries: records, an MST in the
    atproto layout, and an (unsigned: zero signature) commit as the root. A record of None is
    named in the tree but its block left out (a damaged file, for tests)."""
    blocks: list[tuple[bytes, bytes]] = []
    keys = {}
    for coll, rkey, rec in records:
        cid, data = _block(rec if rec is not None else {"missing": f"{coll}/{rkey}"})
        if rec is not None:
            blocks.append((cid, data))
        keys[f"{coll}/{rkey}"] = cid
    ordered = sorted(keys.items())
    top = max((_layer(k) for k, _ in ordered), default=0)
    root = _mst(ordered, top, blocks)
    if root is None:
        root, data = _block({"l": None, "e": []})
        blocks.append((root, data))
    commit, data = _block({"did": did, "version": 3, "data": root, "rev": "2222222222222", "prev": None,
                           "sig": bytes(64)})
    blocks.append((commit, data))
    head = libipld.encode_dag_cbor({"version": 1, "roots": [commit]})
    with open(path, "wb") as f:
        f.write(_varint(len(head)) + head)
        for cid, data in blocks:
            f.write(_varint(len(cid) + len(data)) + cid + data)
    return Path(path)
