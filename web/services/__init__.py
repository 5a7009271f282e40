"""Services: what pages and the API call. The only code that knows both ORM rows and engine dataclasses."""
