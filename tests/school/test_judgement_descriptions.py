"""The school's own descriptions of the giudizi sintetici (primary school, O.M. 3/2025): the
defaults of lib.grades until the office writes its own, at /gestione/, only for its institute's
primary schools."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campanella.lib.grades import DEFAULT_BEHAVIOUR_DESCRIPTIONS, DEFAULT_SYNTHETIC_DESCRIPTIONS
from campanella.school.models import JudgementDescription, School, SchoolKind
from campanella.school.selectors import judgement_descriptions
from campanella.school.services import judgement_descriptions_fill
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def primary_of(cast: Cast) -> School:
    return f.SchoolFactory(institute=cast.institute, name="Primaria A", kind=SchoolKind.PRIMARY)


def test_defaults_until_the_school_writes_its_own(
    cast: Cast, django_assert_num_queries: object
) -> None:
    school = primary_of(cast)
    with django_assert_num_queries(1):  # type: ignore[operator]
        texts = judgement_descriptions(school.pk)
    assert list(texts) == [
        "ottimo", "distinto", "buono", "discreto", "sufficiente", "non_sufficiente",
    ]  # fmt: skip
    assert texts == {code: DEFAULT_SYNTHETIC_DESCRIPTIONS[code] for code in texts}
    JudgementDescription.objects.create(
        school=school, area="apprendimento", code="buono", description="Testo della scuola."
    )
    assert judgement_descriptions(school.pk)["buono"] == "Testo della scuola."
    assert judgement_descriptions(school.pk)["ottimo"] == DEFAULT_SYNTHETIC_DESCRIPTIONS["ottimo"]
    assert judgement_descriptions(school.pk, "comportamento") == {
        code: DEFAULT_BEHAVIOUR_DESCRIPTIONS[code] for code in texts
    }


def test_fill_writes_the_missing_defaults_for_primary_schools_only(cast: Cast) -> None:
    school = primary_of(cast)
    JudgementDescription.objects.create(
        school=school, area="apprendimento", code="buono", description="Nostro."
    )
    assert len(judgement_descriptions_fill(school=school)) == 11
    assert judgement_descriptions_fill(school=school) == []
    assert JudgementDescription.objects.get(school=school, code="buono", area="apprendimento")
    assert judgement_descriptions(school.pk)["buono"] == "Nostro."
    assert judgement_descriptions_fill(school=cast.school) == []  # a liceo


def test_the_office_creates_a_primary_school_with_its_giudizi_to_edit(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("admin:school_school_add"),
        {
            "institute": cast.institute.pk, "name": "Primaria «Rodari»", "code": "MOEE81701X",
            "kind": SchoolKind.PRIMARY, "city": "Modena",
        },
    )  # fmt: skip
    assert response.status_code == 302
    school = School.objects.get(code="MOEE81701X")
    assert JudgementDescription.objects.filter(school=school).count() == 12
    row = JudgementDescription.objects.get(school=school, area="apprendimento", code="ottimo")
    url = reverse("admin:school_judgementdescription_change", args=[row.pk])
    page = client.get(url).content.decode()
    assert "Ottimo" in page
    response = client.post(
        url,
        {"school": school.pk, "area": "apprendimento", "code": "ottimo",
         "description": "Padroneggia con sicurezza."},
    )  # fmt: skip
    assert response.status_code == 302
    assert judgement_descriptions(school.pk)["ottimo"] == "Padroneggia con sicurezza."
    listing = client.get(reverse("admin:school_judgementdescription_changelist")).content.decode()
    assert listing.index("Ottimo") < listing.index("Non sufficiente")


def test_only_primary_schools_of_the_office_institute(cast: Cast) -> None:
    school = primary_of(cast)
    judgement_descriptions_fill(school=school)
    row = JudgementDescription.objects.filter(school=school).first()
    assert row is not None
    client = cast.client_for(cast.office)
    add = reverse("admin:school_judgementdescription_add")
    refused = client.post(
        add, {"school": cast.school.pk, "area": "apprendimento", "code": "buono",
              "description": "Un liceo non ha giudizi sintetici."},
    )  # fmt: skip
    assert refused.status_code == 200
    assert not JudgementDescription.objects.filter(school=cast.school).exists()
    # Another institute's office sees nothing and changes nothing.
    foreign = cast.client_for(cast.foreign_office)
    listing = foreign.get(reverse("admin:school_judgementdescription_changelist"))
    assert row.description not in listing.content.decode()
    url = reverse("admin:school_judgementdescription_change", args=[row.pk])
    foreign.post(url, {"school": school.pk, "area": row.area, "code": row.code,
                       "description": "Scritto da fuori."})  # fmt: skip
    row.refresh_from_db()
    assert row.description != "Scritto da fuori."
    # Teachers and families: the management site does not exist.
    for user in (cast.teacher, cast.guardian):
        assert cast.client_for(user).get(url).status_code == 404


def test_a_description_for_a_secondary_school_is_refused_in_italian(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    record = JudgementDescription(
        school=cast.school, area="apprendimento", code="buono", description="x"
    )
    with pytest.raises(ValidationError, match="della scuola primaria"):
        record.full_clean()
