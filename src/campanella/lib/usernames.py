"""Usernames in the forms Italian families already know.

- students ``S`` + 6 digits + a check letter (``S123456X``);
- first guardian ``G`` + the same 6 digits + letter, second guardian ``X`` + … ;
- staff ``<SCHOOLCODE>.<number>`` with a school code of 4 letters + 4 digits
  (``YYXX0001.5555555``).

The check letter catches a mistyped digit on a paper credential letter before a login fails.
"""

from __future__ import annotations

import re
from typing import Literal

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q: they look like digits on paper
FAMILY_PATTERN = re.compile(r"^[SGX]\d{6}[A-Z]$")
STAFF_PATTERN = re.compile(r"^[A-Z]{4}\d{4}\.\d{1,9}$")
SCHOOL_CODE_PATTERN = re.compile(r"^[A-Z]{4}\d{4}$")

FamilyRole = Literal["student", "guardian1", "guardian2"]
PREFIXES: dict[FamilyRole, str] = {"student": "S", "guardian1": "G", "guardian2": "X"}


def check_letter(digits: str) -> str:
    weighted = sum((position + 1) * int(digit) for position, digit in enumerate(digits))
    return CHECK_LETTERS[weighted % len(CHECK_LETTERS)]


def family_username(role: FamilyRole, number: int) -> str:
    if not 0 < number < 1_000_000:
        raise ValueError("Il numero di matricola deve avere al massimo 6 cifre.")
    digits = f"{number:06d}"
    return f"{PREFIXES[role]}{digits}{check_letter(digits)}"


def is_family_username(value: str) -> bool:
    if not FAMILY_PATTERN.match(value):
        return False
    return value[-1] == check_letter(value[1:7])


def staff_username(school_code: str, number: int) -> str:
    if not SCHOOL_CODE_PATTERN.match(school_code):
        raise ValueError("Il codice scuola deve avere 4 lettere maiuscole e 4 cifre.")
    if number <= 0:
        raise ValueError("Il numero del personale deve essere positivo.")
    return f"{school_code}.{number}"


def is_staff_username(value: str) -> bool:
    return bool(STAFF_PATTERN.match(value))
