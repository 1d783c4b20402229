"""A MESI cache coherence protocol, ported from mypyvy's `examples/cache.pyv` (after Feldman,
Wilcox, Shoham and Sagiv, "Inferring Inductive Invariants from Phase Structures", CAV 2019)
without changes of substance:

- `memory` and `cache` start arbitrary (mypyvy gives them no `init`); every line starts
  `invalid` (a relation declared `init=True`: every tuple), every other relation empty;
  `bus_in_use` is a relation without columns (a flag);
- a processor read or write of a line it lacks, or a write of a shared line, takes the bus
  (`issue_*`) and asks every other core of that address to answer (`bus_read`,
  `bus_read_for_ownership`, `bus_upgrade`); each core answers once (`do_*`: a valid line goes
  on the bus, `bus_transfer`, a modified one is also written back), and once all have answered
  the request completes (`complete_*`) and frees the bus;
- where mypyvy writes `modified(c, a) -> new(memory(a)) = v` and `!modified(c, a) -> memory
  unchanged`, the write is `memory[a] = ite(modified(c, a), v, memory(a))`, made before
  `modified(c, a)` is cleared (statements run in order; mypyvy's formula reads the old
  `modified`).

The safety property: a line that is valid and not modified holds the memory's value.
"""

from checker import (
    Function,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    forall,
    implies,
    invariant,
    ite,
    require,
)


