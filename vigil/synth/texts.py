"""Bios, posts and comments of each kind of account, from templates and the world's vocabulary.

The point of the decoy kinds is that they share surface features with the network: advocates
quote the code words, adult creators post menus and prices, art sellers say "prices in dm",
teens state their age and trade, adult fans ask "how much?". Only the combination tells them
apart, which is what a detector must learn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vigil.synth.obfuscate import misspell, obfuscate, tag_variant
from vigil.synth.words import GENERIC_EMOJI, INTERESTS

# Generic sale, contact, payment and backup phrases (not abuse terms). The lexicon of a world
# takes a subset; the rest stay unknown to it, as in a real operator's list.
SALE_PHRASES = ["menu in bio", "dm for prices", "prices in dm", "for sale", "selling", "vip access",
                "open for customs", "check my menu", "taking orders", "limited slots", "new drops daily",
                "bundles available", "dm to buy"]
PAYMENT_WORDS = ["cashapp", "cash app", "venmo", "paypal", "gift card", "giftcard", "crypto ok", "zelle"]
CONTACT_FORMS = ["tg: @{h}", "telegram @{h}", "t.me/{h}", "snap: {h}", "kik: {h}", "discord.gg/{h}",
                 "wickr {h}", "session id in dm"]
BACKUP_PHRASES = ["follow my backup", "backup acc", "new acc", "old acc got deleted", "main got banned"]
TRADE_PHRASES = ["trade", "trades open", "swap", "trading"]
REQUEST_COMMENTS = ["how much", "how much?", "dm'd", "dmd you", "interested", "price?", "menu?", "sent u a msg",
                    "still selling?", "is vip open", "check dm", "prices pls", "want the bundle", "👀 dm'd",
                    "hm?", "rates?", "how much for vip", "sent $", "cost?", "dm me the menu", "paid, check dm",
                    "is it still available", "cashapp ready", "how do i buy", "pm'd", "need the link"]
BENIGN_COMMENTS = ["love this", "so good!", "😍", "amazing", "where is this?", "congrats!", "🔥🔥", "need this",
                   "haha same", "beautiful", "goals", "wow", "so cute", "nice one", "🙌", "omg yes"]
ART_ITEMS = ["print", "sticker sheet", "commission slot", "original painting", "zine", "pin"]
GAME_ITEMS = ["skins", "rare pets", "loot crates", "limited emotes", "gold trophies", "card packs"]
GRADES = ["8th grade", "9th grade", "10th grade", "11th grade", "freshman", "sophomore", "hs"]
PRICE_ITEMS = ["pics", "vids", "sets", "bundle", "custom", "vip"]
SELLER_HANDLE_SUFFIX = ["store", "shop", "vip", "sells", "menu", "x", "xo", "club", "deals", "plug"]


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


@dataclass
class Vocab:
    """The words of one world."""

    code_words: list[str]  # in the lexicon
    emergent: list[str]  # used by sellers, unknown to the lexicon
    tag_suffixes: list[str]  # e.g. "vip", "menu": code hashtags are word+suffix or the word
    code_emoji: list[str]
    fandoms: list[str]  # invented benign words (a game, a band): invented yet innocent
    sale_known: list[str]
    payment_known: list[str]
    misspellings: dict[str, str] = field(default_factory=dict)  # variant -> base
    misspelling_uses: dict[str, int] = field(default_factory=dict)  # variant -> times written

    def misspelled(self, variant: str, base: str) -> str:
        self.misspellings[variant] = base
        self.misspelling_uses[variant] = self.misspelling_uses.get(variant, 0) + 1
        return variant

    def code_tags(self) -> list[str]:
        return list(self.code_words) + [w + s for w, s in zip(self.code_words, self.tag_suffixes)]


class Texts:
    def __init__(self, rng: np.random.Generator, vocab: Vocab, params, interests: list[str]):
        self.rng, self.v, self.p, self.interests = rng, vocab, params, interests
        self.obf_weights = rng.dirichlet(np.ones(8)) + 0.02  # each world favours some methods
        # Each world's buyers have their own way of asking.
        self.requests = list(rng.choice(REQUEST_COMMENTS, size=int(rng.integers(6, 14)), replace=False))

    # --- building blocks -------------------------------------------------------------------
    def code(self, ring_words: list[str]) -> str:
        rng = self.rng
        w = _pick(rng, ring_words)
        if rng.random() < self.p.misspell:
            return self.v.misspelled(misspell(w, rng), w)
        return obfuscate(w, rng, self.p.obf, self.p.combo, self.obf_weights)[0]

    def code_tag(self, ring_words: list[str]) -> str:
        rng = self.rng
        w = _pick(rng, ring_words)
        if w in self.v.code_words and rng.random() < 0.5:
            w = w + self.v.tag_suffixes[self.v.code_words.index(w)]
        if rng.random() < self.p.misspell:
            w = self.v.misspelled(misspell(w, rng), w)
        elif rng.random() < self.p.obf * 0.5:
            w = obfuscate(w, rng, 1.0, 0.0, self.obf_weights)[0]
        return "#" + tag_variant(w, rng, self.p.tag_suffix)

    def menu(self) -> str:
        rng = self.rng
        items = rng.choice(PRICE_ITEMS, size=int(rng.integers(1, 4)), replace=False)
        parts = [f"{int(rng.integers(2, 20))} {it} ${int(rng.integers(2, 30)) * 5}" if it != "vip"
                 else f"vip ${int(rng.integers(3, 20)) * 10}" for it in items]
        return _pick(rng, [" | ", " / ", " • ", ", "]).join(parts)

    def minor_age(self) -> str:
        rng = self.rng
        a = int(rng.integers(12, 18))
        forms = [f"{a}yo", f"{a} y/o", f"age {a}", f"{a} years old", f"{a}yrs",
                 "".join(d + "\ufe0f\u20e3" for d in str(a))]
        return _pick(rng, forms)

    def adult_age(self) -> str:
        return _pick(self.rng, ["18+", "21+", "18+ only 🔞", "adults only", "🔞 18+", "over 18 only", "21+ no minors"])

    def contact(self, handle: str) -> str:
        h = handle.replace(".", "_")[:15]
        return _pick(self.rng, CONTACT_FORMS).format(h=h)

    def payment(self, handle: str) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return "$" + handle.replace(".", "_")[:14]
        return _pick(rng, PAYMENT_WORDS)

    def interest_line(self, interest: str) -> str:
        tags, nouns, phrases = INTERESTS[interest]
        rng = self.rng
        k = int(rng.integers(0, 4))
        hashtags = " ".join("#" + t for t in rng.choice(tags, size=k, replace=False)) if k else ""
        emoji = _pick(rng, GENERIC_EMOJI) if rng.random() < 0.6 else ""
        return " ".join(x for x in (f"{_pick(rng, phrases)} {_pick(rng, nouns)}", emoji, hashtags) if x)

    def _join(self, parts: list[str]) -> str:
        rng = self.rng
        parts = [p for p in parts if p]
        order = rng.permutation(len(parts))
        return _pick(rng, [" ", " | ", " · ", " ~ ", "  "]).join(parts[i] for i in order)

    # --- bios --------------------------------------------------------------------------------
    def benign_bio(self, interest: str) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return ""
        tags, nouns, _ = INTERESTS[interest]
        options = [f"{interest} lover", f"{_pick(rng, nouns)} enthusiast", f"#{_pick(rng, tags)}",
                   _pick(rng, GENERIC_EMOJI), "views my own", "he/him", "she/her", "they/them",
                   f"based in {_pick(rng, ['Lisbon', 'Osaka', 'Lagos', 'Quito', 'Oslo', 'Pune', 'Austin', 'Leeds'])}"]
        return self._join(list(rng.choice(options, size=int(rng.integers(1, 4)), replace=False)))

    def seller_bio(self, ring_words, handle: str, other_handle: str | None, other_platform: str | None,
                   minor: bool, quiet: bool) -> str:
        rng = self.rng
        if quiet:
            return _pick(rng, ["", "just vibes", "new here ✨", "🌸", "dm me", "ask me anything", "hi 👋"])
        parts = [self.code(ring_words)] if rng.random() < max(self.p.seller_code_rate, self.p.bio_code_floor) else []
        if rng.random() < 0.8 or not parts:
            parts.append(_pick(rng, SALE_PHRASES))
        if rng.random() < 0.5:
            parts.append(self.menu())
        if rng.random() < 0.7:
            parts.append(self.contact(handle))
        if rng.random() < 0.6:
            parts.append(self.payment(handle))
        if minor:
            parts.append(self.minor_age())
        if rng.random() < 0.4:
            parts.append(_pick(rng, self.v.code_emoji))
        for _ in range(int(rng.integers(0, 3))):
            parts.append(self.code_tag(ring_words))
        if other_handle and rng.random() < 0.6:
            parts.append(other_platform.mention(other_handle))
        return self._join(parts)

    def backup_bio(self, ring_words, handle: str, minor: bool) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return _pick(rng, ["", "just vibes", "new acc ✨", "🌸", "hi again"])
        parts = [_pick(rng, BACKUP_PHRASES)]
        if r > 0.6:
            parts += [self.code(ring_words), _pick(rng, SALE_PHRASES)]
        if minor and rng.random() < 0.5:
            parts.append(self.minor_age())
        if rng.random() < 0.5:
            parts.append(self.contact(handle))
        return self._join(parts)

    def facilitator_bio(self, ring_words) -> str:
        rng = self.rng
        parts = [_pick(rng, ["promo page", "shoutouts", "sfs open", "daily promos", "promo 4 promo", "plugs"]),
                 _pick(rng, ["dm me", "dm for promo", "tag to be featured", "link in bio"])]
        for _ in range(int(rng.integers(1, 4))):
            parts.append(self.code_tag(ring_words))
        return self._join(parts)

    def adult_creator_bio(self, handle: str) -> str:
        rng = self.rng
        claim = self.p.adult_age_claim >= 1.0 or rng.random() < self.p.adult_age_claim
        parts = [self.adult_age() if claim else "", _pick(rng, SALE_PHRASES)]
        if rng.random() < 0.6:
            parts.append(self.menu())
        if rng.random() < 0.7:
            parts.append(self.payment(handle))
        if rng.random() < 0.5:
            parts.append(self.contact(handle))
        parts.append(_pick(rng, ["#adultcreator", "#18plus", "#nsfwartist", "#spicycontent", "#lingerie", ""]))
        return self._join(parts)

    def advocate_bio(self, journalist: bool) -> str:
        rng = self.rng
        if journalist:
            return _pick(rng, ["Reporter covering tech & online safety | tips via signal",
                               "Investigative journalist | platforms, abuse, accountability",
                               "Tech desk writer. DMs open for tips.", "Newsroom: trust & safety beat"])
        return _pick(rng, ["Child safety researcher | report, don't engage", "Trust & safety volunteer",
                           "Online-safety advocate & parent", "Survivor advocate. Report abuse to the hotline.",
                           "Hotline analyst (views my own) | protect kids online"])

    def teen_bio(self, interest: str, trader: bool) -> str:
        rng = self.rng
        a = int(rng.integers(13, 18))
        age = _pick(rng, [f"{a}", f"{a}yo", f"age {a}", f"{a} y/o", f"{a} | {_pick(rng, GRADES)}"])
        parts = [age, self.benign_bio(interest)]
        if trader:
            parts.append(f"{_pick(rng, TRADE_PHRASES)} {_pick(rng, GAME_ITEMS)}")
            if rng.random() < 0.3:
                parts.append(f"#{_pick(rng, self.v.fandoms)}")
        return self._join(parts)

    def art_seller_bio(self, handle: str) -> str:
        rng = self.rng
        parts = [_pick(rng, ["illustrator", "painter", "ceramics", "print shop", "handmade jewelry"]),
                 _pick(rng, ["commissions open", "prices in dm", "shop link below", "dm for prices", "menu in bio"]),
                 self.payment(handle) if rng.random() < 0.6 else "", "#artforsale" if rng.random() < 0.5 else ""]
        return self._join(parts)

    def promo_bio(self) -> str:
        rng = self.rng
        return self._join([_pick(rng, ["shoutouts for small shops", "sfs open", "supporting local makers", "promo page"]),
                           _pick(rng, ["dm for promo", "tag us", "link in bio"]), "#smallbusiness"])

    # --- posts -------------------------------------------------------------------------------
    def seller_post(self, ring_words, handle: str, minor: bool, story: bool) -> tuple[str, list[str]]:
        rng = self.rng
        if self.p.seller_terse and rng.random() < self.p.seller_terse:
            return self.terse_seller_post(ring_words, story)
        parts = []
        if rng.random() < self.p.seller_code_rate:
            parts.append(self.code(ring_words))
        parts.append(_pick(rng, SALE_PHRASES + ["restocked", "new set", "ask for preview", "dm me"]))
        if story or rng.random() < self.p.seller_menu_post:
            parts.append(self.menu())
        if rng.random() < 0.4:
            parts.append(self.payment(handle))
        if rng.random() < 0.3:
            parts.append(self.contact(handle))
        if minor and rng.random() < 0.4:
            parts.append(self.minor_age())
        if rng.random() < 0.3:
            parts.append(_pick(rng, self.v.code_emoji))
        n_tags = int(rng.integers(0, 4)) if rng.random() < self.p.seller_code_rate else 0
        tags = [self.code_tag(ring_words) for _ in range(n_tags)]
        return self._join(parts) + (" " + " ".join(tags) if tags else ""), tags

    def terse_seller_post(self, ring_words, story: bool) -> tuple[str, list[str]]:
        """A post that says almost nothing: a code emoji or one code tag, a lock, "dm"; the menu
        appears only in stories. No sale phrase a filter knows."""
        rng = self.rng
        parts = [_pick(rng, self.v.code_emoji) if rng.random() < 0.6 else ""]
        parts.append(_pick(rng, ["🔒", "📩", "dm", "👀", "new", "↓", "link?", "ask", ""]))
        if story:
            parts.append(self.menu())
        tags = [self.code_tag(ring_words)] if rng.random() < 0.25 or not parts[0] else []
        return self._join(parts) + (" " + " ".join(tags) if tags else ""), tags

    def facilitator_post(self, ring_words, seller_handles: list[str]) -> tuple[str, list[str]]:
        rng = self.rng
        k = min(len(seller_handles), int(rng.integers(1, 4)))
        mentioned = list(rng.choice(seller_handles, size=k, replace=False)) if seller_handles else []
        at = " and ".join("@" + h for h in mentioned)
        lead = _pick(rng, ["go follow", "🔁", "shoutout to", "support", "new promo:", "check out"])
        body = _pick(rng, SALE_PHRASES + ["dm for promo", "link in bio", "🔥"])
        if rng.random() < 0.5:
            body += " " + self.code(ring_words)
        tags = [self.code_tag(ring_words) for _ in range(int(rng.integers(1, 4)))]
        return f"{lead} {at} {body} " + " ".join(tags), mentioned

    def advocate_post(self, known_words: list[str], journalist: bool) -> str:
        rng = self.rng
        w = _pick(rng, known_words)
        quoted = w if rng.random() < 1.0 - self.p.advocate_obf else obfuscate(w, rng, 1.0, 0.0)[0]
        tag = "#" + w
        phrase = _pick(rng, SALE_PHRASES)
        if journalist:
            t = ["New investigation: sellers use '{q}' and {tag} to dodge filters. Read the thread.",
                 "We found accounts pairing \"{q}\" with \"{p}\". Platforms were notified.",
                 "How {tag} spread on recommendations: our reporting, with researchers.",
                 "Story out today on '{q}' menus and the payment apps behind them."]
        else:
            t = ["PSA: accounts using {tag} are selling exploitation material. Report, don't engage.",
                 "If you see \"{q}\" next to \"{p}\", report the account and do not click.",
                 "Reported 12 more accounts pushing {tag} today. Keep reporting.",
                 "Warning for parents: '{q}' is a code word. Report it to the platform and the hotline.",
                 "Do NOT search {tag}. Report accounts using it."]
        return _pick(rng, t).format(q=quoted, tag=tag, p=phrase)

    def adult_post(self, handle: str) -> str:
        rng = self.rng
        parts = [_pick(rng, ["new set up", "menu updated", "customs open", "weekend sale", "restocked"]),
                 self.adult_age() if rng.random() < 0.6 else "", self.menu() if rng.random() < 0.5 else "",
                 self.payment(handle) if rng.random() < 0.3 else "",
                 _pick(rng, ["#adultcreator", "#18plus", "#spicycontent", "#lingerie", "#boudoir"])]
        return self._join(parts)

    def art_post(self, handle: str) -> str:
        rng = self.rng
        return self._join([f"new {_pick(rng, ART_ITEMS)} for sale", _pick(rng, ["prices in dm", "check my menu", "link in bio", ""]),
                           f"${int(rng.integers(3, 40)) * 5}" if rng.random() < 0.5 else "",
                           _pick(rng, ["#artforsale", "#commissionsopen", "#handmade", "#printshop"])])

    def teen_trade_post(self) -> str:
        rng = self.rng
        if self.p.teen_sale_words and rng.random() < self.p.teen_sale_words:
            # Game items "for sale" with prices and payment apps: sale words without any network.
            return self._join([f"{_pick(rng, ['selling', 'for sale', 'taking orders', 'new drops daily'])} "
                               f"{_pick(rng, GAME_ITEMS)} ${int(rng.integers(1, 12)) * 5}",
                               _pick(rng, ["dm for prices", "prices in dm", "dm to buy", "check my menu"]),
                               _pick(rng, PAYMENT_WORDS) if rng.random() < 0.5 else "",
                               f"#{_pick(rng, self.v.fandoms)}", _pick(rng, ["#gaming", "#tradingpost", ""])])
        return self._join([f"{_pick(rng, TRADE_PHRASES)} my {_pick(rng, GAME_ITEMS)}", _pick(rng, ["dm offers", "lf offers", "comment below", ""]),
                           f"#{_pick(rng, self.v.fandoms)}", _pick(rng, ["#gaming", "#tradingpost", "#collector", ""])])

    def promo_post(self, handles: list[str]) -> tuple[str, list[str]]:
        rng = self.rng
        k = min(len(handles), int(rng.integers(1, 3)))
        mentioned = list(rng.choice(handles, size=k, replace=False)) if handles else []
        return (f"{_pick(rng, ['go follow', 'shoutout to', 'support', 'sfs with'])} "
                + " and ".join("@" + h for h in mentioned)
                + f" {_pick(rng, ['cute prints', 'amazing bakes', 'handmade goodies', 'best shop'])} #smallbusiness #shoutout"), mentioned

    def backup_notice(self, backup_handle: str) -> str:
        rng = self.rng
        return _pick(rng, ["{p} @{h}", "this acc is going down, {p} @{h}", "{p}: @{h} 🙏", "moved to @{h} ({p})"]).format(
            p=_pick(rng, BACKUP_PHRASES), h=backup_handle)

    def request_comment(self, ring_words) -> str:
        rng = self.rng
        c = _pick(rng, self.requests)
        if rng.random() < 0.15:
            c += " " + self.code(ring_words)
        return c

    def benign_comment(self) -> str:
        return _pick(self.rng, BENIGN_COMMENTS)
