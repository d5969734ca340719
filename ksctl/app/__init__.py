"""The use-cases: plan, apply, show and import as functions that return results.

Each builds its target through the composition root (`ksctl/compose.py`) and calls the
engine, apply and the renderers; the command line (`ksctl/cli.py`) does all the click
I/O around them (prompts, progress, exit codes). See docs/architecture.md.
"""
