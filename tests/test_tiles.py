"""The C2SP tlog-tiles layout (issue 16, begun): paths as the spec writes them, every tile of
a tree, tile contents that rebuild the tree's root."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certsvc.transparency.merkle import leaf_hash, root
from certsvc.transparency.tiles import (
    WIDTH,
    entries_path,
    level_hashes,
    parse_tile_path,
    tile_data,
    tile_path,
    tiles_of,
)

pytestmark = pytest.mark.no_database


def test_paths_as_the_spec_writes_them() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 0) == "tile/0/000"
    assert tile_path(2, 1000, 3) == "tile/2/x001/000.p/3"
    assert entries_path(1234067, 255) == "tile/entries/x001/x234/067.p/255"
    with pytest.raises(ValueError):
        tile_path(0, 1, 0)
    with pytest.raises(ValueError):
        tile_path(64, 1)


@given(st.integers(0, 63), st.integers(0, 10**12), st.integers(1, WIDTH))
def test_a_path_parses_back(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width)
    assert parse_tile_path(entries_path(index, width)) == (None, index, width)


@pytest.mark.parametrize("path", [
    "tile/0/1", "tile/0/0001", "tile/0/x1/000", "tile/0/001/x002", "tile/0/000.p/256",
    "tile/0/000.p/0", "tile/0/000.p/007", "tile/64/000", "tile/01/000", "tile/-1/000",
    "tile/0/", "tiles/0/000", "tile/entries/000.p/", "tile/0/000/../000"])
def test_other_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


def test_every_tile_of_a_tree() -> None:
    assert list(tiles_of(0)) == []
    assert list(tiles_of(1)) == [(0, 0, 1)]
    tiles = list(tiles_of(70_000))
    assert tiles[:1] == [(0, 0, WIDTH)] and (0, 273, 112) in tiles
    assert [t for t in tiles if t[0] > 0] == [(1, 0, WIDTH), (1, 1, 17), (2, 0, 1)]


def test_tiles_hold_the_subtree_roots_and_rebuild_the_root() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(256 * 12 + 5)]
    level1 = level_hashes(leaves, 1)
    assert level1 == [root(leaves[i:i + 256]) for i in range(0, 256 * 12, 256)]
    for blocks in range(1, 13):
        assert root(leaves[:256 * blocks]) == root(level1[:blocks])
    assert tile_data(leaves, 0, 12, 5) == b"".join(leaves[256 * 12:])
    assert tile_data(leaves, 1, 0, 12) == b"".join(level1)
    with pytest.raises(ValueError):
        tile_data(leaves, 1, 0, 13)
