"""The no-op commit in a large source repository, with source-code reading on (a script, not a test).

One temporary git repository of N files (default 5,000: Python and TypeScript modules, 1% of them
importing an LLM SDK, plus docs), with the default `code:` setting.  Median wall time of whole
`aiopt check` processes for:
  docs only          - a commit touching README.md and docs (no source file)
  plain source       - a commit touching 5 source files that import no LLM SDK (read by one
                       `git cat-file` call, sniffed, not parsed: still the no-op)
  same, code: false  - the same commit with source reading off (the cost of the sniff)
  LLM source, no setting changed - a comment edit in a file that imports an SDK (parsed, no price)

Usage: python benchmarks/source_noop.py [--files 5000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIOPT = "version: 1\nbaseline:\n  path: usage.jsonl\n"
PLAIN_PY = "import os\n\n\ndef helper_{i}(path: str) -> str:\n    return os.path.join(path, '{i}')\n"
PLAIN_TS = "export function helper{i}(x: number): number {{\n  return x * {i};\n}}\n"
LLM_PY = (
    "from openai import OpenAI\n\nMODEL = 'gpt-4o-mini'\nclient = OpenAI()\n\n\n"
    "def feature_{i}(text: str) -> str:\n    # v1\n"
    "    r = client.chat.completions.create(model=MODEL, max_tokens=256,\n"
    "                                       messages=[{{'role': 'user', 'content': text}}])\n"
    "    return r.choices[0].message.content\n"
)
LLM_TS = (
    "import {{ generateText }} from 'ai';\nimport {{ openai }} from '@ai-sdk/openai';\n\n"
    "export async function feature{i}(prompt: string) {{\n"
    "  return generateText({{ model: openai('gpt-4o-mini'), maxOutputTokens: 256, prompt }});\n}}\n"
)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, files: int) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    (root / ".aiopt.yaml").write_text(AIOPT)
    (root / "README.md").write_text("app\n")
    (root / "docs").mkdir()
    for i in range(files):
        llm = i % 100 in (0, 1)
        folder = root / ("src" if i % 2 else "web") / f"pkg{i % 50}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 10 == 9:
            (root / "docs" / f"page{i}.md").write_text(f"# Page {i}\n")
        elif i % 2:
            (folder / f"mod{i}.py").write_text((LLM_PY if llm else PLAIN_PY).format(i=i))
        else:
            (folder / f"mod{i}.ts").write_text((LLM_TS if llm else PLAIN_TS).format(i=i))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")


def timed(root: Path, aiopt: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and the git processes it ran)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([aiopt, "check"], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def measure(root: Path, aiopt: str, repeat: int) -> tuple[float, float]:
    """Median wall and CPU time; CPU time hardly moves when other processes share the cores."""
    timed(root, aiopt)  # the config cache and the OS file cache warm, as on a developer's machine
    runs = [timed(root, aiopt) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def source_step(root: Path, repeat: int) -> float:
    """Median in-process time of what `code:` adds to the no-op: choosing and sniffing changed source files."""
    probe = (
        "import statistics, time\nfrom aiopt_hooks.context import CheckOptions, load_repo_config\n"
        "from aiopt_hooks.repo.git import list_staged_changes\n"
        "ctx = load_repo_config(CheckOptions())\nfiles = list_staged_changes(ctx.root, ctx.head)\n"
        "t0 = time.perf_counter()\nfrom aiopt_hooks.extract.source_watch import llm_source_changes\n"
        "first = time.perf_counter() - t0\nwalls = []\n"
        f"for _ in range({repeat}):\n"
        "    t0 = time.perf_counter(); assert not llm_source_changes(ctx.root, files, ctx.config)\n"
        "    walls.append(time.perf_counter() - t0)\n"
        "print(first + statistics.median(walls))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def stage_edits(root: Path, paths: list[str], old: str, new: str) -> None:
    for rel in paths:
        target = root / rel
        target.write_text(target.read_text().replace(old, new, 1))
    git(root, "add", *paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    aiopt = shutil.which("aiopt") or str(Path(sys.executable).parent / "aiopt")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        make_repo(root, args.files)
        tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
        stage_edits(root, ["README.md", "docs/page9.md"], "\n", " (edited)\n")
        results.append(("docs only", measure(root, aiopt, args.repeat)))
        git(root, "reset", "-q", "--hard")
        plain = [p for p in tracked if p.endswith((".py", ".ts")) and "openai" not in (root / p).read_text()][:5]
        stage_edits(root, plain, "return", "return  ")
        results.append(("5 plain source files", measure(root, aiopt, args.repeat)))
        sniff = source_step(root, args.repeat)
        (root / ".aiopt.yaml").write_text(AIOPT + "code: false\n")
        results.append(("5 plain source files, code: false", measure(root, aiopt, args.repeat)))
        (root / ".aiopt.yaml").write_text(AIOPT)
        git(root, "reset", "-q", "--hard")
        stage_edits(root, ["src/pkg1/mod101.py"], "# v1", "# v2")
        results.append(("1 LLM source file, no setting changed", measure(root, aiopt, args.repeat)))
    print(f"{args.files:,} tracked files; median of {args.repeat} whole `aiopt check` processes")
    print(f"  {'case':42} {'wall':>8} {'CPU':>8}")
    for name, (wall, cpu) in results:
        print(f"  {name:42} {wall * 1000:5.0f} ms {cpu * 1000:5.0f} ms")
    print(f"  the source step alone (select, one git cat-file, sniff) on the 5 plain files: {sniff * 1000:.1f} ms")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
