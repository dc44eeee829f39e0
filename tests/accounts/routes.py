from tests.routes import ApiTable, PageTable

PAGES: PageTable = {
    "accounts:home": (lambda c: {}, 200, 302),  # their own (empty) home
    "accounts:login": (lambda c: {}, 302, 200),
    "accounts:logout": (lambda c: {}, 405, 405),  # POST only
}

API: ApiTable = {
    ("post", "/api/v1/auth/token"): 422,  # no body: invalid input, nothing issued
    ("delete", "/api/v1/auth/token"): 204,  # revoking one's own token is always allowed
    ("get", "/api/v1/me"): 200,  # one's own identity, with no students
}
