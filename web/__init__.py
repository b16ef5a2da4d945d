"""The composition root: settings, the app factory, the CLI and the worker wire
the engine and notifications together. Nothing below imports from here."""
