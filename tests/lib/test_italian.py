"""Tests for campanella.lib.italian and campanella.lib.fake_people (pure Python, no Django).

Run alone with: .venv/bin/python -m pytest tests/lib -p no:django -q
"""

from __future__ import annotations

import datetime
import random
import re
import string
from typing import Literal, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campanella.lib.fake_people import (
    COMUNI,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    MALE_NAMES,
    SURNAMES,
    FakePerson,
    fake_person,
)
from campanella.lib.italian import (
    CURRENT_PROVINCE_CODES,
    OMOCODIA_LETTERS,
    OMOCODIA_POSITIONS,
    PROVINCE_CODES,
    CodiceFiscaleInfo,
    ItalianCodeError,
    check_codice_fiscale,
    check_codice_meccanografico,
    codice_fiscale_check_char,
    codice_fiscale_matches,
    decode_codice_fiscale,
    make_codice_fiscale,
    normalize_codice_fiscale,
)

MARIO = "RSSMRA85T10A562S"


class PersonData(TypedDict):
    surname: str
    name: str
    birth_date: datetime.date


MARIO_DATA: PersonData = {
    "surname": "Rossi",
    "name": "Mario",
    "birth_date": datetime.date(1985, 12, 10),
}

UPPER_ALNUM = string.ascii_uppercase + string.digits


def omocode(code: str, positions: tuple[int, ...]) -> str:
    """Apply omocodia at the given 0-based positions and recompute the check character."""
    chars = list(code[:15])
    for index in positions:
        chars[index] = OMOCODIA_LETTERS[int(chars[index])]
    first_fifteen = "".join(chars)
    return first_fifteen + codice_fiscale_check_char(first_fifteen)


def error_message(value: str) -> str:
    with pytest.raises(ItalianCodeError) as excinfo:
        check_codice_fiscale(value)
    return str(excinfo.value)


# --- codice fiscale: known examples ----------------------------------------------------------


def test_classic_example_is_computed() -> None:
    assert make_codice_fiscale(**MARIO_DATA, sex="M", place_code="A562") == MARIO


def test_classic_example_checks_and_decodes() -> None:
    assert check_codice_fiscale(MARIO) == MARIO
    assert decode_codice_fiscale(MARIO) == CodiceFiscaleInfo(
        sex="M", birth_day=10, birth_month=12, birth_year_two_digits=85, place_code="A562"
    )


def test_normalization() -> None:
    assert normalize_codice_fiscale("  rss mra 85t10\ta562s ") == MARIO
    assert check_codice_fiscale(" rssmra85t10a562s") == MARIO


def test_check_char() -> None:
    assert codice_fiscale_check_char(MARIO[:15]) == "S"
    assert codice_fiscale_check_char(MARIO[:15].lower()) == "S"


@pytest.mark.parametrize("bad", ["", "RSSMRA85T10A56", "RSSMRA85T10A562SS", "RSS-RA85T10A562"])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ItalianCodeError):
        codice_fiscale_check_char(bad)


@pytest.mark.parametrize(
    "variant",
    [
        "RSSMRA85T10A56NH",  # last digit of the place code replaced (first omocodia level)
        "RSSMRA85T10A5SNT",  # two levels
        "RSSMRAURTMLARSNL",  # all seven digits replaced
    ],
)
def test_omocodia_variants_accepted(variant: str) -> None:
    assert check_codice_fiscale(variant) == variant
    assert decode_codice_fiscale(variant) == decode_codice_fiscale(MARIO)
    assert codice_fiscale_matches(variant, **MARIO_DATA, sex="M")


def test_omocodia_letter_outside_allowed_positions_is_refused() -> None:
    # "A" is not an omocodia letter, so it cannot stand for a digit of the year.
    assert "struttura" in error_message("RSSMRA8AT10A562S")


def test_woman_day_plus_forty() -> None:
    code = make_codice_fiscale(
        surname="Bianchi",
        name="Anna",
        birth_date=datetime.date(2012, 3, 5),
        sex="F",
        place_code="F257",
    )
    assert code[:11] == "BNCNNA12C45"
    info = decode_codice_fiscale(code)
    assert (info.sex, info.birth_day, info.birth_month, info.birth_year_two_digits) == (
        "F",
        5,
        3,
        12,
    )
    assert info.place_code == "F257"


