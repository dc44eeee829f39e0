from tests.routes import ApiTable, PageTable

PAGES: PageTable = {}
API: ApiTable = {}
