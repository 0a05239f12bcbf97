"""Developer scripts, run from the repository root (tools/docs.py: the generated parts of docs/)."""
