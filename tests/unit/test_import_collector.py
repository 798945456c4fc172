"""The cycle collector's settings during an import are put back after it, even when the import fails, and a
process's own freeze is left as it was."""

import gc

import pytest

from adapters.import_collector import IMPORT_GC_THRESHOLD, import_collector


def test_the_collector_is_put_back_after_a_failed_import() -> None:
    before = (gc.get_threshold(), gc.get_freeze_count())
    with pytest.raises(RuntimeError), import_collector():
        assert gc.get_threshold()[0] == IMPORT_GC_THRESHOLD and gc.get_freeze_count() > 0
        raise RuntimeError("the import failed")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_a_freeze_the_process_made_itself_is_kept() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with import_collector():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
