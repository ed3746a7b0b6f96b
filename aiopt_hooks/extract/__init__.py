"""Extract: changed files -> call specs -> changes.

`base` (the extractor type) and `formats` (how each format is recognised) <- one module per format,
imported when a file of its format is read <- `registry` (the table) <- `diffing` (both versions of
each changed file -> changes; `speccache` keeps each file version's call specs under the git dir) and
`inventory` (every call site of a tree); `tokens` measures prompt text.
"""
