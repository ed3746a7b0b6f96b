"""Calibrate the offline token approximation in `aiopt_hooks.extract.tokens` against a real tokenizer.

Counts every sample below (and every `sample_repo/prompts/*.txt`) with bpe-openai's o200k_base
and with `approximate_tokens`, then prints one row per sample (exact, approx, error %) and the
mean/max absolute error. The mean is the number quoted in the approximation's `method` string
(`APPROX_MEAN_ERROR_PCT`); rerun this script after changing the approximation's constants.

    .venv/bin/pip install bpe-openai
    .venv/bin/python benchmarks/token_calibration.py
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiopt_hooks.extract.tokens import APPROX_MEAN_ERROR_PCT, approximate_tokens  # noqa: E402


class Row(NamedTuple):
    name: str
    exact: int
    approx: int

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.approx - self.exact) / self.exact


SAMPLES: dict[str, str] = {
    "system_assistant": """\
You are a helpful, honest and concise assistant. Answer the user's question directly, then
add detail only if it helps. If you don't know the answer, say so instead of guessing. When
the question is ambiguous, ask one short clarifying question before answering. Prefer plain
language over jargon, and explain any technical term the first time you use it.
""",
    "system_code_reviewer": """\
You are a senior software engineer reviewing a pull request. For each file in the diff,
point out bugs, security issues, race conditions and missing error handling first, then
readability problems. Quote the exact line you are commenting on. Do not comment on
formatting that an auto-formatter would fix. Be specific: instead of "this could be
better", explain what to change and why. End with a one-line verdict: APPROVE,
REQUEST_CHANGES or COMMENT.
""",
    "json_extraction": """\
Extract the following fields from the email below and return them as JSON:

{
  "sender_name": string,
  "sender_email": string,
  "order_id": string | null,
  "intent": "refund" | "exchange" | "question" | "complaint",
  "sentiment": number between -1.0 and 1.0,
  "mentioned_products": [string]
}

Return only the JSON object, with no explanation and no markdown code fences. If a field
cannot be determined from the email, use null (or an empty list for arrays).
""",
    "json_schema_tool": """\
You can call the following tool. Respond with a JSON object {"tool": "search_orders",
"arguments": {...}} when you need order data, otherwise answer normally.

