"""Pure recommendation core: models, filter validation, vector math, re-ranking, use cases.

Nothing here imports Redis, Strawberry or fastembed; adapters implement the ports in `domain.ports`.
"""
