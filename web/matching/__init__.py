"""Matching: a referral's ranked options, the panel, and the decision with its care plan."""
