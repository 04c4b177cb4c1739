"""The log's hashes in append-only storage, and its roots and proofs read from there.

Every complete subtree's hash is stored once, in the dense order of Crosby and Wallach
("Efficient Data Structures for Tamper-Evident Logging", §3.3) that Go's sumdb/tlog uses:
appending record ``n`` stores its leaf hash, then one hash for each subtree it completes (on
average just under two hashes a record). A root or a proof then reads O(log n) stored hashes
instead of hashing the whole tree: the fast path, checked against the RFC's definitions in
:mod:`certsvc.transparency.merkle` by the tests.

``read`` is any callable from stored indexes to their hashes (a database query, a list).

    >>> from certsvc.transparency.merkle import leaf_hash, root
    >>> store: list[bytes] = []
    >>> def read(indexes): return [store[i] for i in indexes]
    >>> for n in range(5):
    ...     store += append_hashes(n, [leaf_hash(bytes([n]))], read)
    >>> tree_hash(5, read) == root([leaf_hash(bytes([n])) for n in range(5)])
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from certsvc.transparency.merkle import EMPTY_ROOT, node_hash

HashReader = Callable[[Sequence[int]], Sequence[bytes]]


def stored_index(level: int, n: int) -> int:
    """Where the hash of the ``n``-th subtree of 2**level leaves is stored."""
    for _ in range(level):
        n = 2 * n + 1  # level L's n-th hash comes right after level L+1's (2n+1)-th
    index = 0
    while n > 0:
        index += n
        n >>= 1
    return index + level


def split_stored_index(index: int) -> tuple[int, int]:
    """The (level, n) whose hash is stored at ``index``: the inverse of :func:`stored_index`,
    so a reader of the published tiles can answer the same requests as the database.

    >>> [split_stored_index(stored_index(level, n)) for level, n in ((0, 5), (3, 1), (1, 6))]
    [(0, 5), (3, 1), (1, 6)]
    """
    if index < 0:
        raise ValueError("a stored index is not negative")
    n = index // 2  # stored_index(0, n) < 2n: the record that stored it is at or after n
    at = stored_index(0, n)
    while True:  # record n stores its leaf, then one hash per trailing one of n
        following = at + 1 + ((n + 1) & -(n + 1)).bit_length() - 1
        if following > index:
            break
        n, at = n + 1, following
    level = index - at
    return level, n >> level


def stored_count(size: int) -> int:
    """How many hashes a log of ``size`` records has stored."""
    if size == 0:
        return 0
    count = stored_index(0, size - 1) + 1
    n = size - 1
    while n & 1:
        count += 1
        n >>= 1
    return count


def _edge_indexes(size: int) -> list[int]:
    """Where the roots of the perfect subtrees covering records [0, size) are stored,
    largest first: the tree's right edge, all an append needs to read."""
    indexes, lo = [], 0
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            indexes.append(stored_index(level, lo >> level))
            lo += 1 << level
    return indexes


def append_hashes(size: int, leaves: Sequence[bytes], read: HashReader) -> list[bytes]:
    """The hashes that appending records with these leaf hashes to a log of ``size``
    records stores, in order, from ``stored_count(size)`` on: for each record its leaf
    hash, then the hash of each subtree it completes. Reads the right edge once."""
    edge = _edge_indexes(size)
    stack = list(read(edge)) if edge else []
    if len(stack) != len(edge):
        raise ValueError("the storage did not return every hash asked for")
    hashes = []
    for leaf in leaves:
        hashes.append(leaf)
        value, n = leaf, size
        while n & 1:  # each trailing one: a subtree of the same height completes
            value = node_hash(stack.pop(), value)
            hashes.append(value)
            n >>= 1
        stack.append(value)
        size += 1
    return hashes


