from __future__ import annotations

from engine.codes import ALPHABET, code_prefix, new_code, normalise_code


def test_codes_are_random_and_well_formed():
    codes = {new_code("TVH", 2026) for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert normalise_code(code) == code
        assert set(code.split("-")[2]) <= set(ALPHABET)


def test_typed_codes_are_forgiven():
    assert normalise_code(" tvh-2026-7k3m9qx ") == "TVH-2026-7K3M9QX"
    assert normalise_code("TVH-2026-OIL0000") == "TVH-2026-0110000"
    assert normalise_code("TVH2026") is None
    assert normalise_code("'; DROP TABLE cases; --") is None
    assert normalise_code("") is None


def test_prefix_from_unit_code():
    assert code_prefix("tra-vinh") == "TRAV"
    assert code_prefix("---") == "ND"
