r"""Chameneos: a concurrency game of creatures that meet and change colour, ported from
tlaplus/Examples.

TLA+ module: specifications/Chameneos/Chameneos.tla
TLC model:   specifications/Chameneos/Chameneos.cfg (N = 4 meetings, M = 4 chameneoses;
             INVARIANTS TypeOK SumMet; CHECK_DEADLOCK FALSE).
TLC's counts: 34,534 distinct states, depth 13.

Encoding:
- chameneoses[c] = <<colour, meetings>> is two functions: `color` (into blue, red, yellow and
  Faded, a labelled sort) and `meets` (into 0..N). Init's chameneoses \in [ID -> Color \X {0}]
  is `color` starting arbitrary with an @init requiring no Faded (3^M initial states).
- ChameneosID is 1..M (`cid`); meetingPlace is `place`, 0..M, 0 for MeetingPlaceEmpty.
- Complement(c1, c2) (the third colour, by CHOOSE, when they differ) is an `ite` over the
  three colours: Color \ {c1, c2} has one element, so the CHOOSE has one choice.
- Meet(cid)'s IF / ELSE branches are three actions with exclusive guards (`enter`, `fade`,
  `mutate`); `mutate` names the chameneos in the meeting place and the new colour by action
  parameters pinned to them, so that both EXCEPT updates write values of the state before.
- SumMet's Sum(f, ChameneosID) is a sum written out over ids 1..MAX_M, each term guarded by
  id <= M (M is at most MAX_M = 8). TypeOK holds by construction (meets stays in 0..N or the
  step is an error) and is not ported.

A direct port would want tuples as function values (<<colour, meetings>>) and a sum over a
sort (Sum(f, S)).
"""

from checker import (
    Function,
    Individual,
    IntSort,
    Param,
    Sort,
    Spec,
    action,
    arbitrary,
    forall,
    implies,
    init,
    invariant,
    ite,
    require,
)

MAX_M = 8


class Chameneos(Spec):
    expected_states = {"": 34534}  # TLC
    expected_depth = 13

    n = Param(4, doc="N, the number of meetings after which chameneoses fade")
    m = Param(4, doc=f"M, the number of chameneoses (at most {MAX_M})")

    cid = IntSort(1, m)
    place_sort = IntSort(0, m)  # a chameneos, or 0: MeetingPlaceEmpty
    colors = Sort(4, labels=("blue", "red", "yellow", "Faded"))
    count = IntSort(0, n)

    color = Function(cid, colors, init=arbitrary)
    meets = Function(cid, count, init=0)
    place = Individual(place_sort, init=0)
    num_meetings = Individual(count, init=0)

    @init
    def start(self) -> None:
        require(forall(self.cid, lambda c: self.color(c) != self.colors["Faded"]))

    def complement(self, c1, c2):
        blue, red, yellow = self.colors["blue"], self.colors["red"], self.colors["yellow"]
        third = ite((c1 != blue) & (c2 != blue), blue, ite((c1 != red) & (c2 != red), red, yellow))
        return ite(c1 == c2, c1, third)

    def live(self, c) -> None:
        r"""c \in {x \in ChameneosID : chameneoses[x][1] /= Faded}."""
        require(self.color(c) != self.colors["Faded"])

    @action
    def enter(self, c: cid) -> None:
        """The meeting place is empty and fewer than N meetings took place: c enters it."""
        self.live(c)
        require((self.place == 0) & (self.num_meetings < self.n))
        self.place = c

    @action
    def fade(self, c: cid) -> None:
        """The meeting place is empty and N meetings took place: c fades."""
        self.live(c)
        require((self.place == 0) & (self.num_meetings >= self.n))
        self.color[c] = self.colors["Faded"]

    @action
    def mutate(self, c: cid, p: cid, new: colors) -> None:
        """p waits in the meeting place: both take the complement of their colours."""
        self.live(c)
        require((self.place == p) & (p != c))
        require(new == self.complement(self.color(c), self.color(p)))
        self.place = 0
        self.color[c] = new
        self.color[p] = new
        self.meets[c] = self.meets(c) + 1
        self.meets[p] = self.meets(p) + 1
        self.num_meetings = self.num_meetings + 1

    @invariant
    def sum_met(self):
        total = 0
        for k in range(1, MAX_M + 1):
            total = total + ite(self.cid.last >= k, self.meets(self.cid.first + (k - 1)), 0)
        return implies(self.num_meetings == self.n, total == 2 * self.n)
