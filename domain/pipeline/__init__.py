"""A recommendation as a pipeline over one list of candidates: sources retrieve (a fallback chain tries them in
order, fusion merges them), adjusters change scores, selectors choose the page, the pager carries page state.
"""