{"name": "search_orders", "description": "Search the order database by customer or date range.",
 "parameters": {"type": "object", "properties": {"customer_id": {"type": "string"},
 "from_date": {"type": "string", "format": "date"}, "to_date": {"type": "string", "format": "date"},
 "status": {"type": "string", "enum": ["pending", "shipped", "delivered", "returned"]},
 "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
 "required": ["customer_id"]}}
""",
    "markdown_guidelines": """\
# Writing guidelines

## Tone
- Friendly but professional; avoid slang and emojis.
- Use the second person ("you") when giving instructions.
- Keep sentences under 25 words where possible.

## Structure
1. Start with a one-sentence summary.
2. Follow with the details, most important first.
3. Close with a clear next step or call to action.

## Formatting
- Use **bold** only for UI labels, e.g. **Settings > Billing**.
- Use `code` formatting for file names, commands and API fields.
- Never use more than two levels of nested bullets.
""",
    "markdown_table_rubric": """\
Grade the student's essay using this rubric. Output a markdown table with one row per
criterion, then a total score out of 20.

| Criterion      | 4 - Excellent                  | 2 - Adequate               | 0 - Missing        |
|----------------|--------------------------------|----------------------------|--------------------|
| Thesis         | Clear, arguable, specific      | Present but vague          | No thesis          |
| Evidence       | Relevant, cited, analyzed      | Some evidence, thin        | None               |
| Organization   | Logical flow, transitions      | Mostly ordered             | Disorganized       |
| Style          | Varied, precise vocabulary     | Readable, repetitive       | Hard to follow     |
| Mechanics      | Few or no errors               | Errors distract at times   | Errors block meaning |
""",
    "python_snippet": """\
Refactor the following function so that it streams the file instead of loading it into
memory, keeps the same return value, and adds type hints:

```python
def count_errors(path):
    data = open(path).read()
    lines = data.split("\\n")
    errors = {}
    for line in lines:
        if "ERROR" in line:
            code = line.split(":")[1].strip()
            errors[code] = errors.get(code, 0) + 1
    return sorted(errors.items(), key=lambda kv: kv[1], reverse=True)[:10]
```

Explain each change in one bullet point after the code.
""",
    "typescript_snippet": """\
Here is a React component written in TypeScript. Find the bug that makes the list
re-render on every keystroke and propose a fix.

```tsx
export function UserList({ users, filter }: { users: User[]; filter: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  const visible = users.filter((u) => u.name.toLowerCase().includes(filter.toLowerCase()));
  const onSelect = (id: string) => setSelected(id);
  return (
    <ul className="user-list">
      {visible.map((u) => (
        <UserRow key={u.id} user={u} active={u.id === selected} onSelect={onSelect} />
      ))}
    </ul>
  );
}
```
""",
    "sql_assistant": """\
You translate questions about our data warehouse into a single PostgreSQL query.
Tables:
  orders(order_id bigint, customer_id bigint, created_at timestamptz, total_cents int, status text)
  customers(customer_id bigint, country char(2), signup_date date, plan text)
  refunds(refund_id bigint, order_id bigint, amount_cents int, reason text, created_at timestamptz)
Rules: use explicit JOINs, never SELECT *, filter on status = 'completed' unless the question
says otherwise, and convert cents to dollars with ROUND(total_cents / 100.0, 2). Return only SQL.
""",
    "rag_answer": """\
Answer the question using only the context passages below. Each passage starts with an ID in
square brackets, e.g. [doc-17]. Cite the passage IDs you used at the end of each sentence.
If the passages do not contain the answer, reply exactly: "I could not find this in the
provided documents." Do not use prior knowledge, even if you are confident it is correct.
Keep the answer under 150 words unless the question asks for a list or a step-by-step guide.
""",
    "classification_fewshot": """\
Classify the sentiment of each product review as positive, negative or mixed.

Review: "Battery lasts two full days and the screen is gorgeous."
Sentiment: positive

Review: "Stopped charging after a week. Support never answered my emails."
Sentiment: negative

Review: "Great camera, but it overheats when I play games for more than 20 minutes."
Sentiment: mixed

Review: "Arrived on time, works as described, nothing special."
Sentiment: positive
""",
    "agent_react": """\
You are an autonomous research agent. Work in a loop of Thought, Action and Observation.

Thought: reason about what you know and what you still need.
Action: one of search[query], lookup[term], calculate[expression] or finish[answer].
Observation: the result of the action, provided by the system.

Stop after at most 8 actions. Never invent an Observation. If two searches in a row return
nothing useful, rephrase the query with different keywords. When you call finish, the answer
must be a single sentence with the key number or name, followed by your confidence (0-100%).
""",
    "safety_policy": """\
Content policy for the assistant:
1. Refuse requests for instructions that facilitate violence, weapons, self-harm or the
   creation of malware. Offer a safe alternative when one exists.
2. Medical, legal and financial questions: give general information, state that it is not
   professional advice, and recommend consulting a qualified professional for decisions.
3. Do not generate sexual content involving minors under any circumstances.
4. Personal data: never reveal phone numbers, addresses or ID numbers of private individuals.
5. If a request is borderline, answer the safe part and explain briefly what you left out.
""",
    "translation": """\
Translate the user's text from English into French, German and Spanish. Keep product names,
URLs, code and placeholders like %s or {count} unchanged. Preserve line breaks and markdown.
Use the formal register (vous, Sie, usted). Output format:

FR: <translation>
DE: <translation>
ES: <translation>
""",
    "email_writer": """\
Write a follow-up email to a customer whose enterprise trial ends in 3 days. Mention that
their team created 42 projects and invited 17 members during the trial, offer a 30-minute
call to review pricing options, and include a link placeholder [BOOKING_LINK]. Sign off as
Jordan from the Customer Success team. Subject line first, then the body; 120 words maximum.
""",
    "yaml_config_helper": """\
You help engineers write Kubernetes manifests. Given a short description, output a valid
YAML Deployment and Service. Example of the expected style:

apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-api
  labels:
    app: web-api
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-api
  template:
    spec:
      containers:
        - name: web-api
          image: registry.example.com/web-api:1.4.2
          ports:
            - containerPort: 8080
          resources:
            limits: {cpu: "500m", memory: "256Mi"}
""",
    "shell_helper": """\
Convert the user's request into a single POSIX shell command. Prefer standard tools (find,
grep, sed, awk, xargs, sort, uniq). Do not use sudo. Example:
Request: delete all .log files older than 7 days under /var/app/logs
Command: find /var/app/logs -name '*.log' -type f -mtime +7 -delete
Request: show the 5 largest directories in the current folder
Command: du -sh -- */ 2>/dev/null | sort -rh | head -n 5
""",
    "meeting_notes": """\
Summarize the meeting transcript into notes with these sections: Attendees, Decisions,
Action items (owner - task - due date), Open questions. Use the names exactly as spoken.
Dates must be in YYYY-MM-DD format; if the speaker said "next Friday", resolve it relative to
the meeting date given in the header (e.g. 2024-03-14). Skip small talk, greetings and
audio problems. If no decision was made, write "None recorded".
""",
    "persona_tutor": """\
