"""Catalog changes through the service on real Redis and the real model (and on the fakes)."""

import math
from typing import Any

import numpy as np
import pytest

from domain.errors import InvalidInput
from domain.filters import ProductFilter, RecommendRequest
from domain.service import RecommenderService

pytestmark = pytest.mark.anyio


def _product(pid: str, **changes: Any) -> dict[str, object]:
    return {
        "id": pid,
        "name": "Moonlit hammock",
        "description": "A silk hammock for stargazing nights.",
        "category": "Camping",
        "brand": "Nightowl",
        "price": 79.0,
        "rating": 4.5,
        "in_stock": True,
        **changes,
    }


async def test_upsert_embeds_new_products_and_changed_text_only(service: RecommenderService) -> None:
    p001 = await service.index.get_vector("p001")
    assert p001 is not None
    unchanged_text = {**vars(p001[0]), "price": 1.0}
    done = await service.upsert_products([_product("new-1"), unchanged_text, _product("p002")])
    assert (done.created, done.updated, done.embedded) == (1, 2, 2)
    assert done.product_ids == ["new-1", "p001", "p002"]
    stored = await service.index.get_vector("p001")
    assert stored is not None and stored[0].price == 1.0 and np.array_equal(stored[1], p001[1])
    got = await service.recommend(RecommendRequest(query="silk hammock for stargazing", user_id="c", k=2))
    assert {c.product.id for c in got.items} == {"new-1", "p002"}
    assert got.items[0].product.category == "camping" and got.items[0].product.brand == "nightowl"
    [expected] = await service.embedder.embed(["Moonlit hammock. A silk hammock for stargazing nights."])
    new = await service.index.get_vector("new-1")
    assert new is not None and float(np.dot(new[1], expected)) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("items", "argument"),
    [
        ([], "products"),
        ([_product(f"n{i}") for i in range(501)], "products"),
        ([_product("a"), _product("b"), _product("a")], "products[2].id"),
        ([_product("a"), _product("b"), _product("c"), _product("d", price=math.nan)], "products[3].price"),
        ([_product("a", rating=6)], "products[0].rating"),
        ([_product("a", category=" ")], "products[0].category"),
        ([_product("a:b")], "products[0].id"),
        ([_product("a", name="Moonlit\x00hammock")], "products[0].name"),  # C0
        ([_product("a", name="Moonlit\thammock")], "products[0].name"),  # a name is one line
        ([_product("a", name="Moonlit\x9bhammock")], "products[0].name"),  # C1
        ([_product("a", description="A silk\x1b[31m hammock.")], "products[0].description"),  # a terminal escape
        ([_product("a", description="A silk\x85hammock.")], "products[0].description"),  # C1, though Python's space
        ([_product("a", description="A silk\x7f hammock.")], "products[0].description"),  # DEL
    ],
    ids=[
        *("empty", "501", "duplicate", "nan", "rating", "category", "id"),
        *("name-c0", "name-tab", "name-c1", "description-escape", "description-c1", "description-del"),
    ],
)
async def test_a_bad_batch_changes_nothing(
    service: RecommenderService, items: list[dict[str, object]], argument: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.upsert_products(items)
    assert caught.value.argument == argument
    assert (await service.index.info()).num_docs == 60
    assert await service.index.get("a") is None


async def test_a_description_keeps_its_lines_and_tabs(service: RecommenderService) -> None:
    text = "A silk hammock.\r\n\tFor stargazing nights."
    await service.upsert_products([_product("lines", description=text)])
    stored = await service.index.get("lines")
    assert stored is not None and stored.description == text


@pytest.mark.parametrize(
    ("patch", "argument"), [({"name": "Lamp\nshade"}, "name"), ({"description": "A\x00"}, "description")]
)
async def test_a_patch_with_control_characters_changes_nothing(
    service: RecommenderService, patch: dict[str, object], argument: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.update_products([{"id": "p003", "price": 5.0}, {"id": "p004", **patch}])
    assert caught.value.argument == f"patches[1].{argument}"
    p003 = await service.index.get("p003")
    assert p003 is not None and p003.price != 5.0


async def test_out_of_stock_is_gone_from_the_very_next_in_stock_query(service: RecommenderService) -> None:
    request = RecommendRequest(query="warm jacket for winter", k=5, filters=ProductFilter(in_stock_only=True))
    top = (await service.recommend(request)).items[0].product
    done = await service.update_products([{"id": top.id, "in_stock": False}, {"id": "nope", "price": 3.0}])
    assert (done.updated, done.not_found) == (1, ["nope"])
    assert top.id not in [c.product.id for c in (await service.recommend(request)).items]
    assert await service.index.get("nope") is None
    stored = await service.index.get(top.id)
    assert stored is not None and not stored.in_stock and stored.name == top.name


async def test_a_new_name_re_embeds_and_a_bad_patch_changes_nothing(service: RecommenderService) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.update_products([{"id": "p003", "price": 5.0}, {"id": "p004", "rating": -1.0}])
    assert caught.value.argument == "patches[1].rating"
    p003 = await service.index.get("p003")
    assert p003 is not None and p003.price != 5.0
    await service.update_products([{"id": "p040", "name": "Ultralight titanium spork"}])
    got = await service.recommend(RecommendRequest(query="Ultralight titanium spork", k=1))
    assert got.items[0].product.id == "p040"


async def test_delete_reports_what_was_not_there(service: RecommenderService) -> None:
    done = await service.delete_products(["p001", "zzz"])
    assert (done.deleted, done.not_found) == (1, ["zzz"])
    assert await service.index.get("p001") is None and (await service.index.info()).num_docs == 59
    with pytest.raises(InvalidInput) as caught:
        await service.delete_products(["p002", "p002"])
    assert caught.value.argument == "ids[1]"
