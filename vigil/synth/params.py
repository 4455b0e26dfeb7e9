"""The knobs of a generated world, drawn from its seed so that worlds differ in structure.

A detector that is right on one world only because of its role rates, ring sizes or degree is
overfitted; drawing every knob from a range per seed makes the generator a family of worlds.
Any knob can be fixed by passing it to `generate_world(**params)`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np


@dataclass
class WorldParams:
    # platforms
    n_platforms: int = 3  # 2: main + microblog; 3: + a real-name professional network
    micro_share: float = 0.3  # microblog accounts per main-platform account
    pro_share: float = 0.25
    # rates per account of the main platform (the microblog uses the same, scaled)
    seller: float = 0.003
    ring_size: float = 12.0  # mean sellers per ring
    buyer_per_seller: float = 1.0
    facilitator_per_ring: float = 2.0
    backup: float = 0.15  # share of sellers that went quiet and re-created an account
    advocate: float = 0.0015
    journalist: float = 0.0005
    adult_creator: float = 0.004
    adult_fans_per_creator: float = 3.0
    teen: float = 0.04
    teen_trader_share: float = 0.3  # of teens
    art_seller: float = 0.02
    benign_promo: float = 0.0008
    default_avatar: float = 0.08
    stock_avatar_users: int = 25  # accounts sharing one stock picture (another no-identity image)
    # text
    obf: float = 0.5  # share of code words written obfuscated
    combo: float = 0.15  # of those, share with two methods
    misspell: float = 0.05  # share of code words misspelled (not normalisable)
    tag_suffix: float = 0.3
    quiet_seller: float = 0.15  # sellers with a clean bio, signals only in stories and posts
    seller_minor_claim: float = 0.7  # sellers whose text states an age under 18
    seller_code_rate: float = 0.7  # share of seller bios and posts that carry a code word
    n_code_words: int = 8
    n_emergent: int = 2  # code words sellers use that the lexicon does not know
    # behaviour
    outdeg: float = 15.0  # mean follows of an ordinary account
    p_in_community: float = 0.7
    posts_mean: float = 4.0
    like_rate: float = 0.3
    comment_rate: float = 0.15
    seller_ring_density: float = 0.5
    buyer_sellers: float = 5.0  # mean sellers a buyer follows
    buyer_comment: float = 0.8  # share of buyers who write request comments
    buyer_identity: float = 0.5  # share of buyers with a real-name profile on the pro platform
    curious_followers: float = 1.5  # benign accounts per seller who follow it anyway
    advocate_follows: float = 3.0  # sellers an advocate follows to monitor
    buyer_adult_follow: float = 0.3  # share of buyers who also follow adult creators
    seller_teen_follow: float = 1.0  # mean teen accounts a seller follows
    cross_platform: float = 0.15  # share of benign people with an account on the microblog too
    seller_cross: float = 0.6  # share of main sellers who also run a microblog account
    # media
    seller_media_known: float = 0.25  # share of seller media that is a near-copy of a bank hash
    bank_random: int = 2000
    bank_md5: int = 300
    # recommendations
    viewer_frac: float = 0.25
    recs_per_surface: int = 8
    # export
    broken_lines: int = 120
    images: bool = True
    # Knobs the `hard` preset moves (their defaults reproduce the default worlds exactly).
    preset: str = "default"
    seller_terse: float = 0.0  # seller posts that are only a code emoji / code tag / "dm" (no sale words)
    bio_code_floor: float = 0.5  # least chance that a (non-quiet) seller bio carries a code word
    quiet_bio_updates: bool = False  # sellers with a clean bio keep their bio updates clean too
    seller_menu_post: float = 0.3  # chance a seller's feed post (not a story) carries the menu
    emergent_ring: float = 0.2  # rings that moved to a word the lexicon does not know
    buyer_like: float = 0.85  # chance a buyer likes a seller it follows
    buyer_message: float = 0.6  # chance a buyer messages a seller it follows
    facilitator_benign: float = 0.0  # share of a promo account's posts that promote benign shops
    advocate_obf: float = 0.5  # share of an advocate's quotes written obfuscated
    adult_age_claim: float = 1.0  # adult creators whose bio states "18+" (the rest state no age)
    teen_sale_words: float = 0.0  # teen item-trade posts written with sale words, prices and payment apps
    backup_notice: float = 0.6  # chance an original's last post points at its backup
    backup_new_handle: float = 0.0  # backups with a fresh handle unrelated to the original's
    edge_keep: float = 1.0  # share of edges the export holds (a partial export drops the rest)
    external_edges: float = 0.005  # follows pointing at accounts outside the export
    missing_accounts: float = 0.0  # benign accounts referenced by edges but absent from accounts
    hashtags_field: float = 0.6  # posts whose export carries the hashtags field (else: from the text)
    n_seeds_max: int = 3


RANGES: dict[str, tuple] = {
    "n_platforms": ("choice", [2, 3, 3, 3]),
    "micro_share": (0.2, 0.45),
    "pro_share": (0.15, 0.35),
    "seller": (0.0015, 0.005),
    "ring_size": (5.0, 25.0),
    "buyer_per_seller": (0.5, 2.0),
    "facilitator_per_ring": (1.0, 4.0),
    "backup": (0.08, 0.3),
    "advocate": (0.0008, 0.003),
    "journalist": (0.0002, 0.001),
    "adult_creator": (0.002, 0.008),
    "adult_fans_per_creator": (2.0, 6.0),
    "teen": (0.02, 0.07),
    "teen_trader_share": (0.1, 0.5),
    "art_seller": (0.01, 0.04),
    "benign_promo": (0.0003, 0.002),
    "default_avatar": (0.04, 0.15),
    "stock_avatar_users": ("int", 5, 60),
    "obf": (0.25, 0.85),
    "combo": (0.0, 0.3),
    "misspell": (0.0, 0.15),
    "tag_suffix": (0.1, 0.5),
    "quiet_seller": (0.0, 0.4),
    "seller_minor_claim": (0.4, 0.95),
    "seller_code_rate": (0.4, 0.9),
    "n_code_words": ("int", 5, 12),
    "n_emergent": ("int", 0, 4),
    "outdeg": (8.0, 25.0),
    "p_in_community": (0.5, 0.85),
    "posts_mean": (2.5, 7.0),
    "like_rate": (0.15, 0.45),
    "comment_rate": (0.05, 0.25),
    "seller_ring_density": (0.25, 0.8),
    "buyer_sellers": (3.0, 9.0),
    "buyer_comment": (0.5, 0.95),
    "buyer_identity": (0.3, 0.8),
    "curious_followers": (0.5, 3.0),
    "advocate_follows": (1.0, 6.0),
    "buyer_adult_follow": (0.0, 0.6),
    "seller_teen_follow": (0.0, 3.0),
    "cross_platform": (0.05, 0.25),
    "seller_cross": (0.3, 0.9),
    "seller_media_known": (0.1, 0.5),
    "bank_random": ("int", 500, 4000),
    "bank_md5": ("int", 100, 600),
    "viewer_frac": (0.15, 0.35),
    "recs_per_surface": ("int", 5, 12),
    "broken_lines": ("int", 40, 250),
}


# The `hard` preset: the same world family, drawn from ranges where the network hides better and
# the decoys look more like it. Each knob is a realistic behaviour seen in this kind of network:
# sellers who keep bios clean and post only emoji or codes, slang the lexicon has not caught up
# with, buyers who only follow, like and message, promo pages that also promote ordinary shops,
# monitors who follow many sellers and quote their obfuscated words, adult creators who state no
# age, teenagers who "sell" game items with prices and payment apps, rings from tiny to large,
# backups under fresh handles, and partial exports (edges missing, accounts referenced but absent,
# no hashtags field). Drawn per seed, like the default ranges, so hard worlds differ as well.
HARD_RANGES: dict[str, tuple] = {
    "ring_size": ("choice", [3.0, 4.0, 6.0, 10.0, 30.0, 45.0]),
    "backup": (0.15, 0.4),
    "quiet_seller": (0.3, 0.7),
    "seller_code_rate": (0.15, 0.45),
    "seller_minor_claim": (0.2, 0.6),
    "seller_media_known": (0.0, 0.15),
    "obf": (0.6, 0.95),
    "combo": (0.2, 0.5),
    "misspell": (0.05, 0.25),
    "n_emergent": ("int", 2, 5),
    "emergent_ring": (0.3, 0.7),
    "seller_terse": (0.2, 0.5),
    "seller_menu_post": (0.0, 0.1),
    "bio_code_floor": (0.0, 0.2),
    "quiet_bio_updates": ("choice", [True]),
    "seller_ring_density": (0.1, 0.5),
    "seller_teen_follow": (1.0, 5.0),
    "curious_followers": (2.0, 6.0),
    "buyer_sellers": (1.5, 6.0),
    "buyer_comment": (0.05, 0.4),
    "buyer_like": (0.3, 0.7),
    "buyer_message": (0.7, 0.95),
    "buyer_adult_follow": (0.3, 0.8),
    "facilitator_benign": (0.2, 0.6),
    "advocate_follows": (5.0, 15.0),
    "advocate_obf": (0.8, 1.0),
    "adult_age_claim": (0.3, 0.7),
    "teen_trader_share": (0.3, 0.6),
    "teen_sale_words": (0.3, 0.8),
    "backup_notice": (0.1, 0.4),
    "backup_new_handle": (0.3, 0.8),
    "default_avatar": (0.02, 0.3),
    "edge_keep": (0.5, 0.85),
    "external_edges": (0.02, 0.15),
    "missing_accounts": (0.05, 0.3),
    "hashtags_field": (0.0, 0.3),
    "n_seeds_max": ("int", 1, 2),
}
PRESETS = {"default": {}, "hard": HARD_RANGES}


def _draw(rng: np.random.Generator, spec: tuple):
    if spec[0] == "choice":
        return spec[1][int(rng.integers(len(spec[1])))]
    if spec[0] == "int":
        return int(rng.integers(spec[1], spec[2] + 1))
    return float(rng.uniform(*spec))


def draw_params(rng: np.random.Generator, overrides: dict, preset: str = "default") -> WorldParams:
    """Knobs for one world: each drawn from its range (the preset's where it has one), unless the
    caller fixed it."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    known = {f.name for f in fields(WorldParams)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown world parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    values = {}
    for name, spec in RANGES.items():  # always draw, so a fixed knob does not shift the others
        values[name] = _draw(rng, spec)
    if PRESETS[preset]:
        # A stream of its own: the default draws above stay what they are for this seed.
        hrng = np.random.default_rng(rng.integers(1 << 62))
        for name, spec in PRESETS[preset].items():
            values[name] = _draw(hrng, spec)
        values["preset"] = preset
    values.update(overrides)
    return WorldParams(**{k: v for k, v in values.items() if k in known})


def as_dict(p: WorldParams) -> dict:
    return asdict(p)
