"""Handles that hold a shared name's words in another order are not a retyped handle.

`tomas_hiking` / `hiking.tomas` under one display name: the residues agree (`hiking`), but a
first name and a hobby word in either order are what namesakes pick too; a person restyling a
handle keeps its arrangement. Such a pair is not linked on name and handle alone."""

from __future__ import annotations

from tests.link.test_link import DEFAULT_AVATAR, accounts_table, background, pair, run
from vigil.link.profiles import build_profiles
from vigil.link.compare import handles_reordered


def _namesakes(other_handle: str) -> list[dict]:
    return background() + [
        {"platform": "photogram", "account_id": "s1", "handle": "tomas_hiking", "display_name": "Tomas Nguyen",
         "profile_image_pdq": DEFAULT_AVATAR},
        {"platform": "chirp", "account_id": "c1", "handle": other_handle, "display_name": "Tomas Nguyen"},
    ]


def test_reordered_words_are_detected_and_retyped_handles_are_not():
    prof = build_profiles(accounts_table([
        {"platform": "a", "account_id": "1", "handle": "tomas_hiking"},
        {"platform": "b", "account_id": "2", "handle": "hiking.tomas"},
        {"platform": "b", "account_id": "3", "handle": "tomas.hiking"},
        {"platform": "b", "account_id": "4", "handle": "tomashiking7"},
    ]))
    assert handles_reordered(prof, 0, 1)
    assert not handles_reordered(prof, 0, 2)  # a separator changed: the same arrangement
    assert not handles_reordered(prof, 0, 3)  # a number added


def test_name_and_reordered_handle_do_not_link():
    links = run(_namesakes("hiking.tomas"), [("photogram", "s1")])
    assert pair(("photogram", "s1"), ("chirp", "c1")) not in links


def test_name_and_retyped_handle_still_link():
    """The control: the same evidence with the handle's arrangement kept is a link."""
    links = run(_namesakes("tomas.hiking"), [("photogram", "s1")])
    assert pair(("photogram", "s1"), ("chirp", "c1")) in links
