"""Verdict: the one place that decides pass / warn / approved / block.

`thresholds` turns an estimate into fired thresholds (numbers); `decide.decide` makes the
verdict from findings, fired thresholds and overrides; `approvals`, `lock` and `overrides`
gather the facts the overrides stand on.
"""

# The audited approvals file (`approvals`), named here: a blocked check finds the file absent without
# loading that module.
APPROVALS_PATH = ".aiopt/approvals.yaml"
