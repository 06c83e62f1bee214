"""A verdict's reason fits 500 characters by its variable parts: its fixed words, its end
above all, are kept; a list names fewer and counts the rest; items said alike are counted."""

from __future__ import annotations

from leakhound.probes.reason import Fit, few, fitted, listed


def test_the_variable_part_is_cut_and_the_end_kept() -> None:
    said = fitted("head: ", Fit("x" * 600, "600 x", ")"), "; the why", limit=100)
    assert len(said) == 100
    assert said.startswith("head: xxx")
    assert said.endswith("…); the why")


def test_with_no_room_left_a_variable_part_is_its_short_form() -> None:
    said = fitted("h" * 90, Fit("x" * 50, "; 50 x"), "!", limit=100)
    assert said == "h" * 90 + "; 50 x!"


def test_the_room_is_shared_and_a_short_part_kept_whole() -> None:
    said = fitted(Fit("a" * 10), " ", Fit("b" * 200), " ", Fit("c" * 200), limit=101)
    assert said.startswith("a" * 10 + " ")
    assert len(said) == 101
    assert said.count("b") == said.count("c") - 1 or said.count("b") == said.count("c")


def test_a_list_names_fewer_then_none_never_losing_its_count() -> None:
    items = [f"name-{n}-" + "x" * 40 for n in range(5)]
    part = listed(items, " (", short="")
    assert part.within(1000) == f" ({items[0]}, {items[1]}, {items[2]} and 2 more)"
    assert part.within(70) == f" ({items[0]} and 4 more)"
    assert part.within(40) == " (name-0-xxxxxxxxxxxx… and 4 more)"
    assert part.within(20) == ""


def test_items_said_alike_are_said_once_with_how_many() -> None:
    assert few(["u-j***@g***.com", "u-j***@g***.com", "hr"]) == "u-j***@g***.com ×2, hr"
    assert few(["a", "b", "b", "c", "d", "e"]) == "a, b ×2, c and 2 more"


def test_fixed_words_over_the_limit_are_cut_at_the_end() -> None:
    assert fitted("y" * 30, limit=10) == "y" * 9 + "…"
