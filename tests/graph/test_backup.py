"""Handle resemblance for backup detection: near-identical names only, naming patterns never."""

from __future__ import annotations

import numpy as np

from vigil.graph.backup import HANDLE_SIMILAR, handle_similarity, similar_pairs, skeleton


def test_recreated_handles_resemble_and_others_do_not():
    assert handle_similarity(skeleton("real.gianna.store27"), skeleton("real.gianna.store")) == 1.0
    assert handle_similarity(skeleton("real_aish_98"), skeleton("real_aisha_stor")) == 1.0
    assert handle_similarity(skeleton("liam.jones"), skeleton("liam.shop")) < HANDLE_SIMILAR
    # A promoter named after the seller it pushes is not that seller.
    assert handle_similarity(skeleton("valeriapromo"), skeleton("x_valeria")) < HANDLE_SIMILAR


def test_a_shared_naming_pattern_is_no_identity():
    handle = np.array(["user_1", "user_2", "user_3", "user_4", "real.mira.store", "real.mira.store9"], dtype=object)
    platform = np.array(["pg"] * 6, dtype=object)
    pairs = similar_pairs(np.array([1, 2, 3, 5]), np.array([0, 4]), platform, handle)
    assert [(c, s) for c, s, _ in pairs] == [(5, 4)]


def test_same_handle_on_another_platform_is_not_a_backup():
    handle = np.array(["real.mira.store", "real.mira.store9"], dtype=object)
    platform = np.array(["pg", "chirp"], dtype=object)
    assert similar_pairs(np.array([1]), np.array([0]), platform, handle) == []


def test_a_kept_name_fragment_counts_unless_the_trade_shares_it():
    from vigil.graph.backup import _rare_fragment

    sellers = [skeleton(h) for h in ("farahwal_menu", "hugosinsells", "kwamegarsells", "ana.sells", "mo_sells",
                                     "kenjixo")]
    frag = _rare_fragment(sellers)
    assert frag("itsfarah949", "farahwal_menu") == len("farahwal") - 3  # "farah"
    assert frag("kenji.vibes", "kenjixo") == len("kenji")
    # "sells" is in four sellers' handles: a naming pattern of the trade, not a piece of one name.
    assert frag("hugosinsells", "kwamegarsells") < 3
