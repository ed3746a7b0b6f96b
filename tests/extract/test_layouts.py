"""The layouts teams keep LLM settings in, beyond the dedicated formats (aiopt_hooks.extract.dotenv,
env_yaml, envvars, crewai, structured's settings keys and system prompts, promptfoo by content,
aider templates); and the watched file that yields nothing (no silent pass).

Files in `tests/data/layouts/` are byte-for-byte copies of public repositories' files (sources in
`tests/data/SOURCES.md`), read under their path in that repository.  The inline texts below show
layouts no copied file has (compose, Kubernetes, Helm): they are written for the test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.config import Config
from aiopt_hooks.extract.registry import extract_call_specs, extractor_for
from tests.extract.test_formats import CONFIGS, _staged_changes, _triples
from tests.support.repos import GitRepo, edit

LAYOUTS = Path(__file__).resolve().parents[1] / "data" / "layouts"


def _read(name: str) -> str:
    with open(LAYOUTS / name, encoding="utf-8", newline="") as handle:
        return handle.read()


SWE_BEFORE = "swe-agent__SWE-agent_SWE-agent__default.at-a1193dd8-parent.yaml"
SWE_AFTER = "swe-agent__SWE-agent_SWE-agent__default.at-a1193dd8.yaml"
CREW_AGENTS = "crewai__crewAIInc_crewAI-examples__agents.at-3daae31c.yaml"
CREW_TASKS_BEFORE = "crewai__crewAIInc_crewAI-examples__tasks.at-3daae31c-parent.yaml"
CREW_TASKS_AFTER = "crewai__crewAIInc_crewAI-examples__tasks.at-3daae31c.yaml"
CORTEX = "azure/sfc-cortex-analyst-dev"
CREW_TASKS = [
    "research_task",
    "project_understanding_task",
    "marketing_strategy_task",
    "campaign_idea_task",
    "copy_creation_task",
]
REFLECTION = [
    "project_understanding_reflection_task",
    "marketing_strategy_reflection_task",
    "campaign_idea_reflection_task",
    "copy_creation_reflection_task",
]  # added by 3daae31c

REAL = [
    pytest.param(
        "dotenv__getzep_graphiti__env.example",
        ".env.example",
        [
            ("ark_chat", "env.ARK_CHAT", {"model": "replace-with-your-ark-endpoint-id"}),
            ("llm", "env.LLM", {"max_output_tokens": 8192}),
            ("embedding", "env.EMBEDDING", {"model": "local-feature-hash"}),
        ],
        id="env-example-prefix-groups",
    ),
    pytest.param(
        "aider__lavantien_llm-tournament__aider.conf.yml.example",
        ".aider.conf.yml.example",
        [
            ("aider", "model", {"model": "openai/deepseek-ai/DeepSeek-R1"}),
            ("aider:weak", "weak", {"model": "mistral/mistral-large-latest"}),
            ("aider:editor", "editor", {"model": "deepseek/deepseek-chat"}),
        ],
        id="aider-conf-example",
    ),
    pytest.param(
        "swe-agent__SWE-agent_SWE-agent__gpt-5.yaml",
        "config/models/gpt-5.yaml",
        [("agent", "agent.model", {"model": "openai/gpt-5"})],
        id="swe-agent-model-name-crlf",
    ),
    pytest.param(
        SWE_BEFORE,
        "config/default.yaml",
        [
            ("agent", "agent.model", {"reasoning_effort": "high"}),
            ("agent", "agent.templates.instance_template", {"prompt": "inline"}),
            ("agent", "agent.templates.system_template", {"prompt": "inline"}),
        ],
        id="swe-agent-completion-kwargs-and-templates",
    ),
    pytest.param(
        SWE_AFTER,
        "config/default.yaml",
        [
            ("agent", "agent.templates.instance_template", {"prompt": "inline"}),
            ("agent", "agent.templates.system_template", {"prompt": "inline"}),
        ],
        id="swe-agent-templates",
    ),
    pytest.param(
        "open-interpreter__OpenInterpreter_open-interpreter__vision.yaml",
        "interpreter/terminal_interface/profiles/defaults/vision.yaml",
        [("vision", "llm", {"model": "gpt-4-vision-preview", "max_output_tokens": 4096, "prompt": "inline"})],
        id="open-interpreter-custom-instructions",
    ),
    pytest.param(
        CREW_AGENTS,
        "src/marketing_posts/config/agents.yaml",
        [
            (name, name, {"model": CORTEX, "retries": 2, "prompt": "inline"})  # CrewAI retries twice by default
            for name in (
                "lead_market_analyst",
                "chief_marketing_strategist",
                "creative_content_creator",
                "chief_creative_director",
            )
        ],
        id="crewai-agents",
    ),
    pytest.param(
        CREW_TASKS_BEFORE,
        "src/marketing_posts/config/tasks.yaml",
        [(name, name, {"prompt": "inline"}) for name in CREW_TASKS],
        id="crewai-tasks",
    ),
    pytest.param(
        CREW_TASKS_AFTER,
        "src/marketing_posts/config/tasks.yaml",
        [(name, name, {"prompt": "inline"}) for name in CREW_TASKS + REFLECTION],
        id="crewai-tasks-with-rubrics",
    ),
]


@pytest.mark.parametrize(("name", "repo_path", "expected"), REAL)
def test_real_layouts(name: str, repo_path: str, expected: list[Any]) -> None:
    assert _triples(extract_call_specs(repo_path, _read(name))) == expected


def test_every_layout_file_is_in_the_table() -> None:
    assert sorted(p.name for p in LAYOUTS.iterdir()) == sorted({str(p.values[0]) for p in REAL})


COMPOSE = """\
services:
  api:
    image: example/api
    environment:
      - OPENAI_MODEL=gpt-4o-mini
      - OPENAI_MAX_TOKENS=1024
      - LOG_LEVEL=info
  worker:
    environment:
      MODEL_NAME: ${WORKER_MODEL:-gpt-4o}
      AZURE_OPENAI_CHAT_DEPLOYMENT: chat-prod
      AZURE_OPENAI_CHAT_MODEL: gpt-4o
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: assistant
data:
  LLM_MODEL: claude-sonnet-4-5
  LLM_MAX_TOKENS: "4096"
  LLM_MAX_RETRIES: "2"