class Cache(Spec):
    addresses = Param(1)
    cores = Param(2)
    values = Param(2)
    address = Sort(addresses, labels="a")
    core = Sort(cores, labels="c")
    value = Sort(values, labels="v")

    memory = Function(address, value, init=arbitrary)
    cache = Function(core, address, value, init=arbitrary)

    modified = Relation(core, address)
    exclusive = Relation(core, address)
    shared = Relation(core, address)
    invalid = Relation(core, address, init=True)

    proc_read = Relation(core, address)
    proc_write = Relation(core, address, value)

    bus_in_use = Relation()

    bus_read = Relation(core, address)
    bus_read_for_ownership = Relation(core, address)
    bus_upgrade = Relation(core, address)

    bus_transfer = Relation(value)

    def no_bus_read(self):
        return forall(self.core, self.address, lambda c, a: ~self.bus_read(c, a))

    # -- reads ---------------------------------------------------------------------------------

    @action
    def issue_proc_read_invalid(self, c: core, a: address) -> None:
        require(self.invalid(c, a) & ~self.bus_in_use())
        self.bus_in_use.insert()
        self.proc_read.insert(c, a)
        self.bus_read.update(lambda c1, a1: self.bus_read(c1, a1) | (c1 != c) & (a1 == a))

    @action
    def do_bus_read_invalid(self, c: core, a: address) -> None:
        require(self.bus_read(c, a) & self.invalid(c, a))
        self.bus_read.remove(c, a)

    @action
    def do_bus_read_valid(self, c: core, a: address, v: value) -> None:
        require(self.bus_read(c, a) & ~self.invalid(c, a) & (self.cache(c, a) == v))
        self.bus_read.remove(c, a)
        self.shared.insert(c, a)
        self.memory[a] = ite(self.modified(c, a), v, self.memory(a))  # write back
        self.modified.remove(c, a)
        self.exclusive.remove(c, a)
        self.bus_transfer.insert(v)

    @action
    def complete_proc_read_invalid_shared(self, c: core, a: address, v: value) -> None:
        require(self.invalid(c, a) & self.proc_read(c, a) & self.bus_transfer(v))
        require(self.no_bus_read())
        self.bus_transfer.update(lambda v1: False)
        self.invalid.remove(c, a)
        self.shared.insert(c, a)
        self.cache[c, a] = v
        self.bus_in_use.remove()
        self.proc_read.remove(c, a)

    @action
    def complete_proc_read_invalid_exclusive(self, c: core, a: address, v: value) -> None:
        require(self.invalid(c, a) & self.proc_read(c, a))
        require(forall(self.value, lambda v1: ~self.bus_transfer(v1)))
        require(self.no_bus_read() & (self.memory(a) == v))
        self.invalid.remove(c, a)
        self.exclusive.insert(c, a)
        self.cache[c, a] = v
        self.bus_in_use.remove()
        self.proc_read.remove(c, a)

    # -- writes --------------------------------------------------------------------------------

    @action
    def issue_proc_write_invalid(self, c: core, a: address, v: value) -> None:
        require(self.invalid(c, a) & ~self.bus_in_use())
        self.bus_in_use.insert()
        self.proc_write.insert(c, a, v)
        self.bus_read_for_ownership.update(
            lambda c1, a1: self.bus_read_for_ownership(c1, a1) | (c1 != c) & (a1 == a)
        )

    @action
    def do_bus_read_for_ownership_invalid(self, c: core, a: address) -> None:
        require(self.bus_read_for_ownership(c, a) & self.invalid(c, a))
        self.bus_read_for_ownership.remove(c, a)

    @action
    def do_bus_read_for_ownership_valid(self, c: core, a: address, v: value) -> None:
        require(self.bus_read_for_ownership(c, a) & ~self.invalid(c, a) & (self.cache(c, a) == v))
        self.bus_read_for_ownership.remove(c, a)
        self.invalid.insert(c, a)
        self.shared.remove(c, a)
        self.memory[a] = ite(self.modified(c, a), v, self.memory(a))  # write back
        self.modified.remove(c, a)
        self.exclusive.remove(c, a)
        self.bus_transfer.insert(v)

    @action
    def complete_proc_write_invalid(self, c: core, a: address, v: value) -> None:
        require(self.invalid(c, a) & self.proc_write(c, a, v))
        require(
            forall(self.core, self.address, lambda c1, a1: ~self.bus_read_for_ownership(c1, a1))
        )
        self.bus_transfer.update(lambda v1: False)
        self.invalid.remove(c, a)
        self.modified.insert(c, a)
        self.cache[c, a] = v
        self.bus_in_use.remove()
        self.proc_write.remove(c, a, v)

    @action
    def proc_write_exclusive(self, c: core, a: address, v: value) -> None:
        require(self.exclusive(c, a) & ~self.bus_in_use())
        self.exclusive.remove(c, a)
        self.modified.insert(c, a)
        self.cache[c, a] = v

    @action
    def issue_proc_write_shared(self, c: core, a: address, v: value) -> None:
        require(self.shared(c, a) & ~self.bus_in_use())
        self.bus_in_use.insert()
        self.proc_write.insert(c, a, v)
        self.bus_upgrade.update(lambda c1, a1: self.bus_upgrade(c1, a1) | (c1 != c) & (a1 == a))

    @action
    def do_bus_upgrade(self, c: core, a: address) -> None:
        require(self.bus_upgrade(c, a))
        self.bus_upgrade.remove(c, a)
        self.invalid.insert(c, a)
        self.shared.remove(c, a)

    @action
    def complete_proc_write_shared(self, c: core, a: address, v: value) -> None:
        require(self.shared(c, a) & self.proc_write(c, a, v))
        require(forall(self.core, self.address, lambda c1, a1: ~self.bus_upgrade(c1, a1)))
        self.shared.remove(c, a)
        self.modified.insert(c, a)
        self.cache[c, a] = v
        self.proc_write.remove(c, a, v)
        self.bus_in_use.remove()

    # -- evictions -----------------------------------------------------------------------------

    @action
    def evict_modified(self, c: core, a: address) -> None:
        require(~self.bus_in_use() & self.modified(c, a))
        self.memory[a] = self.cache(c, a)  # write back
        self.modified.remove(c, a)
        self.invalid.insert(c, a)

    @action
    def evict_exclusive_or_shared(self, c: core, a: address) -> None:
        require(~self.bus_in_use() & (self.exclusive(c, a) | self.shared(c, a)))
        self.exclusive.remove(c, a)
        self.shared.remove(c, a)
        self.invalid.insert(c, a)

    @invariant
    def valid_unmodified_lines_hold_memory(self):
        return forall(
            self.core,
            self.address,
            lambda c, a: implies(
                ~self.invalid(c, a) & ~self.modified(c, a), self.cache(c, a) == self.memory(a)
            ),
        )
