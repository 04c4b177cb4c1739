"""The log as its published files hold it: hash tiles and entry bundles, read through a fetch.

Clients read these static, cacheable files instead of the rate-limited JSON API: a monitor
following a province reads a bundle and a tile or two per 256 leaves, and a verifier builds
its inclusion and consistency proofs from the few tiles on the proof's path. Nothing read
here is trusted by itself: every proof built from tiles is verified against the signed
checkpoint's root, so a tile altered on the server makes the proof fail instead of passing
unnoticed (the review found a tampered level-0 tile that no certsvc tool ever read).

    tiles = PublishedTiles(fetch, checkpoint.size)
    proof = prove_inclusion(checkpoint.size, index, tiles.read)  # stored.HashReader
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from certsvc.errors import LogInconsistent, NotFound
from certsvc.transparency.entries import unbundle
from certsvc.transparency.merkle import node_hash
from certsvc.transparency.stored import split_stored_index
from certsvc.transparency.tiles import HASH_SIZE, HEIGHT, WIDTH, entries_path, tile_path

Fetch = Callable[[str], bytes]  # a path under the log's URL → the body
_CACHED_TILES = 64  # a proof of a tree of 10**9 leaves crosses at most 4 levels of tiles


class PublishedTiles:
    """The tiles of the checkpoint of ``size`` leaves, as the log serves them."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        self.fetch = fetch
        self.size = size
        self._cache: dict[tuple[int, int], bytes] = {}

    def width(self, level: int, index: int) -> int:
        """How many hashes tile ``index`` of tile level ``level`` holds at this size."""
        count = self.size >> (HEIGHT * level)
        width = min(WIDTH, count - index * WIDTH)
        if width <= 0:
            raise ValueError(f"the checkpoint of {self.size} leaves has no tile "
                             f"{level}/{index}")
        return width

    def tile(self, level: int, index: int) -> bytes:
        """Tile ``index`` of level ``level``: its hashes, the length checked."""
        key = (level, index)
        if key in self._cache:
            return self._cache[key]
        width = self.width(level, index)
        try:
            data = self.fetch("/log/" + tile_path(level, index, width))
        except NotFound as exc:
            raise LogInconsistent(f"hash tile {level}/{index} of the checkpoint of size "
                                  f"{self.size} is not served: {exc.detail}") from None
        if len(data) != width * HASH_SIZE:
            raise LogInconsistent(f"hash tile {level}/{index} holds {len(data)} bytes, not "
                                  f"{width} hashes")
        if len(self._cache) >= _CACHED_TILES:
            self._cache.clear()
        self._cache[key] = data
        return data

    def entries(self, index: int) -> list[bytes]:
        """The entries of level-0 tile ``index``, from its bundle, the count checked."""
        width = self.width(0, index)
        try:
            entries = unbundle(self.fetch("/log/" + entries_path(index, width)))
        except (NotFound, ValueError) as exc:
            raise LogInconsistent(f"entry bundle {index} of the checkpoint is not served "
                                  f"whole: {exc}") from None
        if len(entries) != width:
            raise LogInconsistent(f"entry bundle {index} holds {len(entries)} entries, not "
                                  f"{width}")
        return entries

    def hash_at(self, level: int, n: int) -> bytes:
        """The hash of the ``n``-th complete subtree of 2**level leaves: read from the tile
        level below it and, between tile levels, hashed up from the 2**r hashes it covers
        (all in one tile, since the subtree is aligned and smaller than a tile)."""
        tile_level, rise = divmod(level, HEIGHT)
        first = n << rise
        data = self.tile(tile_level, first // WIDTH)
        offset = first % WIDTH
        hashes = [data[(offset + k) * HASH_SIZE:(offset + k + 1) * HASH_SIZE]
                  for k in range(1 << rise)]
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def read(self, indexes: Sequence[int]) -> list[bytes]:
        """A :data:`~certsvc.transparency.stored.HashReader` over the published tiles."""
        return [self.hash_at(*split_stored_index(index)) for index in indexes]
