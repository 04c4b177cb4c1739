"""The C2SP tlog-tiles layout (c2sp.org/tlog-tiles): the log as static files any web server
or CDN can serve.

A tile holds up to 256 consecutive hashes of one level of the tree: level 0 the leaf hashes,
level L the roots of the complete subtrees of 256**L leaves. A tile of fewer than 256 is
partial (``.p/<width>``) and is replaced by a longer one as the log grows. Tile indexes are
written in groups of three digits, all but the last prefixed with ``x``:

    >>> tile_path(0, 1234067)
    'tile/0/x001/x234/067'
    >>> tile_path(1, 3, 7)
    'tile/1/003.p/7'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from certsvc.transparency.merkle import node_hash

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes in a full tile
HASH_SIZE = 32
_INDEX = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")


def _index_path(index: int) -> str:
    if index < 0:
        raise ValueError("a tile index is not negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = WIDTH) -> str:
    if not 0 <= level <= 63 or not 1 <= width <= WIDTH:
        raise ValueError("a tile has a level of 0 to 63 and a width of 1 to 256")
    partial = f".p/{width}" if width < WIDTH else ""
    return f"tile/{level}/{_index_path(index)}{partial}"


def entries_path(index: int, width: int = WIDTH) -> str:
    """The bundle of the entries (leaf data) that level-0 tile ``index`` hashes."""
    if not 1 <= width <= WIDTH:
        raise ValueError("a bundle holds 1 to 256 entries")
    partial = f".p/{width}" if width < WIDTH else ""
    return f"tile/entries/{_index_path(index)}{partial}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level, index, width) of a tile path — level None for an entry bundle; ValueError
    for anything else (a server answers 404)."""
    head, _, rest = path.removeprefix("tile/").partition("/")
    if not path.startswith("tile/") or not rest:
        raise ValueError("not a tile path")
    body, partial, width_text = rest.partition(".p/")
    if not _INDEX.fullmatch(body):
        raise ValueError("not a tile index")
    index = int(body.replace("x", "").replace("/", ""))
    width = WIDTH
    if partial:
        if not re.fullmatch(r"[1-9][0-9]{0,2}", width_text) or int(width_text) >= WIDTH:
            raise ValueError("not a partial tile width")
        width = int(width_text)
    if head == "entries":
        return None, index, width
    if not re.fullmatch(r"0|[1-9][0-9]?", head) or int(head) > 63:
        raise ValueError("not a tile level")
    return int(head), index, width


def tiles_of(size: int) -> Iterator[tuple[int, int, int]]:
    """Every tile (level, index, width) of a tree of ``size`` leaves, full ones first."""
    level, count = 0, size
    while count:
        for index in range(count // WIDTH):
            yield level, index, WIDTH
        if count % WIDTH:
            yield level, count // WIDTH, count % WIDTH
        level, count = level + 1, count // WIDTH


def level_hashes(leaves: Sequence[bytes], level: int) -> list[bytes]:
    """The hashes a tile level holds: the roots of complete subtrees of 256**level leaves,
    left to right (from all the leaf hashes: for building tiles and checking them)."""
    hashes = list(leaves)
    for _ in range(level * HEIGHT):
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
    return hashes


def tile_data(leaves: Sequence[bytes], level: int, index: int, width: int) -> bytes:
    """The bytes of a tile: its hashes, concatenated."""
    hashes = level_hashes(leaves, level)[index * WIDTH:index * WIDTH + width]
    if len(hashes) != width:
        raise ValueError("the tree is not that large")
    return b"".join(hashes)