@pytest.mark.parametrize(
    ("surname", "expected"),
    [
        ("D'Angelo", "DNG"),
        ("D ANGELO", "DNG"),
        ("De Luca", "DLC"),
        ("Dell'Acqua", "DLL"),
        ("Lo Russo", "LRS"),
        ("Fo", "FOX"),  # fewer than three letters: vowels, then X
        ("Ò", "OXX"),
        ("Müller", "MLL"),
        ("Àlvarez-Pérez", "LVR"),
    ],
)
def test_surname_part(surname: str, expected: str) -> None:
    code = make_codice_fiscale(
        surname=surname,
        name="Mario",
        birth_date=datetime.date(2000, 1, 1),
        sex="M",
        place_code="H501",
    )
    assert code[:3] == expected
    check_codice_fiscale(code)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nicolò", "NCL"),
        ("Nicolo", "NCL"),
        ("Gianfranco", "GFR"),  # four or more consonants: 1st, 3rd and 4th
        ("Francesca", "FNC"),
        ("Pier Paolo", "PPL"),
        ("Luca", "LCU"),
        ("Ugo", "GUO"),
        ("Al", "LAX"),
        ("Maria Grazia", "MGR"),
        ("Noè", "NOE"),
    ],
)
def test_name_part(name: str, expected: str) -> None:
    code = make_codice_fiscale(
        surname="Rossi",
        name=name,
        birth_date=datetime.date(2000, 1, 1),
        sex="F",
        place_code="H501",
    )
    assert code[3:6] == expected


def test_accents_do_not_change_the_code() -> None:
    day = datetime.date(2011, 9, 30)
    plain = make_codice_fiscale(
        surname="DANGELO", name="NICOLO", birth_date=day, sex="M", place_code="f839"
    )
    accented = make_codice_fiscale(
        surname="d'Angelo", name="Nicolò", birth_date=day, sex="M", place_code=" F839 "
    )
    assert plain == accented
    check_codice_fiscale(plain)


# --- codice fiscale: rejections with Italian messages -----------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Il codice fiscale è obbligatorio."),
        ("   ", "Il codice fiscale è obbligatorio."),
        ("RSSMRA85T10A562", "Il codice fiscale deve avere 16 caratteri."),
        ("RSSMRA85T10A562SX", "Il codice fiscale deve avere 16 caratteri."),
        ("RSSMRA85T10A562-", "Il codice fiscale può contenere solo lettere e cifre."),
        ("RSSMRÀ85T10A562S", "Il codice fiscale può contenere solo lettere e cifre."),
        ("RSSMRA85Z10A562S", "Il mese di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85F10A562S", "Il mese di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85T32A562S", "Il giorno di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85T00A562S", "Il giorno di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85T72A562S", "Il giorno di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85D31A562S", "Il giorno di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85B30A562S", "Il giorno di nascita indicato nel codice fiscale non è valido."),
        ("RSSMRA85T10A562T", "Il carattere di controllo del codice fiscale non è corretto."),
        ("RSSMRA85T10A5623", "Il codice fiscale non ha la struttura corretta"),
        ("12345678901ABCDE", "Il codice fiscale non ha la struttura corretta"),
    ],
)
def test_rejections(value: str, message: str) -> None:
    assert error_message(value).startswith(message)


def test_error_has_code_and_is_value_error() -> None:
    with pytest.raises(ValueError, match="16 caratteri") as excinfo:
        check_codice_fiscale("ABC")
    assert isinstance(excinfo.value, ItalianCodeError)
    assert excinfo.value.code == "cf_length"


def test_february_29_is_allowed_but_not_30() -> None:
    leap = make_codice_fiscale(
        surname="Rossi",
        name="Mario",
        birth_date=datetime.date(2000, 2, 29),
        sex="M",
        place_code="H501",
    )
    assert decode_codice_fiscale(leap).birth_day == 29


@pytest.mark.parametrize(
    "kwargs",
    [
        {"place_code": "H50"},
        {"place_code": "1501"},
        {"surname": "'' --"},
        {"name": "123"},
        {"sex": "X"},
    ],
)
def test_make_rejects_bad_data(kwargs: dict[str, str]) -> None:
    data: dict[str, object] = {
        "surname": "Rossi",
        "name": "Mario",
        "birth_date": datetime.date(2000, 1, 1),
        "sex": "M",
        "place_code": "H501",
        **kwargs,
    }
    with pytest.raises(ItalianCodeError):
        make_codice_fiscale(**data)  # type: ignore[arg-type]


# --- codice_fiscale_matches -------------------------------------------------------------------


def test_matches() -> None:
    assert codice_fiscale_matches(MARIO, **MARIO_DATA, sex="M")
    assert codice_fiscale_matches(MARIO.lower(), **MARIO_DATA, sex=" m ")
    # Birthplace is ignored on purpose.
    other_place = make_codice_fiscale(**MARIO_DATA, sex="M", place_code="H501")
    assert codice_fiscale_matches(other_place, **MARIO_DATA, sex="M")


