"""The replica rotation's rules on small working fakes, and the Sentinel URL form."""

from typing import Any

import pytest
from redis.exceptions import BusyLoadingError, ConnectionError

from adapters.redis.replicas import Replica, SearchReads, in_sync
from adapters.redis.sentinel import is_sentinel_url, parse

pytestmark = pytest.mark.anyio

SYNCED = b"# Replication\r\nrole:slave\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n"
LOADED = b"# Persistence\r\nloading:0\r\n"


class FakeServer:
    """Answers every read with its name; `down` makes it refuse, `info` is what INFO reports."""

    def __init__(self, name: str, info: bytes = SYNCED + LOADED) -> None:
        self.name, self.info, self.down, self.served = name, info, False, 0

    async def command(self, *args: Any) -> Any:
        if self.down:
            raise ConnectionError("refused")
        if args[0] == "INFO":
            return self.info
        self.served += 1
        return self.name

    async def several(self, *commands: tuple[Any, ...]) -> list[Any]:
        return [await self.command(*args) for args in commands]


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ({"role": "slave", "master_link_status": "up", "master_sync_in_progress": "0", "loading": "0"}, True),
        ({"role": "slave", "master_link_status": "down", "master_sync_in_progress": "0", "loading": "0"}, False),
        ({"role": "slave", "master_link_status": "up", "master_sync_in_progress": "1", "loading": "0"}, False),
        ({"role": "slave", "master_link_status": "up", "master_sync_in_progress": "0", "loading": "1"}, False),
        ({"role": "master", "loading": "0"}, True),  # promoted: current by definition
        ({}, False),
    ],
)
def test_in_sync(info: dict[str, str], expected: bool) -> None:
    assert in_sync(info) is expected


async def test_reads_go_round_robin_to_replicas_in_sync_and_fall_back_when_one_dies() -> None:
    main, one, two = FakeServer("primary"), FakeServer("one"), FakeServer("two")
    reads = SearchReads(main, [Replica("one", one), Replica("two", two)], check_s=60)
    assert await reads.command("FT.SEARCH") == "primary"  # nothing probed yet: no replica in the rotation
    await reads.probe_all()
    assert [await reads.command("FT.SEARCH") for _ in range(4)] == ["one", "two", "one", "two"]
    one.down = True
    assert await reads.command("FT.SEARCH") == "primary"  # one's turn: it fails, the primary answers
    assert [await reads.command("FT.SEARCH") for _ in range(3)] == ["two", "two", "two"]
    assert reads.stats()["fallbacks"] == 1 and not reads.replicas[0].usable


async def test_a_replica_loading_or_syncing_is_kept_out_until_a_probe_passes() -> None:
    syncing = FakeServer("r", SYNCED.replace(b"link_status:up", b"link_status:down") + LOADED)
    replica = Replica("r", syncing)
    await replica.probe()
    assert not replica.usable and replica.failures == 1
    syncing.info = SYNCED + LOADED
    await replica.probe()
    assert replica.usable and replica.failures == 0


async def test_a_loading_replica_is_taken_out_on_the_read() -> None:
    class Loading(FakeServer):
        async def command(self, *args: Any) -> Any:
            if args[0] != "INFO":
                raise BusyLoadingError("LOADING Redis is loading the dataset in memory")
            return await super().command(*args)

    reads = SearchReads(FakeServer("primary"), [Replica("r", Loading("r"))], check_s=60)
    await reads.probe_all()
    assert await reads.command("FT.SEARCH") == "primary" and reads.replicas[0].outages == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis+sentinel://127.0.0.1:26379/shop", ([("127.0.0.1", 26379)], "shop", 0, None)),
        ("redis+sentinel://a:1,b:2/shop/3", ([("a", 1), ("b", 2)], "shop", 3, None)),
        ("redis+sentinel://:s%40cret@a/shop", ([("a", 26379)], "shop", 0, "s@cret")),
    ],
)
def test_sentinel_urls(url: str, expected: tuple[Any, ...]) -> None:
    assert is_sentinel_url(url) and parse(url) == expected


def test_a_sentinel_url_must_name_the_primary() -> None:
    assert not is_sentinel_url("redis://127.0.0.1:6379/0")
    with pytest.raises(ValueError, match="name the primary"):
        parse("redis+sentinel://127.0.0.1:26379")