"""
HELM = """\
replicaCount: 2
env:
  - name: CHAT_MODEL
    value: gpt-4.1-mini
  - name: CHAT_REASONING_EFFORT
    value: low
extraEnv:
  SUMMARY_MODEL_NAME: gpt-4.1-nano
"""
SETTINGS_JSON = (
    '{"app": {"default_model": "gpt-4o-mini", "chat_model": "gpt-4o", "temperature": 0.2},\n'
    ' "embeddings": {"embeddingModel": "text-embedding-3-small"}}\n'
)
LAYOUT_TABLE = [
    pytest.param(
        "docker-compose.yml",
        COMPOSE,
        [
            ("openai", "services.api.environment.OPENAI", {"model": "gpt-4o-mini", "max_output_tokens": 1024}),
            ("azure_openai_chat", "services.worker.environment.AZURE_OPENAI_CHAT", {"model": "gpt-4o"}),
            ("worker", "services.worker.environment.default", {"model": "${WORKER_MODEL:-gpt-4o}"}),
        ],
        id="compose-list-and-map-model-beats-deployment",
    ),
    pytest.param(
        "k8s/assistant-configmap.yaml",
        CONFIGMAP,
        [("llm", "data.LLM", {"model": "claude-sonnet-4-5", "max_output_tokens": 4096, "retries": 2})],
        id="kubernetes-configmap",
    ),
    pytest.param(
        "charts/assistant/values.yaml",
        HELM,
        [
            ("chat", "env.CHAT", {"model": "gpt-4.1-mini", "reasoning_effort": "low"}),
            ("summary", "extraEnv.SUMMARY", {"model": "gpt-4.1-nano"}),
        ],
        id="helm-env-list-and-extra-env",
    ),
    pytest.param(
        "config/settings.json",
        SETTINGS_JSON,
        [
            ("chat", "app.chat_model", {"model": "gpt-4o"}),
            ("default", "app.default_model", {"model": "gpt-4o-mini"}),
            ("embedding", "embeddings.embeddingModel", {"model": "text-embedding-3-small"}),
        ],
        id="app-settings-keys-at-any-depth",
    ),
    pytest.param(
        ".env.sample",
        "export OPENAI_MODEL='gpt-4o'  # the chat model\nOPENAI_MAX_TOKENS=<your cap>\n"
        "MODEL=gpt-4o-mini\n# LLM_MODEL=gpt-5\n",
        [("openai", "env.OPENAI", {"model": "gpt-4o"}), ("default", "env.default", {"model": "gpt-4o-mini"})],
        id="env-sample-export-quotes-comments-placeholder-cap",
    ),
    pytest.param(
        "skills/SloganMaker/config.json",
        '{\n  "schema": 1,\n  "type": "completion",\n  "completion": {"max_tokens": 1000},\n'
        '  "default_backends": [\n    "text-davinci-003"\n  ]\n}\n',
        [
            ("SloganMaker", "completion", {"model": "text-davinci-003", "max_output_tokens": 1000}),
            ("SloganMaker", "template", {"prompt": "skprompt.txt"}),
        ],
        id="semantic-kernel-legacy-backends",
    ),
    pytest.param(
        "deploy/prod.env",
        "AZURE_OPENAI_CHAT_DEPLOYMENT=gpt4o-prod\n",
        [("azure_openai_chat", "env.AZURE_OPENAI_CHAT", {"model": "gpt4o-prod"})],
        id="name-dot-env",
    ),
]


@pytest.mark.parametrize(("path", "text", "expected"), LAYOUT_TABLE)
def test_layouts(path: str, text: str, expected: list[Any]) -> None:
    assert _triples(extract_call_specs(path, text)) == expected


def test_open_interpreter_top_level_system_message_is_the_entry_prompt() -> None:
    text = 'llm:\n  model: "gpt-4o"\n  max_tokens: 1000\nsystem_message: |\n  You are Open Interpreter.\n'
    specs = extract_call_specs("profiles/default.yaml", text)
    assert _triples(specs) == [
        ("default", "llm", {"model": "gpt-4o", "max_output_tokens": 1000}),
        ("default", "system_message", {"model": "gpt-4o", "prompt": "inline"}),
    ]
    assert specs[1].prompt_text == "You are Open Interpreter.\n" and specs[1].lines == {"prompt": 4}


def test_continue_base_agent_system_message() -> None:
    text = (
        (CONFIGS / "app-config-continue__continuedev_continue__agent.yaml")
        .read_text("utf-8")
        .replace(
            "    apiKey: ${{ secrets.OPENAI_API_KEY }}\n",
            "    apiKey: ${{ secrets.OPENAI_API_KEY }}\n    chatOptions:\n      baseAgentSystemMessage: Be terse.\n",
        )
    )
    [gpt5, _] = extract_call_specs(".continue/config.yaml", text)
    assert gpt5.fields == {"model": "gpt-5", "provider": "openai", "prompt": "inline"}
    assert gpt5.prompt_text == "Be terse."


def test_promptfoo_config_found_by_content_under_another_name() -> None:
    text = (CONFIGS / "promptfoo__ChunkyTortoise_docextract__promptfooconfig.yaml").read_text("utf-8")
    found = extractor_for("evals/extraction-eval.yaml", text)
    assert found is not None and found.name == "promptfoo config"
    assert [s.feature for s in extract_call_specs("evals/extraction-eval.yaml", text)] == [
        "anthropic:messages:claude-sonnet-4-6",
        "anthropic:messages:claude-haiku-4-5-20251001",
    ]


# -- real commits and edits -> changes ------------------------------------------------------------


def test_crewai_3daae31c_rubrics_are_new_task_prompts(repo: Any) -> None:
    # The commit rewords one task (72 -> 71 tokens) and adds four reflection tasks holding the rubrics.
    changes = _staged_changes(repo, {"config/tasks.yaml": (_read(CREW_TASKS_BEFORE), _read(CREW_TASKS_AFTER))})
    assert changes[0] == ("marketing_strategy_task", "prompt", 72, 71, 31)
    assert [c[:3] for c in changes[1:]] == [(name, "prompt", 0) for name in REFLECTION]
    assert all(c[3] > 500 for c in changes[1:])


def test_crewai_backstory_growth_is_a_prompt_change(repo: Any) -> None:
    old = _read(CREW_AGENTS)
    grown = "    in dissecting online business landscapes.\n" + "".join(
        f"    Rule {i}: always cite the source of every market figure you report.\n" for i in range(80)
    )
    new = old.replace("    in dissecting online business landscapes.\n", grown)
    [(feature, field, before, after, line)] = _staged_changes(repo, {"config/agents.yaml": (old, new)})
    assert (feature, field, line) == ("lead_market_analyst", "prompt", 2)
    assert after - before > 80 * 10


def test_env_example_model_change(repo: Any) -> None:
    old = _read("dotenv__getzep_graphiti__env.example")
    new = old.replace("ARK_CHAT_MODEL=replace-with-your-ark-endpoint-id", "ARK_CHAT_MODEL=doubao-seed-1-6")
    assert _staged_changes(repo, {".env.example": (old, new)}) == [
        ("ark_chat", "model", "replace-with-your-ark-endpoint-id", "doubao-seed-1-6", 7)
    ]


def test_swe_agent_completion_kwargs_reasoning_effort(repo: Any) -> None:
    old = _read("swe-agent__SWE-agent_SWE-agent__gpt-5.yaml")
    new = old.replace("parallel_tool_calls: false", "parallel_tool_calls: false\r\n      reasoning_effort: high")
    assert _staged_changes(repo, {"config/models/gpt-5.yaml": (old, new)}, Config(watch=("config/**",))) == [
        ("agent", "reasoning_effort", None, "high", 9)
    ]


def test_swe_agent_a1193dd8_drops_the_reasoning_effort(repo: Any) -> None:
    # "Fix: Leftover reasoning config in default.yaml": the `agent.model` block goes, the templates
    # stay: the effort is unset (a change of the feature), not the feature removed.
    changes = _staged_changes(
        repo, {"config/default.yaml": (_read(SWE_BEFORE), _read(SWE_AFTER))}, Config(watch=("config/**",))
    )
    assert changes == [("agent", "reasoning_effort", "high", None, None)]


def test_watched_file_without_llm_setting_is_an_info_finding(repo: Any) -> None:
    from aiopt_hooks.extract.diffing import Tree, derive_changes
    from aiopt_hooks.repo.git import BlobReader, list_staged_changes

    repo.write("docker-compose.yml", "services:\n  db:\n    image: postgres\n")
    repo.stage()
    repo.commit("db")
    repo.write("docker-compose.yml", "services:\n  db:\n    image: postgres:16\n")
    repo.stage()
    head = repo.git("rev-parse", "HEAD").strip()
    config, reader = Config(), BlobReader(repo.path)
    try:
        changes, findings = derive_changes(
            list_staged_changes(repo.path, head),
            Tree(repo.path, head, reader, config),
            Tree(repo.path, None, reader, config),
            config,
        )
    finally:
        reader.close()
    assert changes == []
    assert [(f.level, f.code, f.file) for f in findings] == [("info", "no_llm_setting", "docker-compose.yml")]


# -- end to end: priced like a config swap ----------------------------------------------------------


def _check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["check", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_env_example_swap_is_priced_like_a_config_swap(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli.test_cli import oracle_monthly

    app.write(".env.example", "SUMMARIZE_MODEL=gpt-4o-mini\nSUMMARIZE_API_KEY=\n")
    edit(
        app,
        ".aiopt.yaml",
        'watch: ["config/**/*.yaml", "prompts/**"]',
        'watch: ["config/**/*.yaml", "prompts/**", "**/.env*"]',
    )
    app.stage()
    app.commit("env template")
    edit(app, ".env.example", "SUMMARIZE_MODEL=gpt-4o-mini", "SUMMARIZE_MODEL=gpt-4o")
    code, data = _check(capsys)
    assert code == 1
    [change] = data["changes"]
    assert (change["file"], change["feature"], change["field"]) == (".env.example", "summarize", "model")
    assert change["delta_monthly_usd"] == pytest.approx(
        oracle_monthly("summarize", "gpt-4o") - oracle_monthly("summarize", "gpt-4o-mini"), abs=0.01
    )


def test_unread_watched_file_is_listed_not_silent(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write("config/feature_flags.yaml", "flags:\n  beta: true\n")
    app.stage()
    app.commit("flags")
    edit(app, "config/feature_flags.yaml", "beta: true", "beta: false")
    code, data = _check(capsys)
    assert code == 0
    assert [(f["level"], f["code"]) for f in data["findings"]] == [("info", "no_llm_setting")]
    capsys.readouterr()
    assert main(["explain"]) == 0
    assert "config/feature_flags.yaml: watched, but holds no model setting or prompt" in capsys.readouterr().out


def test_settings_keys_in_json_point_at_their_line_quickly() -> None:
    import time

    doc = {f"group{i}": {**{f"key{j}": j for j in range(40)}, "chat_model": "gpt-4o"} for i in range(600)}
    text = json.dumps(doc, indent=1)
    started = time.perf_counter()
    specs = extract_call_specs("config/app.json", text)
    assert time.perf_counter() - started < 5  # one index of the keys, not a scan per key
    lines = text.splitlines()
    assert len(specs) == 600 and all('"chat_model": "gpt-4o"' in lines[s.lines["model"] - 1] for s in specs)
    assert len({s.lines["model"] for s in specs}) == 600
