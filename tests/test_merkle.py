"""RFC 6962 / RFC 9162 Merkle hashing and proofs (the first part of issue 16): the published
CT test vectors, a slow reference implementation written from the RFC's definitions checking
the fast root on trees of every size, every proof of small trees verified, and named bad
proofs refused."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certsvc.transparency.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.no_database

# RFC 6962 test vectors as published by certificate-transparency and transparency-dev/merkle
ENTRIES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
LEAVES = [leaf_hash(e) for e in ENTRIES]


def slow_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 §2.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + slow_root(leaves[:k]) + slow_root(leaves[k:])).digest()


def many(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_the_published_roots() -> None:
    assert EMPTY_ROOT == ROOTS[0] == root([])
    for size in range(1, 9):
        assert root(LEAVES[:size]) == ROOTS[size], size


@pytest.mark.parametrize("index, size, proof", INCLUSION)
def test_the_published_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    assert inclusion_proof(LEAVES, index, size) == expected
    assert verify_inclusion(LEAVES[index], index, size, expected, ROOTS[size])


@pytest.mark.parametrize("old, new, proof", CONSISTENCY)
def test_the_published_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    assert consistency_proof(LEAVES, old, new) == expected
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], expected)


def test_the_fast_root_agrees_with_the_reference_at_every_size_and_random_large_ones() -> None:
    leaves = many(3000)
    for size in range(0, 300):
        assert root(leaves[:size]) == slow_root(leaves[:size]), size
    for size in random.Random(6962).sample(range(300, 3001), 25):
        assert root(leaves[:size]) == slow_root(leaves[:size]), size


def test_every_proof_of_small_trees_verifies_and_its_mangled_forms_do_not() -> None:
    leaves = many(40)
    roots = [root(leaves[:n]) for n in range(41)]
    for size in range(1, 41):
        for index in range(size):
            proof = inclusion_proof(leaves, index, size)
            assert verify_inclusion(leaves[index], index, size, proof, roots[size])
            bad = [  # named bad proofs: each must fail
                (leaves[(index + 1) % size], index, proof),  # wrong leaf
                (leaves[index], (index + 1) % size, proof),  # wrong index
                (leaves[index], index, proof[:-1]),  # truncated path
                (leaves[index], index, [*proof, bytes(32)]),  # trailing garbage
            ]
            for n, sibling in enumerate(proof):  # a flipped bit in any hash
                flipped = bytes([sibling[0] ^ 1]) + sibling[1:]
                bad.append((leaves[index], index, [*proof[:n], flipped, *proof[n + 1:]]))
            for leaf, at, mangled in bad:
                if (leaf, at, mangled) != (leaves[index], index, proof) and size > 1:
                    assert not verify_inclusion(leaf, at, size, mangled, roots[size])
        for old in range(0, size + 1):
            proof = consistency_proof(leaves, old, size)
            assert verify_consistency(old, size, roots[old], roots[size], proof)
            if 0 < old < size:
                assert not verify_consistency(old, size, roots[old], roots[size], proof[:-1])
                assert not verify_consistency(old, size, roots[old], roots[size],
                                              [*proof, bytes(32)])
                assert not verify_consistency(old, size, roots[old - 1], roots[size], proof)
                rewritten = roots[size][:-1] + bytes([roots[size][-1] ^ 1])  # a forked log
                assert not verify_consistency(old, size, roots[old], rewritten, proof)
                for n in range(len(proof)):
                    flipped = [*proof[:n], bytes([proof[n][0] ^ 1]) + proof[n][1:],
                               *proof[n + 1:]]
                    assert not verify_consistency(old, size, roots[old], roots[size], flipped)
        if size > 1:  # a smaller size than the last seen is never consistent
            assert not verify_consistency(size, size - 1, roots[size], roots[size - 1], [])


@given(st.binary(max_size=40), st.integers(-2, 70), st.integers(-2, 70),
       st.lists(st.binary(max_size=40), max_size=8), st.binary(max_size=40))
def test_verifiers_take_any_input_and_say_no(leaf: bytes, index: int, size: int,
                                              proof: list[bytes], claimed: bytes) -> None:
    assert not verify_inclusion(leaf, index, size, proof, claimed) or (
        len(leaf) == 32 and len(claimed) == 32)
    assert isinstance(verify_consistency(index, size, leaf, claimed, proof), bool)


def test_node_hash_is_ordered_and_prefixed() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest() != node_hash(b, a)
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    with pytest.raises(ValueError):
        inclusion_proof(many(4), 4, 4)
    with pytest.raises(ValueError):
        consistency_proof(many(4), 3, 2)
