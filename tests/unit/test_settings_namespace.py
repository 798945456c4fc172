"""Settings.namespaced: every key a store writes moves under the root, so runs sharing one Redis share none."""

from bootstrap.settings import Settings

PRODUCTS = {"key_prefix"}  # the product hashes go with the index: sharing them is the caller's choice


def _store_keys(settings: Settings) -> dict[str, str]:
    """Every setting that names a Redis key or key prefix a store writes."""
    return {
        name: value
        for name, value in settings.model_dump().items()
        if name.endswith(("_key", "_prefix")) and isinstance(value, str) and name not in PRODUCTS
    }


def test_every_store_key_goes_under_the_root_and_nothing_else_changes() -> None:
    plain = Settings()
    keys = _store_keys(plain)
    assert {"user_prefix", "popularity_key", "co_engagement_key", "experiment_key", "scenario_key"} <= set(keys)
    a, b = plain.namespaced("run-a:"), plain.namespaced("run-b:")
    assert all(value.startswith("run-a:") for value in _store_keys(a).values()), _store_keys(a)
    assert not set(_store_keys(a).values()) & set(_store_keys(b).values())
    unchanged = {name for name in Settings.model_fields if name not in keys}
    assert {name: getattr(a, name) for name in unchanged} == {name: getattr(plain, name) for name in unchanged}
