"""Sets built from others in properties and actions (`Subsets(job)`): every job is to do, being
done or done — three set-valued variables that partition the jobs (TLA+'s `todo \\cup doing
\\cup done = Job`, `todo \\cap doing = {}`, `Cardinality(todo \\cup done) + Cardinality(doing) =
N`), said with the sort's set operators in invariants, an action property and a constraint.
Reachable: each job in one of the three sets, 3^n states.

`give_back` builds a set before writing what it reads and uses it after: it reads the state
where it is built. `Forgetful` finishes a job without taking it out of `doing`; `GivesBackLate`
builds the set it gives back after `doing` lost it: the invariants catch both."""

from checker import (
    Individual,
    Param,
    Sort,
    Spec,
    Subsets,
    action,
    action_property,
    arbitrary,
    axiom,
    constraint,
    init,
    invariant,
    pick,
    require,
)


class Jobs(Spec):
    jobs = Param(3)
    job = Sort(jobs, labels="j")
    jobset = Subsets(job)

    todo = Individual(jobset, init=arbitrary)
    doing = Individual(jobset, init=arbitrary)
    done = Individual(jobset, init=arbitrary)

    @init
    def everything_to_do(self) -> None:
        s = self.jobset
        require(s.subset_of(s.full(), self.todo) & s.is_empty(self.doing) & s.is_empty(self.done))

    @action
    def take(self, j: job) -> None:
        require(self.jobset.member(j, self.todo))
        self.todo = self.jobset.without(self.todo, j)
        self.doing = self.jobset.with_(self.doing, j)

    @action
    def finish(self, j: job) -> None:
        require(self.jobset.contains(self.doing, j))
        self.doing = self.jobset.without(self.doing, j)
        self.done = self.jobset.with_(self.done, j)

    @action
    def give_back(self) -> None:
        """Any of the jobs being done go back to be done again."""
        back = pick(self.jobset)
        moved = self.jobset.intersection(self.doing, back)  # read here, before doing changes
        require(~self.jobset.is_empty(moved))
        self.doing = self.jobset.difference(self.doing, moved)
        self.todo = self.jobset.union(self.todo, moved)

    @invariant
    def every_job_somewhere(self):
        s = self.jobset
        return s.union(s.union(self.todo, self.doing), self.done) == s.full()

    @invariant
    def nowhere_twice(self):
        s = self.jobset
        return (
            s.is_empty(s.intersection(self.todo, self.doing))
            & s.is_empty(s.intersection(self.todo, self.done))
            & s.equal(s.intersection(self.doing, self.done), s.empty())
        )

    @invariant
    def sizes_add_up(self):
        s = self.jobset
        return s.size(s.union(self.todo, self.done)) + s.size(self.doing) == self.jobs

    @invariant
    def being_done_is_not_done(self):
        s = self.jobset
        return s.forall(self.doing, lambda j: s.member(j, s.difference(s.full(), self.done)))

    @invariant
    def some_left_or_all_done(self):
        s = self.jobset
        left = s.exists(s.union(self.todo, self.doing), lambda j: ~s.member(j, self.done))
        return left | s.subset_of(s.full(), self.done)

    @action_property
    def done_stays_done(self, post):
        s = self.jobset
        return s.subset_of(self.done, post.done) & (s.size(post.done) >= s.size(self.done))


class Forgetful(Jobs):
    @action
    def finish(self, j: job) -> None:  # noqa: F821 - the parent's sort
        require(self.jobset.member(j, self.doing))
        self.done = self.jobset.with_(self.done, j)  # still in doing


class GivesBackLate(Jobs):
    @action
    def give_back(self) -> None:
        back = pick(self.jobset)
        require(~self.jobset.is_empty(self.jobset.intersection(self.doing, back)))
        self.doing = self.jobset.difference(self.doing, back)
        moved = self.jobset.intersection(self.doing, back)  # built after: doing lost them
        self.todo = self.jobset.union(self.todo, moved)


class Bounded(Jobs):
    @constraint
    def not_all_done(self):
        s = self.jobset
        return s.size(s.union(self.todo, self.doing)) >= 1


class Pinned(Jobs):
    """One job, fixed but not chosen by the spec, is never given back."""

    pinned = Individual(jobset, init=arbitrary, rigid=True)  # noqa: F821 - the parent's sort

    @axiom
    def one_pinned(self):
        return self.jobset.size(self.pinned) == 1

    @action
    def give_back(self) -> None:
        s = self.jobset
        back = pick(s, lambda b: s.is_empty(s.intersection(b, self.pinned)))
        moved = s.intersection(self.doing, back)
        require(~s.is_empty(moved))
        self.doing = s.difference(self.doing, moved)
        self.todo = s.union(self.todo, moved)
