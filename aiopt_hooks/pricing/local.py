"""Local and self-hosted models (`ollama/llama3.1:8b`, `hosted_vllm/...`, `lm_studio/...`, `llamacpp/...`):
no price list knows what your machine costs, so such a model is never looked up in the public price
data (a hosted namesake's price would be wrong) and never priced as $0 unless `prices:` says so.
"""

from __future__ import annotations

import json

# LiteLLM-style provider prefixes (and `provider:` values) of models served on your own machines.
LOCAL_RUNTIMES = {
    "ollama": "Ollama",
    "ollama_chat": "Ollama",
    "hosted_vllm": "vLLM",
    "vllm": "vLLM",
    "lm_studio": "LM Studio",
    "lmstudio": "LM Studio",
    "llamacpp": "llama.cpp",
    "llama_cpp": "llama.cpp",
    "llamafile": "llamafile",
    "localai": "LocalAI",
    "xinference": "Xinference",
    "triton": "Triton",
    "tgi": "text-generation-inference",
    "huggingface_tgi": "text-generation-inference",
}


def local_runtime(ref: str, provider: str | None = None) -> str | None:
    """The runtime serving a local or self-hosted model reference, else None."""
    prefix = ref.strip().split("/", 1)[0].lower() if "/" in ref else ""
    return LOCAL_RUNTIMES.get(prefix) or LOCAL_RUNTIMES.get((provider or "").strip().lower())


def local_model_message(feature: str, ref: str, runtime: str) -> str:
    """The finding's text: what the model is, and the `prices:` line that prices it."""
    entry = f"prices: {{{json.dumps(ref)}: {{input: 0, output: 0}}}}"
    return (
        f"{feature}: {ref!r} is a local or self-hosted model ({runtime}): it has no per-token price, and "
        f"the guard does not assume $0 on its own. Price it in .aiopt.yaml: `{entry}` for a machine you "
        f"already pay for, or your machine's cost per 1M tokens as input/output, and the change is priced"
    )
