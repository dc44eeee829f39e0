from tests.routes import ApiTable, PageTable


def nothing(cast: object) -> dict[str, object]:
    return {}


PAGES: PageTable = {
    "accounts:home": (nothing, 200, 302),  # their own (empty) home
    "accounts:login": (nothing, 302, 200),
    "accounts:login_code": (nothing, 302, 302),  # no password step pending
    "accounts:logout": (nothing, 405, 405),  # POST only
    "accounts:password_change": (nothing, 200, 302),  # one's own password
    "accounts:switch_child": (nothing, 405, 405),  # POST only; other children: test_portfolio
    "accounts:profile": (nothing, 200, 302),  # one's own profile
    "accounts:email_link": (nothing, 405, 405),
    "accounts:email_confirm": (lambda c: {"token": "forged"}, 400, 400),
    "accounts:merge": (nothing, 404, 404),  # nothing pending in this session
    "accounts:logout_everywhere": (nothing, 405, 405),
    "accounts:totp_setup": (nothing, 200, 302),  # one's own 2-step setup
    "accounts:totp_off": (nothing, 405, 405),
    "accounts:recover": (nothing, 200, 200),  # public by nature
    "accounts:recover_choose": (nothing, 302, 302),  # no username given yet
    "accounts:recover_sent": (nothing, 200, 200),
    "accounts:recover_confirm": (lambda c: {"uidb64": "MQ", "token": "forged"}, 200, 200),
    "accounts:office_credentials": (nothing, 404, 302),
    "accounts:office_issue_classroom": (lambda c: {"pk": c.classroom_1a.pk}, 405, 405),
    "accounts:office_issue_new": (nothing, 405, 405),
    "accounts:office_batch": (lambda c: {"pk": 1}, 404, 302),
    "accounts:office_batch_pdf": (lambda c: {"pk": 1, "kind": "alunni"}, 404, 302),
    "accounts:office_access": (nothing, 404, 302),
    "accounts:office_unlock": (nothing, 405, 405),
    "accounts:office_reset_password": (lambda c: {"user_id": c.guardian.pk}, 405, 405),
}

API: ApiTable = {
    ("post", "/api/v1/auth/token"): 422,  # no body: invalid input, nothing issued
    ("delete", "/api/v1/auth/token"): 204,  # revoking one's own token is always allowed
    ("get", "/api/v1/me"): 200,  # one's own identity, with no students
}
