"""The floor every group stands on: access checks, audit, errors, dates, postcodes, the API's plumbing."""
