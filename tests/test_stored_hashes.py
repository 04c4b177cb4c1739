"""The log's stored hashes (issue 16, begun): the fast path — roots and proofs read from
O(log n) stored hashes — agrees with the slow reference of RFC 6962's definitions
(certsvc.transparency.merkle) at every size up to a few hundred and at random sizes up to a
few thousand, and with the published CT vectors."""

from __future__ import annotations

import random

import pytest

from certsvc.transparency.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from certsvc.transparency.stored import (
    append_hashes,
    prove_consistency,
    prove_inclusion,
    stored_count,
    stored_index,
    tree_hash,
)
from tests.test_merkle import ENTRIES, ROOTS

pytestmark = pytest.mark.no_database


class Store:
    """Append-only hash storage in a list, counting the reads."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.reads = 0

    def read(self, indexes: list[int] | tuple[int, ...]) -> list[bytes]:
        self.reads += len(indexes)
        return [self.hashes[i] for i in indexes]

    def append(self, n: int, leaf: bytes) -> None:
        assert len(self.hashes) == stored_index(0, n)
        self.hashes += append_hashes(n, [leaf], self.read)
        assert len(self.hashes) == stored_count(n + 1)


def _filled(leaves: list[bytes]) -> Store:
    store = Store()
    for n, leaf in enumerate(leaves):
        store.append(n, leaf)
    return store


def test_the_published_roots() -> None:
    store = _filled([leaf_hash(e) for e in ENTRIES])
    for size in range(0, 9):
        assert tree_hash(size, store.read) == ROOTS[size]


def test_every_size_up_to_a_few_hundred_agrees_with_the_reference() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(160)]
    store = _filled(leaves)
    for size in range(1, 161):
        assert tree_hash(size, store.read) == root(leaves[:size])
        for n in range(size):
            assert prove_inclusion(size, n, store.read) == inclusion_proof(leaves, n, size)
        for old in range(0, size + 1):
            assert prove_consistency(size, old, store.read) == consistency_proof(
                leaves, old, size)


def test_random_large_sizes_agree_and_verify() -> None:
    rng = random.Random(9162)
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(4000)]
    store = _filled(leaves)
    for size in rng.sample(range(1, 4001), 12):
        expected = root(leaves[:size])
        assert tree_hash(size, store.read) == expected
        for n in rng.sample(range(size), min(size, 5)):
            proof = prove_inclusion(size, n, store.read)
            assert proof == inclusion_proof(leaves, n, size)
            assert verify_inclusion(leaves[n], n, size, proof, expected)
        old = rng.randrange(0, size + 1)
        proof = prove_consistency(size, old, store.read)
        assert proof == consistency_proof(leaves, old, size)
        assert verify_consistency(old, size, root(leaves[:old]), expected, proof)


def test_a_proof_reads_only_logarithmically_many_hashes() -> None:
    store = _filled([leaf_hash(i.to_bytes(4, "big")) for i in range(4000)])
    store.reads = 0
    prove_inclusion(3999, 1234, store.read)
    assert store.reads <= 2 * 12
    store.reads = 0
    tree_hash(3999, store.read)
    assert store.reads <= 12


def test_wrong_inputs_raise() -> None:
    store = _filled([leaf_hash(b"x")])
    with pytest.raises(ValueError):
        prove_inclusion(1, 1, store.read)
    with pytest.raises(ValueError):
        prove_consistency(1, 2, store.read)
    with pytest.raises(ValueError):
        append_hashes(1, [leaf_hash(b"y")], lambda indexes: [])


def test_a_batch_stores_what_one_record_at_a_time_stores() -> None:
    leaves = [leaf_hash(bytes([n % 256, n // 256])) for n in range(700)]
    one_by_one = _filled(leaves).hashes
    for cut in (0, 1, 2, 3, 255, 256, 257, 511, 699):
        store = _filled(leaves[:cut])
        store.reads = 0
        store.hashes += append_hashes(cut, leaves[cut:], store.read)
        assert store.hashes == one_by_one, cut
        assert store.reads == bin(cut).count("1")  # the right edge, read once
