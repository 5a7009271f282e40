"""The demo world: synthetic authorities, people, placements and intelligence for trying the product."""