def _largest_power_below(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_indexes(lo: int, hi: int, need: list[int]) -> None:
    """The stored hashes that make the hash of records [lo, hi): its complete subtrees,
    largest first (RFC 6962's split, read off the binary form of the range)."""
    while lo < hi:
        k = _largest_power_below(hi - lo + 1)
        need.append(stored_index(k.bit_length() - 1, lo // k))
        lo += k


def _subtree_hash(lo: int, hi: int, hashes: list[bytes]) -> bytes:
    """Consume the hashes ``_subtree_indexes(lo, hi)`` asked for; the subtree's hash."""
    count = 0
    while lo < hi:
        lo += _largest_power_below(hi - lo + 1)
        count += 1
    parts = [hashes.pop(0) for _ in range(count)]
    value = parts[-1]
    for part in reversed(parts[:-1]):
        value = node_hash(part, value)
    return value


def tree_hash(size: int, read: HashReader) -> bytes:
    """The root of the log's first ``size`` records."""
    if size == 0:
        return EMPTY_ROOT
    need: list[int] = []
    _subtree_indexes(0, size, need)
    hashes = list(read(need))
    return _subtree_hash(0, size, hashes)


def _leaf_proof_indexes(lo: int, hi: int, n: int, need: list[int]) -> None:
    if lo + 1 == hi:
        return
    k = _largest_power_below(hi - lo)
    if n < lo + k:
        _leaf_proof_indexes(lo, lo + k, n, need)
        _subtree_indexes(lo + k, hi, need)
    else:
        _subtree_indexes(lo, lo + k, need)
        _leaf_proof_indexes(lo + k, hi, n, need)


def _leaf_proof(lo: int, hi: int, n: int, hashes: list[bytes]) -> list[bytes]:
    if lo + 1 == hi:
        return []
    k = _largest_power_below(hi - lo)
    if n < lo + k:
        proof = _leaf_proof(lo, lo + k, n, hashes)
        return [*proof, _subtree_hash(lo + k, hi, hashes)]
    sibling = _subtree_hash(lo, lo + k, hashes)
    return [*_leaf_proof(lo + k, hi, n, hashes), sibling]


def prove_inclusion(size: int, n: int, read: HashReader) -> list[bytes]:
    """The inclusion proof of record ``n`` in the tree of ``size`` records."""
    if not 0 <= n < size:
        raise ValueError(f"no record {n} in a tree of {size}")
    need: list[int] = []
    _leaf_proof_indexes(0, size, n, need)
    return _leaf_proof(0, size, n, list(read(need)) if need else [])


def _tree_proof_indexes(lo: int, hi: int, n: int, need: list[int]) -> None:
    if n == hi:
        if lo:
            _subtree_indexes(lo, hi, need)
        return
    k = _largest_power_below(hi - lo)
    if n <= lo + k:
        _tree_proof_indexes(lo, lo + k, n, need)
        _subtree_indexes(lo + k, hi, need)
    else:
        _subtree_indexes(lo, lo + k, need)
        _tree_proof_indexes(lo + k, hi, n, need)


def _tree_proof(lo: int, hi: int, n: int, hashes: list[bytes]) -> list[bytes]:
    if n == hi:
        return [_subtree_hash(lo, hi, hashes)] if lo else []
    k = _largest_power_below(hi - lo)
    if n <= lo + k:
        proof = _tree_proof(lo, lo + k, n, hashes)
        return [*proof, _subtree_hash(lo + k, hi, hashes)]
    sibling = _subtree_hash(lo, lo + k, hashes)
    return [*_tree_proof(lo + k, hi, n, hashes), sibling]


def prove_consistency(size: int, old: int, read: HashReader) -> list[bytes]:
    """The consistency proof from the tree of ``old`` records to that of ``size``."""
    if not 0 <= old <= size:
        raise ValueError(f"no consistency proof from {old} to {size}")
    if old in (0, size):
        return []
    need: list[int] = []
    _tree_proof_indexes(0, size, old, need)
    return _tree_proof(0, size, old, list(read(need)))
