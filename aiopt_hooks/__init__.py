"""aiopt-hooks: a local-only guard against LLM cost accidents, run on `git commit`."""
