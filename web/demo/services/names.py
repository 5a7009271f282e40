"""Invented names for the synthetic demo world: groups, providers and demo staff.

Every name here is made up for the demo. Group names are deliberately abstract
(colours, birds, shapes) and never a place, a street or a real gang; provider
names are invented trading names, not real fostering agencies or care companies.
Any resemblance to a real group or business is coincidence. Children are never
named anywhere in the demo world: they carry pseudonymous references only.
"""

from __future__ import annotations

# Fictional groups (gang "intelligence" in the demo). Sixteen, so a seed can pick 12–16.
GROUP_NAMES: tuple[str, ...] = (
    "Redline",
    "Blue Arrow",
    "Northside Crew",
    "Silver Fox",
    "Black Kite",
    "Copper Ring",
    "Falcon Set",
    "Jade Circle",
    "Amber Wave",
    "Nine Stars",
    "Static Crew",
    "Kestrel Crew",
    "Paper Lantern",
    "Orange Tide",
    "Quartz Set",
    "Magpie Crew",
)

# Independent and voluntary fostering agencies (PR4 private, PR5 voluntary).
FOSTERING_AGENCIES: tuple[tuple[str, str], ...] = (
    ("Brookfield Fostering", "PR4"),
    ("Willowmere Fostering", "PR4"),
    ("Kinfold Family Placements", "PR4"),
    ("Thistledown Fostering", "PR4"),
    ("Bright Hearth Fostering", "PR4"),
    ("Harbourlight Foster Care", "PR5"),
    ("Open Door Family Trust", "PR5"),
)

# Specialist foster schemes for exploited and gang-affected young people.
SPECIALIST_FOSTERING_SCHEMES: tuple[tuple[str, str], ...] = (
    ("Safe Harbour Specialist Fostering", "PR5"),
    ("Lodestar Intensive Fostering", "PR4"),
    ("Anchorpoint Fostering", "PR4"),
)

# Children's homes operators (K2).
CHILDRENS_HOME_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("Oakridge Care", "PR4"),
    ("Larkspur Children's Homes", "PR4"),
    ("Meadowbank Care Group", "PR4"),
    ("Cedar Path Care", "PR4"),
    ("Fernlea Homes", "PR4"),
    ("Stillwater Care", "PR4"),
    ("Hollybrook Trust", "PR5"),
)

# Supported accommodation providers for 16- and 17-year-olds (K3).
SUPPORTED_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("Stepstone Housing", "PR4"),
    ("Beacon Rise Supported Living", "PR4"),
    ("Keystone Youth Housing", "PR5"),
    ("Next Chapter Living", "PR4"),
)

# Secure children's homes (K1).
SECURE_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("Greystone Secure Children's Home", "PR1"),
    ("Moorview Secure Centre", "PR1"),
    ("Northgate Secure Unit", "PR5"),
)

# Demo staff: invented people for the demo accounts (role, authority slug) -> name.
DEMO_STAFF: dict[tuple[str, str], str] = {
    ("placement_officer", "manchester"): "Alex Marsh",
    ("social_worker", "manchester"): "Priya Holloway",
    ("nominated_officer", "manchester"): "Sam Okafor",
    ("director", "manchester"): "Jordan Whitlow",
    ("commissioner", "manchester"): "Morgan Ashby",
    ("admin", "manchester"): "Casey Lindqvist",
    ("placement_officer", "salford"): "Robin Ferris",
    ("social_worker", "salford"): "Taylor Brannigan",
}
