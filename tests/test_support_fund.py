"""The fund ledger and support activities through the services: money parsed from
what people type, spending from the fund in the activity's transaction, refusals that
write nothing (negative, absurd, over the balance, another commune, stale, reversed
twice), reversals as new entries, and the public month without personal data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidField, NotFound, UnitNotAllowed
from engine.models import FundEntry, FundLedger, SupportActivity
from engine.services.fund import NewIncome, StaleLedger
from engine.services.support import NewActivity
from engine.support.amounts import parse_dong, parse_km

DAY = date(2026, 11, 2)  # the first Monday of November


@pytest.fixture
def fund(container, world):
    return container.fund


@pytest.fixture
def support(container, world):
    return container.support


def counts(sessions) -> tuple[int, int]:
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(FundEntry)),
                s.scalar(select(func.count()).select_from(SupportActivity)))


@pytest.mark.parametrize("typed, dong", [
    ("26.500.000", 26_500_000), ("26 500 000", 26_500_000), ("26,5 triệu", 26_500_000), ("128,5 triệu đồng", 128_500_000),
    ("500 nghìn", 500_000), ("2 tỷ", 2_000_000_000), ("150000đ", 150_000), (3_000_000, 3_000_000),
])
def test_amounts_as_people_type_them(typed, dong):
    assert parse_dong("value", typed) == dong


@pytest.mark.parametrize("typed", ["-5000", -1, 1.5, "1,2345 nghìn", "11 tỷ", "12.34.567", "abc", "1e9", True,
                                   "99999999999"])
def test_absurd_amounts_are_refused(typed):
    with pytest.raises(InvalidField) as err:
        parse_dong("value", typed)
    assert err.value.params["field"] == "value" and err.value.message("vi")


def test_lengths_are_whole_metres():
    assert parse_km("length_km", "46,3") == 46_300 and parse_km("length_km", "0.125") == 125
    for bad in ("-1", "1001", "1,00005", "nan", "inf", 2.5):
        with pytest.raises(InvalidField):
            parse_km("length_km", bad)


def test_income_then_spending_from_the_fund(fund, support, world, sessions):
    fund.record_income(world["off_a"], NewIncome("A", DAY, "1.000.000", donor="Nguyễn Văn Hảo"))
    fund.record_income(world["off_a"], NewIncome("A", DAY, "500 nghìn"))  # anonymous
    view = support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=DAY, category="poor",
                                                     households=2, value="1,2 triệu", source="fund",
                                                     beneficiaries="Trần Thị Mai, Lê Văn Tư"))
    assert view.value == 1_200_000 and view.commune == "A" and view.fund_entry_seq == 3
    count, balance, entries = fund.entries(world["lead_a"], "A")
    assert (count, balance) == (3, 300_000)
    assert [(e.seq, e.kind, e.amount, e.purpose) for e in entries] == [
        (3, "spending", -1_200_000, "gift"), (2, "income", 500_000, ""), (1, "income", 1_000_000, "")]
    # Names: full to the commune's officials, initials to the Front, nothing across communes.
    assert entries[2].donor == "Nguyễn Văn Hảo"
    assert fund.entries(world["aud_p"], "A")[2][2].donor == "N.V.H."
    assert support.get(world["aud_p"], view.id).beneficiaries == "T.T.M., L.V.T."
    with pytest.raises(NotFound):
        fund.entries(world["off_b"], "A")
    with sessions() as s:
        assert s.get(FundLedger, s.scalar(select(FundEntry.commune_id))).balance == 300_000


def test_spending_over_the_balance_is_refused_and_writes_nothing(fund, support, world, sessions):
    fund.record_income(world["off_a"], NewIncome("A", DAY, 1_000_000))
    before = counts(sessions)
    with pytest.raises(InvalidField) as err:
        support.record(world["off_a"], NewActivity(kind="new_house", unit="A2", held_on=DAY, houses=1,
                                                   value="44 triệu", source="fund"))
    assert err.value.params["field"] == "amount" and "1.000.000" in err.value.message("vi")
    assert counts(sessions) == before
    # Paid by socialised contributions, the fund is not touched.
    support.record(world["off_a"], NewActivity(kind="new_house", unit="A2", held_on=DAY, houses=1, value="44 triệu",
                                               source="socialised"))
    assert counts(sessions) == (before[0], before[1] + 1)


@pytest.mark.parametrize("change, field", [
    (dict(value="-100.000"), "value"), (dict(value="20 tỷ"), "value"), (dict(value=0.5), "value"),
    (dict(households=-1), "households"), (dict(households=0), "households"), (dict(kind="bribe"), "kind"),
    (dict(category="rich"), "category"), (dict(source="loan"), "source"), (dict(held_on="2027-01-01"), "held_on"),
    (dict(unit="NOPE"), "unit"), (dict(description="a\u202eb"), "description"), (dict(length_km="3"), "length_km"),
    (dict(meeting_id=999999), "meeting_id"), (dict(meeting_id="1; drop"), "meeting_id"),
    (dict(description="d" * 401), "description"), (dict(beneficiaries="\x00"), "beneficiaries"),
])
def test_hostile_activities_are_refused(support, world, sessions, change, field):
    fields = dict(kind="gift", unit="A1", held_on=DAY, households=1, value="200 nghìn", source="budget")
    fields.update(change)
    with pytest.raises(InvalidField) as err:
        support.record(world["off_a"], NewActivity(**fields))
    assert err.value.params["field"] == field
    assert counts(sessions) == (0, 0)


def test_another_communes_fund_and_units(fund, support, world, sessions):
    with pytest.raises(UnitNotAllowed):
        support.record(world["off_b"], NewActivity(kind="gift", unit="A1", held_on=DAY, households=1, value=1,
                                                   source="budget"))
    with pytest.raises(NotFound):  # another commune's ledger does not exist for them
        fund.record_income(world["off_b"], NewIncome("A", DAY, 100_000))
    with pytest.raises(UnitNotAllowed):  # the Front reads, never writes
        fund.record_income(world["aud_p"], NewIncome("A", DAY, 100_000))
    with pytest.raises(InvalidField):  # a fund is a commune's, not a village's
        fund.record_income(world["off_a"], NewIncome("A1", DAY, 100_000))
    with pytest.raises(InvalidField) as err:  # longer than its column: refused, not a database error
        fund.record_income(world["off_a"], NewIncome("A", DAY, 100_000, donor="Đ" * 201))
    assert err.value.params["field"] == "donor"
    assert counts(sessions) == (0, 0)


def test_reversal_is_a_new_entry_once_by_a_leader(fund, world, sessions):
    fund.record_income(world["off_a"], NewIncome("A", DAY, "2 triệu", note="Thu lễ chào cờ"))
    fund.record_income(world["off_a"], NewIncome("A", DAY, "200.000"))
    with pytest.raises(UnitNotAllowed):
        fund.reverse(world["off_a"], "A", 2, "Ghi nhầm")
    with pytest.raises(InvalidField):
        fund.reverse(world["lead_a"], "A", 2, "   ")
    with pytest.raises(StaleLedger):  # the page showed one entry; there are two now
        fund.reverse(world["lead_a"], "A", 2, "Ghi nhầm", expected_count=1)
    view = fund.reverse(world["lead_a"], "A", 2, "Ghi nhầm", expected_count=2)
    assert (view.seq, view.kind, view.amount, view.reverses_seq) == (3, "reversal", -200_000, 2)
    for seq in (2, 3):
        with pytest.raises(InvalidField):
            fund.reverse(world["lead_a"], "A", seq, "Lần nữa")
    with pytest.raises(NotFound):
        fund.reverse(world["lead_a"], "A", 99, "Không có")
    count, balance, entries = fund.entries(world["lead_a"], "A")
    assert (count, balance) == (3, 2_000_000) and entries[1].reversed
    with sessions() as s:  # nothing edited: the original row is as it was written
        assert s.scalar(select(FundEntry.amount).where(FundEntry.seq == 2)) == 200_000


def test_reversing_income_already_spent_is_refused(fund, support, world):
    fund.record_income(world["off_a"], NewIncome("A", DAY, "1 triệu"))
    support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=DAY, households=2, value="800 nghìn"))
    with pytest.raises(InvalidField) as err:
        fund.reverse(world["lead_a"], "A", 1, "Ghi nhầm")
    assert err.value.params["field"] == "amount"


def test_public_month_statement(fund, support, world, clock):
    fund.record_income(world["off_a"], NewIncome("A", date(2026, 10, 5), "3 triệu", donor="Bí mật"))
    fund.record_income(world["off_a"], NewIncome("A", DAY, "2 triệu", donor="Nguyễn Văn Hảo"))
    support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=DAY, households=2, value="1 triệu",
                                               beneficiaries="Trần Thị Mai"))
    support.record(world["off_a"], NewActivity(kind="sanitation", unit="A1", held_on=DAY, households=1,
                                               value="1.450.000"))
    fund.reverse(world["lead_a"], "A", 4, "Nhập sai số tiền")  # dated today (23/11): still November
    st = fund.statement("A", 2026, 11)
    assert (st.opening, st.income, st.spending, st.closing) == (3_000_000, 2_000_000, 1_000_000, 4_000_000)
    assert st.spending_by_purpose == {"gift": 1_000_000}
    assert "Hảo" not in repr(st) and "Mai" not in repr(st)
    october = fund.statement("A", 2026, 10)
    assert (october.opening, october.income, october.closing) == (0, 3_000_000, 3_000_000)
    with pytest.raises(NotFound):
        fund.statement("A1", 2026, 11)
    with pytest.raises(InvalidField):
        fund.statement("A", 2026, 13)
