"""The writes of one whole-symbol update at constant positions, merged word by word.

An update writes one value per tuple. Written one field at a time (`_put_field`), a relation
slice of 96 tuples costs 96 read-modify-writes of a state word over the batch. Most of those
values are constants, or copies of one bit of the state before the update (shifting a channel
down one position: `net(s, r, i) := net(s, r, i + 1)`). Merged per destination word they
become one expression per word:

    Y[3] = (Y[3] & keep) | put | ((pre[3] >> 24) & copied) | (u7 << 12) | ...

constants folded into `keep`/`put`, bit copies grouped by source word and shift into one
masked shift each, and only the remaining values (arrays) shifted into place one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.explicit.vector import vexpr as vx
from checker.explicit.vector.vexpr import Emitter, Env, Node, Test, Value

WORD_BITS = 64
ALL_ONES = (1 << WORD_BITS) - 1


@dataclass
class WordWrites:
    """Collects (position, width, value) writes, all read from the pre-state `pre_env`."""

    pre_env: Env
    keep: dict[int, int] = field(default_factory=dict)  # word -> bits that stay
    put: dict[int, int] = field(default_factory=dict)  # word -> constant bits set
    copies: dict[tuple[int, str, int], int] = field(default_factory=dict)  # (dst, src, shift)
    shifted: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # dst -> (src, off)
    straddling: list[tuple[int, int, str]] = field(default_factory=list)  # (pos, mask, src)

    def add(self, em: Emitter, pos: int, width: int, value: Value) -> None:
        mask = (1 << width) - 1
        word, off = divmod(pos, WORD_BITS)
        if not isinstance(value, Node):
            self._clear(pos, mask)
            for w, _, v in _split(pos, mask, int(value)):
                self.put[w] = self.put.get(w, 0) | v
            return
        copied = _copied_bit(value) if width == 1 else None
        src = vx.emit(value, em, self.pre_env) if copied is None else ""
        if off + width > WORD_BITS:  # a field across two words: written on its own
            self.straddling.append((pos, mask, self._temp(em, src)))
            return
        self._clear(pos, mask)
        if copied is not None:
            name, bit = copied
            key = (word, self.pre_env.names[name], bit - off)
            self.copies[key] = self.copies.get(key, 0) | (1 << off)
            return
        self.shifted.setdefault(word, []).append((self._temp(em, src), off))

    def _clear(self, pos: int, mask: int) -> None:
        for w, m, _ in _split(pos, mask, 0):
            self.keep[w] = self.keep.get(w, ALL_ONES) & ~m & ALL_ONES

    @staticmethod
    def _temp(em: Emitter, src: str) -> str:
        tmp = em.fresh("u")
        em.line(f"{tmp} = {src}")
        return tmp

    def emit(self, em: Emitter) -> None:
        """Write every word once (after every value was computed from the pre-state)."""
        for w in sorted(self.keep):
            parts = [f"(Y[{w}] & {hex(self.keep[w])})"] if self.keep[w] else []
            if self.put.get(w):
                parts.append(hex(self.put[w]))
            for (dst, src, shift), bits in sorted(self.copies.items()):
                if dst != w:
                    continue
                moved = src if shift == 0 else f"({src} >> {shift})" if shift > 0 else None
                if moved is None:
                    moved = f"({src} << {-shift})"
                parts.append(f"({moved} & {hex(bits)})")
            for tmp, off in self.shifted.get(w, []):
                value = f"np.asarray({tmp}, dtype=np.uint64)"
                parts.append(f"({value} << {off})" if off else value)
            if not parts:
                parts = ["0"]
            em.line(f"Y[{w}] = " + " | ".join(parts))
        for pos, mask, tmp in self.straddling:
            em.line(f"_put_field(Y, {pos}, {mask}, {tmp})")


def _copied_bit(value: Node) -> tuple[str, int] | None:
    """(input, bit) when `value` is one bit of an input word, read as it is."""
    if isinstance(value, Test) and value.mode in ("any", "all") and _single(value.mask):
        return value.input, value.mask.bit_length() - 1
    return None


def _single(mask: int) -> bool:
    return mask != 0 and mask & (mask - 1) == 0


def _split(pos: int, mask: int, value: int) -> list[tuple[int, int, int]]:
    """A constant write of `value` into the field `mask` at bit `pos`, per word it touches:
    (word, bits of the field in that word, bits of the value in that word)."""
    out = []
    bits_mask, bits_value = mask << pos, value << pos
    w = pos // WORD_BITS
    while bits_mask >> (w * WORD_BITS):
        m = (bits_mask >> (w * WORD_BITS)) & ALL_ONES
        if m:
            out.append((w, m, (bits_value >> (w * WORD_BITS)) & ALL_ONES))
        w += 1
    return out
