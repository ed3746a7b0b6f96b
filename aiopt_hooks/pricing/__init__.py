"""Pricing: changes + baseline summary + prices -> estimates (numbers, never verdicts).

`offline`/`prices` (genai-prices data, offline, and `prices:` overrides) <- `groupcost` (a
group's cost under a state) and `fit` <- `change_kinds` (one handler per cost field) <- `estimate`
<- `costs`, `risk`, `suggest`, `whatif`, `compare`, `scan`.
"""
