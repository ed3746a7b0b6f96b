"""What kind of request a log row is, from its model: chat (text generation) or another kind
(embeddings, moderation, audio, images) whose rows carry no feature tag more often and say nothing
about how well the chat features are tagged."""

from __future__ import annotations

import re

OTHER_KINDS = (
    ("embedding", re.compile(r"embed|^text-similarity|^bge-|^e5-|^gte-|^nomic-|^voyage-(?!.*chat)", re.IGNORECASE)),
    ("moderation", re.compile(r"moderation|^llama-guard|shieldgemma", re.IGNORECASE)),
    ("audio", re.compile(r"whisper|^tts-|-tts\b|transcribe|^gpt-4o-(mini-)?audio|speech|^eleven_", re.IGNORECASE)),
    ("image", re.compile(r"^dall-e|^gpt-image|^imagen|stable-diffusion|^sdxl|^flux", re.IGNORECASE)),
    ("rerank", re.compile(r"rerank", re.IGNORECASE)),
)


def request_kind(model: str) -> str:
    """`chat`, or the other kind the model name says (`embedding`, `moderation`, `audio`, `image`, `rerank`)."""
    bare = model.strip().rsplit("/", 1)[-1]
    for kind, pattern in OTHER_KINDS:
        if pattern.search(bare):
            return kind
    return "chat"
