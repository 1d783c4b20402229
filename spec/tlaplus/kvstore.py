r"""kvstore: a key-value store's get / insert / update / delete as request and response steps,
ported from tlaplus/Examples.

TLA+ module: specifications/btree/kvstore.tla
TLC model:   specifications/btree/kvstore.cfg (Keys = {"A","B","C"}, Vals = {X, Y, Z},
             NIL and MISSING distinct values; INVARIANT TypeOK; deadlock checked).
TLC's counts: 2,641 distinct states, depth 9, 28,585 states generated (TLC 2.19 on this
machine, -workers 1; the manifest's stateDepth says 11, which is not what TLC reports for the
complete search: BFS depth is one number, and TLC's and paxoscope's agree on 9).

Encoding:
- Values are the integers 0..V-1 (X, Y, Z); dict maps each key (a labelled sort A, B, C) to
  `entry` = -1..V-1, with -1 for MISSING.
- ret is `result` = -4..V-1: a value, or -1 MISSING, -2 NIL, -3 "ok", -4 "error" (so
  ret' = dict[key] is the entry itself).
- args, which is NIL, <<k>> or <<k, v>>, is two individuals: `arg_key` (a key, or its bottom
  for NIL) and `arg_val` (a value, or -1 when there is none). Each TLA+ value is one pair.
- op is a sort NIL, get, insert, delete, update; state a sort ready, working.
- A response reads key == args[1] through an action parameter pinned to arg_key.
- As in the TLA+, only InsertResp requires state = "working": GetResp, UpdateResp and
  DeleteResp are enabled whenever op is theirs, and may happen again in state "ready".
- TypeOK holds by construction (every symbol ranges over exactly its TLA+ type) and is not
  ported. TLC checks deadlock; the model has none (`check --deadlock`).
"""

from checker import Function, Individual, IntSort, Param, Sort, Spec, action, ite, require

MISSING, NIL, OK, ERROR = -1, -2, -3, -4


class KVStore(Spec):
    expected_states = {"": 2641}  # TLC
    expected_depth = 9  # TLC (the manifest says 11)

    vals = Param(3, doc="|Vals|")

    key = Sort(3, labels=("A", "B", "C"), bottom="NIL")
    entry = IntSort(MISSING, vals - 1)  # a value, or MISSING
    argval = IntSort(-1, vals - 1)  # a value, or -1: no second argument
    result = IntSort(ERROR, vals - 1)
    ops = Sort(5, labels=("NIL", "get", "insert", "delete", "update"))
    states = Sort(2, labels=("ready", "working"))

    op = Individual(ops, init=ops["NIL"])
    arg_key = Individual(key.or_bottom, init=key.bottom)
    arg_val = Individual(argval, init=-1)
    ret = Individual(result, init=NIL)
    state = Individual(states, init=states["ready"])
    dict_ = Function(key, entry, init=MISSING)

    def request(self, op: str, k, v) -> None:
        require(self.state == self.states["ready"])
        self.op = self.ops[op]
        self.arg_key = k
        self.arg_val = v
        self.ret = NIL
        self.state = self.states["working"]

    def present(self, k):
        return self.dict_(k) != MISSING

    # -- requests ----------------------------------------------------------------------------
    @action
    def get_req(self, k: key) -> None:
        self.request("get", k, -1)

    @action
    def delete_req(self, k: key) -> None:
        self.request("delete", k, -1)

    @action
    def insert_req(self, k: key, v: entry) -> None:
        require(v != MISSING)
        self.request("insert", k, v)

    @action
    def update_req(self, k: key, v: entry) -> None:
        require(v != MISSING)
        self.request("update", k, v)

    # -- responses ---------------------------------------------------------------------------
    @action
    def get_resp(self, k: key) -> None:
        require((self.op == self.ops["get"]) & (self.arg_key == k))
        self.ret = self.dict_(k)
        self.state = self.states["ready"]

    @action
    def insert_resp(self, k: key) -> None:
        require((self.op == self.ops["insert"]) & (self.state == self.states["working"]))
        require(self.arg_key == k)
        absent = ~self.present(k)
        self.ret = ite(absent, self.result[OK], self.result[ERROR])
        self.dict_[k] = ite(absent, self.arg_val, self.dict_(k))
        self.state = self.states["ready"]

    @action
    def update_resp(self, k: key) -> None:
        require((self.op == self.ops["update"]) & (self.arg_key == k))
        present = self.present(k)
        self.ret = ite(present, self.result[OK], self.result[ERROR])
        self.dict_[k] = ite(present, self.arg_val, self.dict_(k))
        self.state = self.states["ready"]

    @action
    def delete_resp(self, k: key) -> None:
        require((self.op == self.ops["delete"]) & (self.arg_key == k))
        self.ret = OK
        self.state = self.states["ready"]
        self.dict_[k] = MISSING
