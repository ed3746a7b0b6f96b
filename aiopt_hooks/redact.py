"""Output hygiene: what the CLI prints never carries an API key or an unbounded value.

Applied where text leaves the process (the rendered report, error lines, the CI job summary),
so every format and every message is covered at once.  A value that looks like a credential is
replaced by its first characters and a marker; an environment reference (`${OPENAI_API_KEY}`,
`os.environ/AZURE_API_KEY`, `env:KEY`) is not a credential and is printed as written.
"""

from __future__ import annotations

import re

# Provider key shapes (prefix + a long random tail), then bearer tokens and Azure's 32-hex keys.
_SECRET = re.compile(
    r"""(?<![A-Za-z0-9_/-])(?:
        sk-(?:ant-|proj-|svcacct-|or-v1-)?[A-Za-z0-9_-]{16,}   # OpenAI, Anthropic, OpenRouter
      | AIza[0-9A-Za-z_-]{30,}                                # Google
      | (?:gsk|xai|hf|pplx|r8|fw|nvapi|csk|ghp|gho|ghs|github_pat)[_-][A-Za-z0-9_-]{20,}
      | AKIA[0-9A-Z]{16}                                      # AWS access key id
      | xox[abprs]-[A-Za-z0-9-]{10,}                          # Slack
      | (?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}
      | [0-9a-f]{32}(?![0-9a-f])                              # Azure OpenAI / Cognitive Services keys
    )""",
    re.VERBOSE,
)
SHOWN = 4
MAX_MESSAGE = 500  # one error line stays one line, whatever value an exception carries


def redact(text: str) -> str:
    """`text` with every credential-looking value masked (`sk-p…[redacted]`)."""
    return _SECRET.sub(lambda m: m.group(0)[:SHOWN] + "…[redacted]", text)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message made safe to print: redacted, on one line, at most `limit` characters."""
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
