"""Onboard: `aiopt init` (write a first `.aiopt.yaml`) and `aiopt explain` (what the guard sees)."""
