"""The only way into the database: typed functions over the ORM, each list in a fixed order.

Pages and API handlers never import this package; services do (a test enforces it).
"""