You are Ms. Rivera, a patient middle-school math tutor. Never give the final answer right
away: ask the student what they have tried, then give a hint that moves them one step
forward. Use simple words, short sentences and concrete examples like sharing 12 cookies
among 4 friends. Celebrate progress ("Nice work!") but don't overdo it. If the student is
frustrated, slow down and break the problem into smaller steps. Use LaTeX for formulas, e.g.
$\\frac{3}{4} + \\frac{1}{8} = \\frac{7}{8}$.
""",
    "log_triage": """\
You triage production alerts. Input: the last 50 log lines of a service.
Example input:
2024-05-02T14:03:11.482Z ERROR [pay-worker-7] TimeoutError: 10.0.4.12:5432 no reply in 30000ms
2024-05-02T14:03:11.519Z WARN  [pay-worker-7] retry 3/5 job_id=8f2c1a9e-77b4-4c0e-9a51-2d6b0f3e1c44
2024-05-02T14:03:12.001Z INFO  [scheduler] queue depth=1284 lag_ms=9120
Output a JSON object: {"severity": "P1"|"P2"|"P3", "component": str, "probable_cause": str,
"first_seen": ISO timestamp, "next_step": str}. Base severity on customer impact.
""",
    "product_description": """\
Write a product description for an online store. Product: stainless steel insulated water
bottle, 750 ml, keeps drinks cold for 24 hours and hot for 12, leak-proof lid, fits most car
cup holders, dishwasher-safe, available in six colors. Audience: hikers and commuters.
Length: 80 to 100 words, one paragraph, followed by three short bullet points with the key
specs. Avoid superlatives like "best" or "perfect" and do not mention competitors.
""",
    "chain_of_thought_math": """\
Solve the word problem step by step. Show each calculation on its own line, then give the
final answer on the last line in the form "Answer: <number> <unit>".

Problem: A train leaves Station A at 9:15 and travels 180 km at an average speed of 72 km/h.
It stops for 12 minutes, then covers the remaining 96 km at 64 km/h. At what time does it
arrive at Station B?
""",
    "api_docs_writer": """\
Generate reference documentation for the REST endpoint below. Include: a one-paragraph
overview, the HTTP method and path, path and query parameters in a table, the request body
schema, example request with curl, example 200 response, and the error codes (400, 401, 404,
429) with their meaning.

Endpoint: POST /v2/projects/{project_id}/webhooks
Body: {"url": "https://example.com/hook", "events": ["task.created", "task.completed"],
"secret": "optional string used to sign payloads with HMAC-SHA256"}
""",
    "html_snippet": """\
Fix the accessibility problems in this HTML form and explain each fix briefly:

<form action="/subscribe" method="post">
  <input type="text" placeholder="Email">
  <div onclick="submitForm()" class="btn btn-primary">Subscribe</div>
  <img src="/img/newsletter.png">
  <span style="color:#999">We never share your address.</span>
</form>
""",
}


def load_samples() -> dict[str, str]:
    """Built-in samples plus every `sample_repo/prompts/*.txt`, if that folder exists."""
    samples = dict(SAMPLES)
    for path in sorted((ROOT / "sample_repo" / "prompts").glob("*.txt")):
        samples[f"sample_repo/{path.name}"] = path.read_text(encoding="utf-8")
    return samples


def measure() -> list[Row]:
    """Exact (o200k_base) and approximate counts for every sample."""
    encoder = importlib.import_module("bpe_openai").get_encoding("o200k_base")
    return [
        Row(name, len(encoder.encode_ordinary(text)), approximate_tokens(text)) for name, text in load_samples().items()
    ]


def main() -> int:
    try:
        rows = measure()
    except ImportError:
        print("bpe-openai is not installed: pip install bpe-openai", file=sys.stderr)
        return 2
    print(f"{'sample':34} {'exact':>6} {'approx':>6} {'error %':>8}")
    for row in rows:
        print(f"{row.name:34} {row.exact:6d} {row.approx:6d} {row.error_pct:+8.1f}")
    errors = [abs(row.error_pct) for row in rows]
    mean, worst = sum(errors) / len(errors), max(errors)
    total_exact = sum(r.exact for r in rows)
    total_approx = sum(r.approx for r in rows)
    print(
        f"\n{len(rows)} samples: mean |error| {mean:.1f}%, max |error| {worst:.1f}%, "
        f"total {total_approx} approx vs {total_exact} exact "
        f"({100.0 * (total_approx - total_exact) / total_exact:+.1f}%)"
    )
    state = "up to date" if f"{mean:.1f}" == f"{APPROX_MEAN_ERROR_PCT:.1f}" else "STALE: update it"
    print(f"documented in aiopt_hooks.extract.tokens: ±{APPROX_MEAN_ERROR_PCT}% ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
