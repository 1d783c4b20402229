"""A client-server system whose inductive invariant needs a forall-exists formula, ported from
mypyvy's `examples/client_server_ae.pyv` (after Feldman, Padon, Immerman, Sagiv and Shoham,
"Bounded Quantifier Instantiation for Checking Inductive Invariants", TACAS 2017) without
changes of substance:

- `match` is rigid (mypyvy's `immutable relation`): which response answers which request, any
  relation at all;
- the three relations start empty (mypyvy's `init !r(...)`);
- `new_request` sends a request from a node, `respond` answers a sent request with a matching
  response, `receive_response` takes a sent response.

The safety property: a node receives only responses that match a request it sent.
"""

from checker import Param, Relation, Sort, Spec, action, exists, forall, implies, invariant, require


class ClientServerAe(Spec):
    nodes = Param(2)
    requests = Param(2)
    responses = Param(2)
    node = Sort(nodes, labels="n")
    request = Sort(requests, labels="q")
    response = Sort(responses, labels="p")

    match = Relation(request, response, rigid=True)

    request_sent = Relation(node, request)
    response_sent = Relation(node, response)
    response_received = Relation(node, response)

    @action
    def new_request(self, n: node, r: request) -> None:
        self.request_sent.insert(n, r)

    @action
    def respond(self, n: node, r: request, p: response) -> None:
        require(self.request_sent(n, r) & self.match(r, p))
        self.response_sent.insert(n, p)

    @action
    def receive_response(self, n: node, p: response) -> None:
        require(self.response_sent(n, p))
        self.response_received.insert(n, p)

    @invariant
    def received_responses_match_a_request(self):
        return forall(
            self.node,
            self.response,
            lambda n, p: implies(
                self.response_received(n, p),
                exists(self.request, lambda r: self.request_sent(n, r) & self.match(r, p)),
            ),
        )