@pytest.mark.parametrize(
    "changes",
    [
        {"surname": "Bianchi"},
        {"name": "Marco"},
        {"birth_date": datetime.date(1985, 12, 11)},
        {"birth_date": datetime.date(1985, 11, 10)},
        {"birth_date": datetime.date(1986, 12, 10)},
        {"sex": "F"},
        {"sex": "X"},
        {"surname": ""},
    ],
)
def test_does_not_match(changes: dict[str, object]) -> None:
    data: dict[str, object] = {**MARIO_DATA, "sex": "M", **changes}
    assert not codice_fiscale_matches(MARIO, **data)  # type: ignore[arg-type]


def test_invalid_code_never_matches() -> None:
    assert not codice_fiscale_matches("RSSMRA85T10A562T", **MARIO_DATA, sex="M")
    assert not codice_fiscale_matches("", **MARIO_DATA, sex="M")


# --- codice fiscale: properties ---------------------------------------------------------------

name_text = st.text(
    alphabet=st.sampled_from(list(string.ascii_letters + "àèéìòùÀÈÉÌÒÙçäöüñ' -")),
    min_size=1,
    max_size=25,
).filter(lambda text: any(char.isalpha() for char in text))
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31))
sexes: st.SearchStrategy[Literal["M", "F"]] = st.sampled_from(["M", "F"])
place_codes = st.from_regex(r"[A-Z][0-9]{3}", fullmatch=True)
omocodia_subsets = st.lists(st.sampled_from(OMOCODIA_POSITIONS), unique=True).map(tuple)


@settings(max_examples=300)
@given(surname=name_text, name=name_text, birth_date=birth_dates, sex=sexes, place=place_codes)
def test_made_codes_always_check(
    surname: str, name: str, birth_date: datetime.date, sex: Literal["M", "F"], place: str
) -> None:
    code = make_codice_fiscale(
        surname=surname, name=name, birth_date=birth_date, sex=sex, place_code=place
    )
    assert check_codice_fiscale(code) == code
    assert decode_codice_fiscale(code) == CodiceFiscaleInfo(
        sex=sex,
        birth_day=birth_date.day,
        birth_month=birth_date.month,
        birth_year_two_digits=birth_date.year % 100,
        place_code=place,
    )
    assert codice_fiscale_matches(code, surname=surname, name=name, birth_date=birth_date, sex=sex)


@settings(max_examples=300)
@given(
    birth_date=birth_dates,
    sex=sexes,
    place=place_codes,
    positions=omocodia_subsets,
)
def test_omocodia_variants_check_and_decode_the_same(
    birth_date: datetime.date, sex: Literal["M", "F"], place: str, positions: tuple[int, ...]
) -> None:
    code = make_codice_fiscale(
        surname="Esposito", name="Gennaro", birth_date=birth_date, sex=sex, place_code=place
    )
    variant = omocode(code, positions)
    assert check_codice_fiscale(variant) == variant
    assert decode_codice_fiscale(variant) == decode_codice_fiscale(code)
    assert codice_fiscale_matches(
        variant, surname="Esposito", name="Gennaro", birth_date=birth_date, sex=sex
    )


@settings(max_examples=500)
@given(
    birth_date=birth_dates,
    sex=sexes,
    place=place_codes,
    positions=omocodia_subsets,
    index=st.integers(min_value=0, max_value=15),
    replacement=st.sampled_from(list(UPPER_ALNUM)),
)
def test_single_character_change_is_refused(
    birth_date: datetime.date,
    sex: Literal["M", "F"],
    place: str,
    positions: tuple[int, ...],
    index: int,
    replacement: str,
) -> None:
    code = omocode(
        make_codice_fiscale(
            surname="Bianchi", name="Giulia", birth_date=birth_date, sex=sex, place_code=place
        ),
        positions,
    )
    if code[index] == replacement:
        return
    mutated = code[:index] + replacement + code[index + 1 :]
    # Stronger than "refused, or valid but decoding differently": with the official tables a
    # single substitution can never give another valid code. Digits and letters share a check
    # value only as 0/A ... 9/J, and no position accepts both members of such a pair (omocodia
    # letters are L..V); among letters, and among digits, the values are all distinct.
    with pytest.raises(ItalianCodeError):
        check_codice_fiscale(mutated)


