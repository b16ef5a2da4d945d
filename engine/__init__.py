"""nghedan's domain: units, people, cases, workflows, deadlines and the audited history.

The engine imports nothing of the outer layers (web, notifications); they react to
the facts it writes. See docs/architecture.md.
"""
