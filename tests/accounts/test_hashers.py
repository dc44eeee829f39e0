"""Passwords: argon2id at OWASP's parameters (accounts.hashers); hashes of Django's heavier
defaults still verify and are rehashed at the next login."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)
from django.test import override_settings

from campanella.accounts.hashers import SchoolArgon2PasswordHasher
from tests import factories as f

PRODUCTION = ["campanella.accounts.hashers.SchoolArgon2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=PRODUCTION)
def test_new_passwords_are_argon2id_at_owasps_parameters() -> None:
    encoded = make_password("una-password-lunga")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("una-password-lunga", encoded)
    assert not check_password("un'altra", encoded)


@override_settings(PASSWORD_HASHERS=PRODUCTION)
def test_a_hash_of_djangos_defaults_verifies_and_is_marked_for_rehashing() -> None:
    old = Argon2PasswordHasher().encode("una-password-lunga", Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    assert check_password("una-password-lunga", old)
    assert identify_hasher(old).must_update(old)
    assert not SchoolArgon2PasswordHasher().must_update(make_password("una-password-lunga"))


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=PRODUCTION)
def test_the_next_login_rehashes_an_old_password() -> None:
    user = f.UserFactory()
    user.password = Argon2PasswordHasher().encode("una-password-lunga", "saltsaltsaltsalt")
    user.save(update_fields=["password"])
    assert user.check_password("una-password-lunga")  # Django rehashes on a successful check
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
