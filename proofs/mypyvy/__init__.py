"""The inductive invariants of the ports in `spec/mypyvy/`, those of the mypyvy examples."""
