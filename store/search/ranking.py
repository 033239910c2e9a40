"""Per-term tiers combined into one ranking: scores add up over terms, ties go by rank.

A term's matches come as tiers (score, kind, bitset), each task in its best tier only. The
query's result is every way of picking one tier per term (ANDed with the filters), grouped
by summed score; hits are read best score first, and within a score in rank order (due
date, then id), which for a bitset is simply its lowest bits.
"""

from __future__ import annotations

from .bitsets import lowest

Tier = tuple[float, str, int]  # (score, kind, bitset)
Combined = dict[float, list[tuple[str, int]]]  # summed score -> [(kind, bitset)]


def disjoint(tiers: list[Tier]) -> list[Tier]:
    """Best tier first; each task kept only in the best tier it reached; empty tiers dropped;
    tiers of equal score and kind merged (one per unit role would otherwise multiply when
    terms are combined)."""
    merged: dict[tuple[float, str], int] = {}
    taken = 0
    for score, kind, bits in sorted(tiers, key=lambda t: -t[0]):
        b = bits & ~taken
        if b:
            merged[score, kind] = merged.get((score, kind), 0) | b
            taken |= b
    return [(score, kind, b) for (score, kind), b in merged.items()]


def combine(combined: Combined, tiers: list[Tier]) -> Combined:
    """`combined` ANDed with one more term; a task's kind is that of its first term."""
    nxt: Combined = {}
    for s1, parts in combined.items():
        for k1, b1 in parts:
            for s2, k2, b2 in tiers:
                b = b1 & b2
                if b:
                    kind = k2 if k1 == "filter" else k1
                    nxt.setdefault(s1 + s2, []).append((kind, b))
    return nxt


def union(combined: Combined) -> int:
    """Every task in the result."""
    out = 0
    for parts in combined.values():
        for _, b in parts:
            out |= b
    return out


def best(combined: Combined, limit: int) -> list[tuple[int, float, str]]:
    """The first `limit` tasks as (rank, summed score, kind), best score first."""
    out: list[tuple[int, float, str]] = []
    for score in sorted(combined, reverse=True):
        if len(out) >= limit:
            break
        parts = combined[score]
        bits = 0
        for _, b in parts:
            bits |= b
        for p in lowest(bits, limit - len(out)):
            kind = next(k for k, b in parts if b >> p & 1)
            out.append((p, score, kind))
    return out
