"""A bucket's listing as containers: folders, their counts, folding when they are too many."""

from __future__ import annotations

import pytest

from leakhound.probes.objects.api import Entry
from leakhound.probes.objects.inventory import Listing, extension_of, folder_of


@pytest.mark.parametrize(
    ("key", "folder", "ext"),
    [
        pytest.param("READ_ME.txt", "", ".txt", id="root"),
        pytest.param("exports/2005/cases.csv", "exports/2005/", ".csv", id="folder"),
        pytest.param("backups/db.sql.gz", "backups/", ".sql.gz", id="compressed"),
        pytest.param("bin/agent", "bin/", "", id="no-extension"),
        pytest.param(".env", "", "", id="dotfile"),
        pytest.param("a/b.verylongextension", "a/", "", id="not-an-extension"),
    ],
)
def test_folder_and_extension_of_a_key(key: str, folder: str, ext: str) -> None:
    assert (folder_of(key), extension_of(key)) == (folder, ext)


def listing(*keys: str) -> Listing:
    found = Listing("b", "open")
    for n, key in enumerate(keys):
        size = 0 if key.endswith("/") else 10 * (n + 1)
        found.add(Entry(key, size, f"2019-01-0{n % 9 + 1}T00:00:00Z"))
    return found


def test_each_folder_is_a_container_with_its_counts_and_dates() -> None:
    got = listing("a.csv", "x/1.csv", "x/2.json", "x/", "y/z/3.csv").containers(100)
    by_name = {c.name: c for c in got}
    assert list(by_name) == ["b/", "b/x/", "b/y/z/"]
    x = by_name["b/x/"]
    assert (x.store_bytes, x.details["objects"], x.details["largest_object"]) == (50, 2, 30)
    assert (x.details["modified_oldest"], x.details["modified_newest"]) == (
        "2019-01-02T00:00:00Z",
        "2019-01-03T00:00:00Z",
    )
    assert x.date_min is None  # the records' own dates are unknown before they are read
    assert x.details["extensions"] == {".csv": 1, ".json": 1}
    assert x.docs is None and not x.docs_exact
    assert x.details["bucket"] == "b" and x.details["prefix"] == "x/" and not x.details["below"]


def test_too_many_folders_fold_level_by_level_into_their_parents() -> None:
    keys = [f"users/{n}/avatar.png" for n in range(50)] + ["exports/2019/a.csv", "top.csv"]
    got = listing(*keys).containers(5)
    assert [(c.name, c.details["objects"], c.details["below"]) for c in got] == [
        ("b/", 1, False),
        ("b/exports/2019/", 1, False),
        ("b/users/*", 50, True),
    ]


def test_a_room_of_one_folds_everything_into_the_bucket() -> None:
    got = listing("a/1", "b/2", "c/3", "top").containers(1)
    assert [(c.name, c.details["objects"], c.details["prefix"]) for c in got] == [("b/*", 4, "")]


def test_ransom_notes_and_meow_names_flag_their_folder() -> None:
    (c,) = listing("READ_ME.txt").containers(10)
    assert c.compromised and "ransom note" in c.compromise_reasons[0]
    (m,) = listing("dumps/customers-meow.csv").containers(10)
    assert m.compromised


def test_labels_beyond_the_cap_are_counted_as_other() -> None:
    (c,) = listing(*[f"f.e{n}" for n in range(30)]).containers(10)
    assert sum(c.details["extensions"].values()) == 30 and "other" in c.details["extensions"]


def test_a_folder_named_by_personal_data_is_folded_into_the_folder_above_it() -> None:
    # One folder a customer: the folder's name would be written in every report.
    got = listing(
        "users/jane.doe@gmail.com/cv.pdf",
        "users/max@web.de/2020/a.csv",
        "users/+33 6 12 34 56 78/x.txt",
        "users/readme.txt",
        "exports/2019/a.csv",
        "orders/20191231/x.json",
    ).containers(100)
    by_name = {c.name: c for c in got}
    assert list(by_name) == ["b/exports/2019/", "b/orders/20191231/", "b/users/*"]
    users = by_name["b/users/*"]
    assert users.details["objects"] == 4 and users.details["below"]
    assert not [c for c in got if "@" in c.name or "12 34" in c.name]


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(
            ("users/jane.doe@gmail.com/cv.pdf", "users/archive/2019.csv", "other/a.csv"),
            id="beside-a-folder",
        ),
        pytest.param(
            ("jane.doe@gmail.com/cv.pdf", "exports/2019/a.csv", "users/readme.txt"),
            id="at-the-root",
        ),
        pytest.param(
            (
                "a/jane.doe@gmail.com/x.csv",
                "a/b/max@web.de/y.csv",
                "a/b/c/z.csv",
                "a/d/w.csv",
            ),
            id="nested",
        ),
    ],
)
def test_each_object_is_in_one_container_once_personal_folders_are_folded(
    keys: tuple[str, ...],
) -> None:
    # A folded folder ("users/*") is read with everything below it: a folder beside the
    # personal one, left a container of its own, would be listed, sampled and read twice.
    got = listing(*keys).containers(100)
    assert sum(c.details["objects"] for c in got) == len(keys)
    for key in keys:
        holders = [
            c
            for c in got
            if (key.startswith(c.details["prefix"]) and c.details["below"])
            or key.rpartition("/")[0] + "/" == c.details["prefix"]
            or ("/" not in key and c.details["prefix"] == "")
        ]
        assert len(holders) == 1, (key, [c.name for c in holders])
    assert not [c for c in got if "@" in c.name]
