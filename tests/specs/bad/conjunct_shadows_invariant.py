from checker import conjunct, forall, implies
from spec.voting import Voting


class ConjunctShadowsInvariant(Voting):
    safety = ("agreement",)

    @conjunct  # ERROR: would replace Voting's invariant `agreement`
    def agreement(self):
        return forall(self.value, lambda v: implies(self.decision(self.round[0], v), True))
