"""Casework: young people's records and the referrals made for them."""
