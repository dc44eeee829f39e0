"""The demo's teaching materials: in every classroom, the teacher of its first subject shares,
through the same service a school uses, a folder with a link and a short text of study tips, so
a demo family and a demo student find something to open and download."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from campanella.comms.materials.models import Material, MaterialKind
from campanella.comms.materials.rules import WRITING_TEACHINGS
from campanella.comms.materials.services import MaterialDraft, material_create
from campanella.school.models import SchoolYear, Teaching

TIPS = (
    "Consigli per lo studio\n\n"
    "1. Rileggere gli appunti il giorno stesso della lezione.\n"
    "2. Svolgere gli esercizi assegnati prima di guardare le soluzioni.\n"
    "3. Annotare i dubbi e portarli alla lezione successiva.\n"
)


def generate_materials(*, institute_id: int, year: SchoolYear) -> int:
    """Items shared (none if the institute has some already). One folder, one link and one
    file per classroom, by the teacher of the classroom's first subject (by name)."""
    if Material.objects.filter(classroom__school__institute_id=institute_id).exists():
        return 0
    teachings = (
        Teaching.objects.filter(
            classroom__school_year=year,
            classroom__school__institute_id=institute_id,
            kind__in=WRITING_TEACHINGS,
            teacher__user__isnull=False,
        )
        .select_related("teacher__user", "subject", "classroom")
        .order_by("classroom_id", "subject__name", "pk")
    )
    made = 0
    seen: set[int] = set()
    for teaching in teachings:
        if teaching.classroom_id in seen:
            continue
        seen.add(teaching.classroom_id)
        user = teaching.teacher.user
        assert user is not None
        room, subject = teaching.classroom_id, teaching.subject_id
        folder = material_create(
            user=user, classroom_id=room, subject_id=subject,
            draft=MaterialDraft(kind=MaterialKind.FOLDER, title="Materiali del primo periodo",
                                description="Schede ed esercizi da svolgere a casa."),
        ).material  # fmt: skip
        material_create(
            user=user, classroom_id=room, subject_id=subject,
            draft=MaterialDraft(kind=MaterialKind.LINK, title="Enciclopedia Treccani",
                                url="https://www.treccani.it/enciclopedia/",
                                parent_id=folder.pk),
        )  # fmt: skip
        tips = TIPS.encode()
        upload = SimpleUploadedFile("consigli-per-lo-studio.txt", tips, "text/plain")
        material_create(
            user=user, classroom_id=room, subject_id=subject,
            draft=MaterialDraft(kind=MaterialKind.FILE, title="Consigli per lo studio",
                                parent_id=folder.pk),
            upload=upload, upload_name=upload.name or "", upload_size=len(tips),
        )  # fmt: skip
        made += 3
    return made