# --- codice meccanografico --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MOIC817002", "MOIC817002"),
        ("MIIS00900T", "MIIS00900T"),
        ("RMPS12345X", "RMPS12345X"),
        ("MIIC8AC00T", "MIIC8AC00T"),
        (" moic 817002 ", "MOIC817002"),
        ("CIIC80000A", "CIIC80000A"),  # historical Carbonia-Iglesias
        ("MI1A123456", "MI1A123456"),  # paritaria
    ],
)
def test_meccanografico_valid(value: str, expected: str) -> None:
    assert check_codice_meccanografico(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Il codice meccanografico è obbligatorio."),
        ("MOIC81700", "Il codice meccanografico deve avere 10 caratteri."),
        ("MOIC8170022", "Il codice meccanografico deve avere 10 caratteri."),
        ("MOIC81700-", "Il codice meccanografico può contenere solo lettere e cifre"),
        ("1OIC817002", "Il codice meccanografico può contenere solo lettere e cifre"),
        ("MOIC81700È", "Il codice meccanografico può contenere solo lettere e cifre"),
        ("XXIC817002", "Il codice meccanografico deve iniziare con la sigla di una provincia"),
        ("ZZIC817002", "Il codice meccanografico deve iniziare con la sigla di una provincia"),
    ],
)
def test_meccanografico_invalid(value: str, message: str) -> None:
    with pytest.raises(ItalianCodeError) as excinfo:
        check_codice_meccanografico(value)
    assert str(excinfo.value).startswith(message)


def test_province_codes() -> None:
    assert len(CURRENT_PROVINCE_CODES) == 107
    assert {"RM", "MI", "MO", "MB", "BT", "FM", "SU", "AO", "VV"} <= CURRENT_PROVINCE_CODES
    assert {"CI", "VS", "OG", "OT"} <= PROVINCE_CODES
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in PROVINCE_CODES)


# --- fake people ------------------------------------------------------------------------------

STUDENTS = (datetime.date(2008, 9, 1), datetime.date(2019, 8, 31))
ADULTS = (datetime.date(1960, 1, 1), datetime.date(1995, 12, 31))
EMAIL_RE = re.compile(r"[a-z]+\.[a-z]+[0-9]{1,2}@example\.(org|net|com)")
PHONE_RE = re.compile(r"\+39 3[0-9]{2} [0-9]{3} [0-9]{4}")


def make_people(seed: int, count: int) -> list[FakePerson]:
    rng = random.Random(seed)
    return [fake_person(rng, born_between=STUDENTS) for _ in range(count)]


def test_fake_people_are_deterministic() -> None:
    assert make_people(7, 200) == make_people(7, 200)
    assert make_people(7, 200) != make_people(8, 200)


def test_fake_people_are_valid() -> None:
    people = make_people(2024, 2000)
    for person in people:
        assert check_codice_fiscale(person.codice_fiscale) == person.codice_fiscale
        info = decode_codice_fiscale(person.codice_fiscale)
        assert info.sex == person.sex
        assert info.place_code == person.birth_place_code
        assert (info.birth_day, info.birth_month) == (
            person.birth_date.day,
            person.birth_date.month,
        )
        assert codice_fiscale_matches(
            person.codice_fiscale,
            surname=person.surname,
            name=person.name,
            birth_date=person.birth_date,
            sex=person.sex,
        )
        assert STUDENTS[0] <= person.birth_date <= STUDENTS[1]
        assert EMAIL_RE.fullmatch(person.email), person.email
        assert person.email.rsplit("@", 1)[1] in EMAIL_DOMAINS
        assert PHONE_RE.fullmatch(person.phone), person.phone
        assert (person.name in MALE_NAMES) == (person.sex == "M")
    # Unique enough for a school: collisions need same name, surname, day and comune.
    assert len({person.codice_fiscale for person in people}) >= 1995
    assert {person.sex for person in people} == {"M", "F"}


def test_fake_person_options() -> None:
    rng = random.Random(3)
    child = fake_person(rng, born_between=STUDENTS, sex="F")
    assert child.sex == "F"
    assert child.name in FEMALE_NAMES
    parent = fake_person(rng, born_between=ADULTS, sex="M", surname=child.surname)
    assert parent.surname == child.surname
    assert parent.codice_fiscale[:3] == child.codice_fiscale[:3]
    day = datetime.date(2015, 5, 17)
    assert fake_person(rng, born_between=(day, day)).birth_date == day
    with pytest.raises(ValueError, match="born_between"):
        fake_person(rng, born_between=(day, day - datetime.timedelta(days=1)))


def test_fake_people_lists() -> None:
    assert len(MALE_NAMES) >= 120
    assert len(FEMALE_NAMES) >= 120
    assert len(SURNAMES) >= 300
    assert len(COMUNI) >= 40
    for names in (MALE_NAMES, FEMALE_NAMES, SURNAMES, COMUNI):
        assert len(set(names)) == len(names)
    assert not set(MALE_NAMES) & set(FEMALE_NAMES)
    assert {"D'Amico", "De Santis", "Dell'Acqua", "Lo Russo"} <= set(SURNAMES)
    assert len({code for _name, code in COMUNI}) == len(COMUNI)
    assert all(re.fullmatch(r"[A-Z][0-9]{3}", code) for _name, code in COMUNI)
    known = {"Roma": "H501", "Milano": "F205", "Napoli": "F839", "Modena": "F257"}
    assert known.items() <= dict(COMUNI).items()
