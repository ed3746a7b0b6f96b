"""Extract: changed files -> call specs -> changes.

`base` (the extractor type) <- one module per format <- `registry` (the table) <- `diffing`
(both versions of each changed file -> changes) and `inventory` (every call site of a tree);
`tokens` measures prompt text.
"""
