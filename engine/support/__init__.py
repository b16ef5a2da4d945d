""""Làm dân tin" and "Mỗi tuần một điểm đến": the vocabularies, money and lengths as
people type them, and the fund ledger's chain. The services that write these rows are
``engine.services.support``, ``engine.services.fund`` and ``engine.services.visits``."""
