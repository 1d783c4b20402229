"""Ports of models from the public corpus tlaplus/Examples. Each module names its TLA+ module and
.cfg in its docstring; its default parameters are the model's constants and its
`expected_states` / `expected_depth` are TLC's distinct states and depth for them (from the
corpus's manifest.json, or TLC's own output where noted)."""
