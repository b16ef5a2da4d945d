"""Benchmarks: ``make bench``. Every figure stands next to a baseline measured in
the same run on the same database (raw SQLAlchemy Core doing the same writes)."""
