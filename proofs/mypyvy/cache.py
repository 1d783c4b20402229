"""The inductive invariant of mypyvy's `examples/cache.pyv`: the safety property and mypyvy's 36
invariants, in its order:
each line is in at most one MESI state, an exclusive or modified line is invalid elsewhere,
requests and answers on the bus only while it is in use, one processor request at a time and
the bus traffic it allows, and what the answers in flight say about memory and the other
caches.

    paxoscope prove proofs/mypyvy/cache.py
"""

from __future__ import annotations

from collections.abc import Callable

from checker import conjunct, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.cache import Cache


class CacheProof(Cache):
    safety = ("valid_unmodified_lines_hold_memory",)

    @conjunct
    def safety_holds(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            lambda c, a: implies(
                ~self.invalid(c, a) & ~self.modified(c, a), self.cache(c, a) == self.memory(a)
            ),
        )

    # -- each cache line is in at most one state -----------------------------------------------

    def disjoint(self, r1: Callable[..., SymFormula], r2: Callable[..., SymFormula]) -> SymFormula:
        return forall(self.core, self.address, lambda c, a: ~(r1(c, a) & r2(c, a)))

    @conjunct
    def not_invalid_and_modified(self) -> SymFormula:
        return self.disjoint(self.invalid, self.modified)

    @conjunct
    def not_invalid_and_exclusive(self) -> SymFormula:
        return self.disjoint(self.invalid, self.exclusive)

    @conjunct
    def not_invalid_and_shared(self) -> SymFormula:
        return self.disjoint(self.invalid, self.shared)

    @conjunct
    def not_modified_and_exclusive(self) -> SymFormula:
        return self.disjoint(self.modified, self.exclusive)

    @conjunct
    def not_modified_and_shared(self) -> SymFormula:
        return self.disjoint(self.modified, self.shared)

    @conjunct
    def not_exclusive_and_shared(self) -> SymFormula:
        return self.disjoint(self.exclusive, self.shared)

    def alone(self, r: Callable[..., SymFormula]) -> SymFormula:
        """A line in state `r` is invalid in every other core."""
        return forall(
            self.core,
            self.core,
            self.address,
            lambda c1, c2, a: implies(r(c1, a) & (c1 != c2), self.invalid(c2, a)),
        )

    @conjunct
    def exclusive_is_alone(self) -> SymFormula:
        return self.alone(self.exclusive)

    @conjunct
    def modified_is_alone(self) -> SymFormula:
        return self.alone(self.modified)

    # -- the bus -------------------------------------------------------------------------------

    def needs_the_bus(self, r: Callable[..., SymFormula]) -> SymFormula:
        return forall(self.core, self.address, lambda c, a: implies(r(c, a), self.bus_in_use()))

    @conjunct
    def bus_read_needs_the_bus(self) -> SymFormula:
        return self.needs_the_bus(self.bus_read)

    @conjunct
    def bus_read_for_ownership_needs_the_bus(self) -> SymFormula:
        return self.needs_the_bus(self.bus_read_for_ownership)

    @conjunct
    def bus_upgrade_needs_the_bus(self) -> SymFormula:
        return self.needs_the_bus(self.bus_upgrade)

    @conjunct
    def bus_transfer_needs_the_bus(self) -> SymFormula:
        return forall(self.value, lambda v: implies(self.bus_transfer(v), self.bus_in_use()))

    @conjunct
    def proc_read_needs_the_bus(self) -> SymFormula:
        return self.needs_the_bus(self.proc_read)

    @conjunct
    def proc_write_needs_the_bus(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            lambda c, a, v: implies(self.proc_write(c, a, v), self.bus_in_use()),
        )

    # -- a pending write and the bus traffic ----------------------------------------------------

    @conjunct
    def write_with_ownership_read_is_from_invalid(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            lambda c1, a, v, c2: implies(
                self.proc_write(c1, a, v) & self.bus_read_for_ownership(c2, a), self.invalid(c1, a)
            ),
        )

    @conjunct
    def write_with_upgrade_is_from_shared(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            lambda c1, a, v, c2: implies(
                self.proc_write(c1, a, v) & self.bus_upgrade(c2, a), self.shared(c1, a)
            ),
        )

    @conjunct
    def no_upgrade_of_the_writer(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            lambda c, a, v: ~(self.proc_write(c, a, v) & self.bus_upgrade(c, a)),
        )

    @conjunct
    def shared_write_has_no_transfer(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.value,
            lambda c, a, v1, v2: implies(
                self.proc_write(c, a, v1) & self.shared(c, a), ~self.bus_transfer(v2)
            ),
        )

    # -- one processor request at a time -------------------------------------------------------

    @conjunct
    def one_read(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            self.address,
            lambda c1, a1, c2, a2: implies(
                self.proc_read(c1, a1) & self.proc_read(c2, a2), (c1 == c2) & (a1 == a2)
            ),
        )

    @conjunct
    def one_write(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            self.address,
            self.value,
            lambda c1, a1, v1, c2, a2, v2: implies(
                self.proc_write(c1, a1, v1) & self.proc_write(c2, a2, v2),
                (c1 == c2) & (a1 == a2) & (v1 == v2),
            ),
        )

    @conjunct
    def not_a_read_and_a_write(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            self.address,
            self.value,
            lambda c1, a1, c2, a2, v: ~(self.proc_read(c1, a1) & self.proc_write(c2, a2, v)),
        )

    def never_with_read(self, r: Callable[..., SymFormula]) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            self.address,
            lambda c1, a1, c2, a2: ~(self.proc_read(c1, a1) & r(c2, a2)),
        )

    @conjunct
    def no_ownership_read_during_a_read(self) -> SymFormula:
        return self.never_with_read(self.bus_read_for_ownership)

    @conjunct
    def no_upgrade_during_a_read(self) -> SymFormula:
        return self.never_with_read(self.bus_upgrade)

    @conjunct
    def no_bus_read_during_a_write(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            self.address,
            lambda c1, a1, v, c2, a2: ~(self.proc_write(c1, a1, v) & self.bus_read(c2, a2)),
        )

    @conjunct
    def bus_reads_are_of_the_read_address(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            self.address,
            lambda c1, a1, c2, a2: implies(
                self.proc_read(c1, a1) & self.bus_read(c2, a2), a1 == a2
            ),
        )

    def of_the_written_address(self, r: Callable[..., SymFormula]) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            self.address,
            lambda c1, a1, v, c2, a2: implies(self.proc_write(c1, a1, v) & r(c2, a2), a1 == a2),
        )

    @conjunct
    def ownership_reads_are_of_the_written_address(self) -> SymFormula:
        return self.of_the_written_address(self.bus_read_for_ownership)

    @conjunct
    def upgrades_are_of_the_written_address(self) -> SymFormula:
        return self.of_the_written_address(self.bus_upgrade)

    # -- what a pending read may find ----------------------------------------------------------

    @conjunct
    def answered_reads_leave_shared_or_invalid(self) -> SymFormula:
        return forall(
            self.core,
            self.core,
            self.address,
            lambda c1, c2, a: implies(
                self.proc_read(c1, a) & ~self.bus_read(c2, a) & (c1 != c2),
                self.shared(c2, a) | self.invalid(c2, a),
            ),
        )

    @conjunct
    def answered_shared_reads_are_on_the_bus(self) -> SymFormula:
        return forall(
            self.core,
            self.core,
            self.address,
            lambda c1, c2, a: implies(
                self.proc_read(c1, a) & ~self.bus_read(c2, a) & (c1 != c2) & self.shared(c2, a),
                self.bus_transfer(self.cache(c2, a)),
            ),
        )

    @conjunct
    def transfers_during_a_read_hold_memory(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            lambda c, a, v: implies(
                self.proc_read(c, a) & self.bus_transfer(v), self.memory(a) == v
            ),
        )

    @conjunct
    def transfers_during_a_read_hold_the_valid_lines(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            lambda c1, a, v, c2: implies(
                self.proc_read(c1, a) & self.bus_transfer(v) & ~self.invalid(c2, a),
                self.cache(c2, a) == v,
            ),
        )

    # -- what a pending write may find ---------------------------------------------------------

    @conjunct
    def answered_invalid_writes_leave_invalid(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            lambda c1, a, v, c2: implies(
                self.proc_write(c1, a, v)
                & self.invalid(c1, a)
                & ~self.bus_read_for_ownership(c2, a)
                & (c1 != c2),
                self.invalid(c2, a),
            ),
        )

    @conjunct
    def answered_shared_writes_leave_invalid(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.value,
            self.core,
            lambda c1, a, v, c2: implies(
                self.proc_write(c1, a, v)
                & self.shared(c1, a)
                & ~self.bus_upgrade(c2, a)
                & (c1 != c2),
                self.invalid(c2, a),
            ),
        )

    @conjunct
    def no_transfer_beside_a_modified_line_in_use(self) -> SymFormula:
        return forall(
            self.value,
            self.core,
            self.address,
            self.core,
            self.value,
            lambda v, c1, a, c2, v2: (
                ~(
                    self.bus_transfer(v)
                    & self.modified(c1, a)
                    & (self.proc_read(c2, a) | self.proc_write(c2, a, v2))
                )
            ),
        )

    @conjunct
    def no_upgrade_beside_exclusive(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            lambda c1, a, c2: ~(self.bus_upgrade(c1, a) & self.exclusive(c2, a)),
        )

    @conjunct
    def no_upgrade_beside_modified(self) -> SymFormula:
        return forall(
            self.core,
            self.address,
            self.core,
            lambda c1, a, c2: ~(self.bus_upgrade(c1, a) & self.modified(c2, a)),
        )
