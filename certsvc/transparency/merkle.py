"""Merkle tree hashing and proofs of RFC 6962 / RFC 9162 (Certificate Transparency).

The first part of the public transparency log (issue 16): leaves are hashed with the prefix
0x00, interior nodes with 0x01, and a tree of ``n`` leaves splits at the largest power of two
below ``n`` — exactly as CT, so any CT or ``golang.org/x/mod/sumdb/tlog`` verifier checks our
proofs. Proofs are made from the leaf hashes (the log's storage will give them from its
tiles); verification needs only the proof, as a client has only that.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and never raise on hostile
input: a proof of the wrong length, a hash of the wrong size, an index outside the tree all
verify as False.

    >>> root([leaf_hash(b"")]).hex()[:16]
    '6e340b9cffb37a98'
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (RFC 6962 §2.1), bottom-up: O(n) hashes, O(log n) memory."""
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right
    for leaf in leaves:
        height, value = 0, leaf
        while stack and stack[-1][0] == height:
            value = node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1."""
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"no leaf {index} in a tree of {size}")
    return _path(leaves, index, 0, size)


def _path(leaves: Sequence[bytes], index: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*_path(leaves, index, start, start + k), root(leaves[start + k:end])]
    return [*_path(leaves, index - k, start + k, end), root(leaves[start:start + k])]


def consistency_proof(leaves: Sequence[bytes], old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) of RFC 6962 §2.1.2 (empty for old = 0 or old = new)."""
    if not 0 <= old <= new <= len(leaves):
        raise ValueError(f"no consistency proof from {old} to {new}")
    if old in (0, new):
        return []
    return _subproof(leaves, old, 0, new, True)


def _subproof(leaves: Sequence[bytes], m: int, start: int, end: int,
              complete: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [root(leaves[start:end])]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves, m, start, start + k, complete),
                root(leaves[start + k:end])]
    return [*_subproof(leaves, m - k, start + k, end, False), root(leaves[start:start + k])]


def _hashes(values: object) -> bool:
    return isinstance(values, list | tuple) and all(
        isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def _past_right_edge(fn: int, sn: int) -> tuple[int, int]:
    """RFC 9162's step for a node on the tree's right edge: shift both indices right until
    ``fn`` is odd or zero (the levels where the node has no sibling)."""
    while fn and not fn & 1:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` put ``leaf`` at ``index`` of the tree ``root``?"""
    if not (_hashes([leaf, expected_root]) and _hashes(proof)):
        return False
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    value = leaf
    for sibling in proof:
        if sn == 0:
            return False  # more proof than the tree has levels
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            fn, sn = _past_right_edge(fn, sn)
        else:
            value = node_hash(value, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and value == expected_root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``new_root`` of ``new`` leaves an append-only
    extension of ``old_root`` of ``old``?"""
    if not (_hashes([old_root, new_root]) and _hashes(proof)):
        return False
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the proof's first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            fn, sn = _past_right_edge(fn, sn)
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class CompactRange:
    """The roots of the perfect subtrees that cover leaves [0, size): all a monitor keeps to
    extend the tree with new leaves and compute its root, however large the log (at most
    one hash per bit of ``size``)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1") or not _hashes(hashes):
            raise ValueError("a compact range has one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)  # largest subtree first

    def append(self, leaf: bytes) -> None:
        value, n = leaf, self.size
        while n & 1:  # each trailing one is a subtree of the same height: merge it
            value = node_hash(self.hashes.pop(), value)
            n >>= 1
        self.hashes.append(value)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        value = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            value = node_hash(left, value)
        return value
