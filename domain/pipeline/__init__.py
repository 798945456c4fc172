"""A recommendation as a pipeline over one list of candidates: retrieve, filter, score, order.

- stages.py: what stages pass each other (Retrieval, Entry, Pool, Trace) and the Source protocol
- sources.py, popular.py, trending.py: sources (query/session/similar-product KNN, keyword; popular, top rated;
  trending)
- fallback.py: sources tried in order as data (FallbackChain), a pool topped up from another (ToppedUp)
- fusion.py: several sources merged by reciprocal rank (Hybrid)
- behaviour.py: co-engaged neighbours of seed products (Behaviour), a query's behaviour bonus, the weights
- behaviour_fusion.py: behaviour and session candidates scored w_b·b + w_s·cos (BehaviourAndSession)
- user_reads.py, search_vectors.py: the user's reads beside the other stages; the vector a source searches near
- adjusters.py: bonuses subtracted from scores (AffinityBoost; Ranking adds up a tuple of them)
- selectors.py: the relevance floor, then TopK or MMR (Diverse)
- pins.py: products placed at fixed positions around the selector's choice (Pins)
- rules.py: merchandising rules as these stages: HIDE as hidden filters, BOOST/BURY as an adjuster (RuleBoost),
  PIN looked up by id with the request's filters (PinLookup)
- ranking.py: floor, adjusters, selector and pins applied to a pool, each item with its explanation
- pager.py: page state in (the served ids), page state out

domain/recommend.py, domain/similar.py and domain/related.py compose them; adding a source is its own module, one
line in `recommend_sources` (or a use case's wiring), its enum values and its test.
"""
