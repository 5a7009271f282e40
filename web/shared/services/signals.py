"""Events one group announces and a higher group acts on, so the lower one need not import it.

Casework records a young person's group links and risk locations; the relocation review
(a group above matching, which casework must not import) re-checks where they live when
that intelligence changes. Receivers run at once, in the sender's request and transaction,
exactly as a direct call would: a failure in the re-check fails the change.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# Sent with the SignedInUser as sender and keyword arguments `person` (the YoungPerson row)
# and `what` (words for what changed, e.g. "The young person's group links").
young_person_intelligence_changed = _events.signal("young-person-intelligence-changed")
