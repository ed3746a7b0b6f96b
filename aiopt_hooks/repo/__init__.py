"""Repo: everything that touches git or the repository's files on disk.

`git` (the only module that runs git: changed files and their bytes), `pushrange` (what a push
adds), `hooks` (plain git hooks), `history` (the audit trail under the git dir), `globs` (watch
patterns) and `safepaths` (paths a config names stay inside the repository).
"""
