"""Who lives in a generated world: platforms, people, their accounts and what kind each is.

Accounts of all platforms sit in one set of parallel arrays (index = global account number),
so graph and text steps can be vectorised. A *person* may own accounts on several platforms
(and a backup after a ban); cross-platform truth links are exactly the pairs of accounts of
one person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vigil.synth.params import WorldParams
from vigil.synth.texts import SELLER_HANDLE_SUFFIX
from vigil.synth.words import FIRST_NAMES, INTERESTS, LAST_NAMES, TEEN_INTERESTS, zipf_choice

KINDS = ("benign", "teen", "teen_trader", "adult_creator", "adult_fan", "advocate", "journalist",
         "art_seller", "benign_promo", "seller", "backup_seller", "buyer", "facilitator",
         "buyer_identity", "name_trap", "professional")
K = {k: i for i, k in enumerate(KINDS)}
ROLE_OF_KIND = {"seller": "seller", "backup_seller": "seller", "buyer": "buyer", "facilitator": "facilitator"}
NETWORK_KINDS = ("seller", "backup_seller", "buyer", "facilitator")

AVATAR_OWN, AVATAR_DEFAULT, AVATAR_STOCK, AVATAR_NONE = 0, 1, 2, 3

DAY = 86400
END = 1751328000  # 2025-07-01T00:00:00Z: the export's cut-off
START = 1325376000  # 2012-01-01

MAIN_NAMES = ["pixlane", "snapora", "lumigram", "framecast", "shutterbox", "glimpse"]
MICRO_NAMES = ["chatter", "blurtly", "squawk", "murmurly", "tweeter", "peep"]
PRO_NAMES = ["workline", "careerly", "proconnect", "guildnet", "vocation", "resumely"]
PRO_URL_PATHS = ["in", "p", "people", "profile"]


@dataclass
class Platform:
    name: str
    role: str  # main | micro | pro
    id_style: str  # num10 | num12 | hex | b36 | slug
    image_mode: str  # file | pdq | mixed: how the export gives profile pictures
    url_path: str = ""  # for pro: https://NAME.example/PATH/ID
    real: bool = False  # a real platform name: real URL and mention forms

    def profile_url(self, handle: str) -> str:
        if self.real:
            from vigil.synth.realnames import profile_url

            return profile_url(self.name, handle)
        if self.url_path:
            return f"https://{self.name}.example/{self.url_path}/{handle}"
        return f"https://{self.name}.example/{handle}"

    def mention(self, handle: str) -> str:
        if self.real:
            from vigil.synth.realnames import mention

            return mention(self.name, handle)
        return f"{self.name}: @{handle}"


@dataclass
class Population:
    platforms: list[Platform]
    plat: np.ndarray  # int8, index into platforms
    kind: np.ndarray  # int8, index into KINDS
    ring: np.ndarray  # int32, -1 outside the network
    person: np.ndarray  # int64
    community: np.ndarray  # int32, primary interest community (per world, shared by platforms)
    interest: list[str]  # primary interest name
    created: np.ndarray  # int64 unix seconds
    quiet_at: np.ndarray  # int64: when a seller stopped posting (0 = never)
    backup_of: np.ndarray  # int64, global index of the original account (-1)
    avatar: np.ndarray  # int8 AVATAR_*
    first: np.ndarray  # int32 index into FIRST_NAMES
    last: np.ndarray  # int32
    minor_claim: np.ndarray  # bool: seller text states an age under 18
    quiet_bio: np.ndarray  # bool: seller with a clean bio
    ids: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    display: list[str] = field(default_factory=list)
    bios: list[str] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)
    twin_of: dict[int, int] = field(default_factory=dict)  # account -> first account of the same person
    n_rings: int = 0

    @property
    def n(self) -> int:
        return len(self.kind)

    def on(self, p: int) -> np.ndarray:
        return np.flatnonzero(self.plat == p)

    def of_kind(self, *kinds: str, p: int | None = None) -> np.ndarray:
        m = np.isin(self.kind, [K[k] for k in kinds])
        if p is not None:
            m &= self.plat == p
        return np.flatnonzero(m)

    def role(self, i: int) -> str:
        return ROLE_OF_KIND.get(KINDS[self.kind[i]], "none")


def choose_platforms(rng: np.random.Generator, params: WorldParams) -> list[Platform]:
    images = params.images
    modes = ["file", "pdq", "mixed"] if images else ["pdq"]

    def mode(weights):
        return modes[int(rng.choice(len(modes), p=np.asarray(weights[:len(modes)]) / sum(weights[:len(modes)])))]

    plats = [Platform(MAIN_NAMES[rng.integers(len(MAIN_NAMES))], "main",
                      ["num10", "num12", "b36"][rng.integers(3)], mode([1, 3, 2])),
             Platform(MICRO_NAMES[rng.integers(len(MICRO_NAMES))], "micro",
                      ["num12", "hex", "num10"][rng.integers(3)], mode([3, 1, 2]))]
    if params.n_platforms >= 3:
        plats.append(Platform(PRO_NAMES[rng.integers(len(PRO_NAMES))], "pro", "slug", mode([4, 1, 1]),
                              PRO_URL_PATHS[rng.integers(len(PRO_URL_PATHS))]))
    return plats


class _Builder:
    """Accumulates accounts platform by platform, then freezes them into a Population."""

    def __init__(self, rng: np.random.Generator, params: WorldParams, interests: list[str]):
        self.rng, self.p, self.interests = rng, params, interests
        self.cols: dict[str, list] = {c: [] for c in ("plat", "kind", "ring", "person", "community", "created",
                                                       "quiet_at", "backup_of", "first", "last", "minor", "quietbio")}
        self.next_person = 0
        self.n = 0
        # Person names: a Zipf skew makes some full names common (name traps are built on them).
        self.name_skew = float(rng.uniform(0.6, 1.1))

    def new_people(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids = np.arange(self.next_person, self.next_person + n)
        self.next_person += n
        first = zipf_choice(self.rng, len(FIRST_NAMES), n, self.name_skew)
        last = zipf_choice(self.rng, len(LAST_NAMES), n, self.name_skew)
        return ids, first, last

    def add(self, plat: int, kind: str, n: int, *, person=None, first=None, last=None, ring=None,
            community=None, created=None, quiet_at=None, backup_of=None, minor=None, quietbio=None) -> np.ndarray:
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        if person is None:
            person, first, last = self.new_people(n)
        if community is None:
            community = self.default_community(kind, n)
        if created is None:
            created = self.default_created(kind, n)
        full = lambda v, d: np.full(n, d) if v is None else np.asarray(v)  # noqa: E731
        c = self.cols
        c["plat"].append(np.full(n, plat, dtype=np.int8))
        c["kind"].append(np.full(n, K[kind], dtype=np.int8))
        c["ring"].append(full(ring, -1).astype(np.int32))
        c["person"].append(np.asarray(person, dtype=np.int64))
        c["community"].append(np.asarray(community, dtype=np.int32))
        c["created"].append(np.asarray(created, dtype=np.int64))
        c["quiet_at"].append(full(quiet_at, 0).astype(np.int64))
        c["backup_of"].append(full(backup_of, -1).astype(np.int64))
        c["first"].append(np.asarray(first, dtype=np.int32))
        c["last"].append(np.asarray(last, dtype=np.int32))
        c["minor"].append(full(minor, False).astype(bool))
        c["quietbio"].append(full(quietbio, False).astype(bool))
        idx = np.arange(self.n, self.n + n)
        self.n += n
        return idx

    def default_community(self, kind: str, n: int) -> np.ndarray:
        """Interest communities 0..I-1; then teen, adult, safety groups; network members get a cover."""
        rng, n_int = self.rng, len(self.interests)
        if kind in ("teen", "teen_trader"):
            teen_ids = [i for i, name in enumerate(self.interests) if name in TEEN_INTERESTS] or list(range(n_int))
            # Half of teens sit in the teen group (school friends), half in a teen-heavy interest.
            out = rng.choice(teen_ids, size=n)
            out[rng.random(n) < 0.5] = n_int
            return out
        if kind in ("adult_creator", "adult_fan"):
            out = rng.integers(0, n_int, size=n)
            out[rng.random(n) < 0.7] = n_int + 1
            return out
        if kind in ("advocate", "journalist"):
            out = rng.integers(0, n_int, size=n)
            out[rng.random(n) < 0.6] = n_int + 2
            return out
        if kind in ("art_seller", "benign_promo"):
            art = [i for i, name in enumerate(self.interests) if name in ("painting", "crafts", "photo")]
            return rng.choice(art or list(range(n_int)), size=n)
        # Interests have unequal sizes: a Dirichlet draw per world.
        if not hasattr(self, "_int_p"):
            self._int_p = rng.dirichlet(np.full(n_int, 2.0))
        return rng.choice(n_int, size=n, p=self._int_p)

    def default_created(self, kind: str, n: int) -> np.ndarray:
        rng = self.rng
        if kind in ("teen", "teen_trader"):
            return rng.integers(END - 3 * 365 * DAY, END - 30 * DAY, size=n)
        if kind == "seller":
            return rng.integers(END - 420 * DAY, END - 100 * DAY, size=n)
        if kind == "facilitator":
            return rng.integers(END - 540 * DAY, END - 150 * DAY, size=n)
        if kind == "adult_creator":
            return rng.integers(END - 5 * 365 * DAY, END - 60 * DAY, size=n)
        return rng.integers(START, END - 60 * DAY, size=n)

    def freeze(self, platforms: list[Platform]) -> Population:
        c = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.cols.items()}
        return Population(platforms=platforms, plat=c["plat"], kind=c["kind"], ring=c["ring"], person=c["person"],
                          community=c["community"], interest=[], created=c["created"], quiet_at=c["quiet_at"],
                          backup_of=c["backup_of"], avatar=np.zeros(len(c["kind"]), dtype=np.int8),
                          first=c["first"], last=c["last"], minor_claim=c["minor"], quiet_bio=c["quietbio"])


def _count(rate: float, n: int, minimum: int = 0) -> int:
    return max(minimum, int(round(rate * n)))


def build_population(rng: np.random.Generator, params: WorldParams, n_main: int,
                     interests: list[str]) -> Population:
    p = params
    platforms = choose_platforms(rng, p)
    b = _Builder(rng, p, interests)

    # --- main platform -------------------------------------------------------------------
    n_sell = _count(p.seller, n_main, 4)
    n_rings = max(1, int(round(n_sell / p.ring_size)))
    ring_of_seller = rng.integers(0, n_rings, size=n_sell)
    ring_of_seller[:n_rings] = np.arange(n_rings)  # every ring has a seller
    minor = rng.random(n_sell) < p.seller_minor_claim
    quiet = rng.random(n_sell) < p.quiet_seller
    sellers = b.add(0, "seller", n_sell, ring=ring_of_seller, minor=minor, quietbio=quiet)
    n_buy = _count(p.buyer_per_seller, n_sell, 3)
    buyers = b.add(0, "buyer", n_buy, ring=rng.integers(0, n_rings, size=n_buy))
    n_fac = max(1, int(round(p.facilitator_per_ring * n_rings)))
    fac_ring = rng.integers(0, n_rings, size=n_fac)
    fac_ring[: min(n_fac, n_rings)] = np.arange(min(n_fac, n_rings))
    b.add(0, "facilitator", n_fac, ring=fac_ring)
    _add_decoys(b, 0, n_main, p)
    n_used = b.n
    b.add(0, "benign", max(0, n_main - n_used))

    # --- microblog: some of the same sellers and buyers, plus its own ---------------------
    cols = b.cols
    person_all = np.concatenate(cols["person"])
    first_all, last_all = np.concatenate(cols["first"]), np.concatenate(cols["last"])
    comm_all = np.concatenate(cols["community"])
    n_micro = max(50, int(round(n_main * p.micro_share)))
    start_micro = b.n
    twin_sellers = sellers[rng.random(n_sell) < p.seller_cross]
    b.add(1, "seller", len(twin_sellers), person=person_all[twin_sellers], first=first_all[twin_sellers],
          last=last_all[twin_sellers], ring=np.concatenate(cols["ring"])[twin_sellers],
          community=comm_all[twin_sellers], minor=np.concatenate(cols["minor"])[twin_sellers],
          quietbio=rng.random(len(twin_sellers)) < p.quiet_seller,
          created=np.concatenate(cols["created"])[twin_sellers] + rng.integers(-30, 60, len(twin_sellers)) * DAY)
    n_own = _count(p.seller * 0.5, n_micro, 2)
    micro_ring = rng.integers(0, n_rings + 1, size=n_own)  # a ring of its own, or joining a main ring
    b.add(1, "seller", n_own, ring=micro_ring, minor=rng.random(n_own) < p.seller_minor_claim,
          quietbio=rng.random(n_own) < p.quiet_seller)
    n_micro_sellers = len(twin_sellers) + n_own
    twin_buyers = buyers[rng.random(n_buy) < 0.35]
    b.add(1, "buyer", len(twin_buyers), person=person_all[twin_buyers], first=first_all[twin_buyers],
          last=last_all[twin_buyers], ring=np.concatenate(cols["ring"])[twin_buyers], community=comm_all[twin_buyers])
    n_mb = _count(p.buyer_per_seller * 0.6, n_micro_sellers, 1)
    b.add(1, "buyer", n_mb, ring=rng.integers(0, n_rings + 1, size=n_mb))
    b.add(1, "facilitator", max(1, int(round(p.facilitator_per_ring * 0.5))), ring=rng.integers(0, n_rings + 1, size=max(1, int(round(p.facilitator_per_ring * 0.5)))))
    _add_decoys(b, 1, n_micro, p)
    benign_main = np.flatnonzero((np.concatenate(b.cols["kind"])[:start_micro] == K["benign"]))
    n_bt = min(int(round(p.cross_platform * len(benign_main))), int(0.5 * n_micro))
    bt = rng.choice(benign_main, size=n_bt, replace=False)
    b.add(1, "benign", n_bt, person=person_all[bt], first=first_all[bt], last=last_all[bt], community=comm_all[bt])
    b.add(1, "benign", max(0, n_micro - (b.n - start_micro)))
    n_rings_total = n_rings + 1

    # --- professional network: real names; buyers' identities and people with their names -
    if len(platforms) >= 3:
        n_pro = max(50, int(round(n_main * p.pro_share)))
        start_pro = b.n
        kinds_now = np.concatenate(b.cols["kind"])
        person_now = np.concatenate(b.cols["person"])
        first_now, last_now = np.concatenate(b.cols["first"]), np.concatenate(b.cols["last"])
        buyer_idx = np.flatnonzero(kinds_now == K["buyer"])
        _, first_buyer = np.unique(person_now[buyer_idx], return_index=True)
        buyer_people = buyer_idx[first_buyer]
        with_id = buyer_people[rng.random(len(buyer_people)) < p.buyer_identity]
        b.add(2, "buyer_identity", len(with_id), person=person_now[with_id], first=first_now[with_id],
              last=last_now[with_id], community=np.concatenate(b.cols["community"])[with_id])
        # Name traps: other people whose full name equals a network member's.
        net = np.flatnonzero(np.isin(kinds_now, [K["buyer"], K["seller"]]))
        trap_src = np.concatenate([with_id, rng.choice(net, size=min(len(net), max(1, len(with_id) // 2)), replace=False)])
        n_traps = rng.integers(1, 4, size=len(trap_src))
        src_rep = np.repeat(trap_src, n_traps)
        ids, _, _ = b.new_people(len(src_rep))
        b.add(2, "name_trap", len(src_rep), person=ids, first=first_now[src_rep], last=last_now[src_rep])
        benign_main = np.flatnonzero(kinds_now[:start_micro] == K["benign"])
        n_bt = min(int(round(p.cross_platform * 0.6 * len(benign_main))), int(0.4 * n_pro))
        bt = rng.choice(benign_main, size=n_bt, replace=False)
        b.add(2, "professional", n_bt, person=person_now[bt], first=first_now[bt], last=last_now[bt])
        b.add(2, "professional", max(0, n_pro - (b.n - start_pro)))

    pop = b.freeze(platforms)
    pop.n_rings = n_rings_total
    _add_backups(pop, rng, p)
    return pop


def _add_decoys(b: _Builder, plat: int, n: int, p: WorldParams) -> None:
    b.add(plat, "advocate", _count(p.advocate, n, 2))
    b.add(plat, "journalist", _count(p.journalist, n, 1))
    n_cre = _count(p.adult_creator, n, 2)
    b.add(plat, "adult_creator", n_cre)
    b.add(plat, "adult_fan", _count(p.adult_fans_per_creator, n_cre, 2))
    n_teen = _count(p.teen, n, 5)
    n_tt = int(round(n_teen * p.teen_trader_share))
    b.add(plat, "teen", n_teen - n_tt)
    b.add(plat, "teen_trader", n_tt)
    b.add(plat, "art_seller", _count(p.art_seller, n, 2))
    b.add(plat, "benign_promo", _count(p.benign_promo, n, 1))


def _add_backups(pop: Population, rng: np.random.Generator, p: WorldParams) -> None:
    """Re-created accounts: an original seller goes quiet; days later a new account appears.

    The backup takes a benign-slot at the end of its platform's block so platform sizes hold.
    """
    sellers = np.flatnonzero(pop.kind == K["seller"])
    chosen = sellers[rng.random(len(sellers)) < p.backup]
    if len(chosen) == 0 and len(sellers) >= 4:
        chosen = sellers[:1]
    # Only a benign person with a single account can be repurposed (no twin to break).
    accounts_of_person = np.bincount(pop.person)
    free = {pi: list(np.flatnonzero((pop.plat == pi) & (pop.kind == K["benign"])
                                    & (accounts_of_person[pop.person] == 1)))
            for pi in range(len(pop.platforms))}
    for orig in chosen:
        slots = free[int(pop.plat[orig])]
        if not slots:
            continue
        slot = slots.pop()
        lo, hi = int(pop.created[orig]) + 45 * DAY, END - 40 * DAY
        quiet = int(rng.integers(lo, hi)) if lo < hi else hi
        pop.quiet_at[orig] = quiet
        pop.kind[slot] = K["backup_seller"]
        pop.ring[slot] = pop.ring[orig]
        pop.person[slot] = pop.person[orig]
        pop.first[slot], pop.last[slot] = pop.first[orig], pop.last[orig]
        pop.community[slot] = pop.community[orig]
        pop.created[slot] = quiet + int(rng.uniform(0.3, 12) * DAY)
        pop.backup_of[slot] = orig
        pop.minor_claim[slot] = pop.minor_claim[orig]
        pop.quiet_bio[slot] = True


# --- names, handles, ids -----------------------------------------------------------------


# A taken handle gets a number 1..998 appended, as people do; after this many taken draws the
# numbers grow a digit (a big world has more than 998 accounts wanting "anna.smith": without it
# the draw never ends).
UNIQUE_TRIES = 20


def _unique(values: list[str], rng: np.random.Generator) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        u, tries = v, 0
        while u in seen:
            hi = 999 if tries < UNIQUE_TRIES else 10 ** (3 + tries // UNIQUE_TRIES)
            u = f"{v}{int(rng.integers(1, hi))}"
            tries += 1
        seen.add(u)
        out.append(u)
    return out


def make_ids(rng: np.random.Generator, pop: Population) -> None:
    ids = [""] * pop.n
    for pi, plat in enumerate(pop.platforms):
        idx = pop.on(pi)
        n = len(idx)
        if plat.id_style == "slug":
            tails = [h[:6] for h in (rng.integers(0, 256, size=(n, 3), dtype=np.uint8))]
            vals = [f"{FIRST_NAMES[pop.first[i]].lower()}-{LAST_NAMES[pop.last[i]].lower()}-{t.tobytes().hex()}"
                    for i, t in zip(idx, tails)]
        else:
            lo, hi = {"num10": (10**9, 10**10), "num12": (10**11, 10**12), "hex": (16**11, 16**12),
                      "b36": (36**7, 36**8)}[plat.id_style]
            nums = np.unique(rng.integers(lo, hi, size=int(n * 1.05) + 10))
            nums = rng.permutation(nums)[:n]
            if plat.id_style == "hex":
                vals = [format(int(x), "x") for x in nums]
            elif plat.id_style == "b36":
                vals = [np.base_repr(int(x), 36).lower() for x in nums]
            else:
                vals = [str(int(x)) for x in nums]
        for i, v in zip(idx, _unique(vals, rng)):
            ids[i] = v
    pop.ids = ids


def _skeleton(handle: str) -> str:
    return "".join(c for c in handle.lower() if c.isalnum())


def make_names(rng: np.random.Generator, pop: Population, new_backup_handle: float = 0.0) -> None:
    """Handles and display names; a person's accounts look alike, a backup echoes its original
    (except a share `new_backup_handle` of backups, which start under an unrelated handle)."""
    handles = [""] * pop.n
    display = [""] * pop.n
    person_handle: dict[int, str] = {}
    # Sellers and promo pages put their handle in off-platform contacts ("tg: @h"), which name one
    # person: two people never share a handle skeleton (letters and digits), on any platform.
    contact_owner: dict[str, int] = {}
    order = np.argsort(pop.backup_of >= 0, kind="stable")  # originals before backups
    for i in order:
        kind = KINDS[pop.kind[i]]
        f, l_ = FIRST_NAMES[pop.first[i]], LAST_NAMES[pop.last[i]]
        fl, ll = f.lower(), l_.lower()
        plat = pop.platforms[pop.plat[i]]
        prev = person_handle.get(int(pop.person[i]))
        if plat.role == "pro":
            handles[i] = pop.ids[i]
            display[i] = f"{f} {l_}"
            continue
        if pop.backup_of[i] >= 0 and new_backup_handle and rng.random() < new_backup_handle:
            # A fresh name that shares nothing with the banned one: only behaviour ties them.
            h = [f"{fl}{['.', '_', ''][rng.integers(3)]}{rng.choice(['vibes', 'daily', 'life', 'xo', 'new'])}",
                 f"{rng.choice(['its', 'just', 'hey'])}{fl}{int(rng.integers(1, 999))}",
                 f"{pop.interest[i] if pop.interest else 'life'}.{fl[:3]}{int(rng.integers(10, 99))}"][rng.integers(3)]
            handles[i] = h
            display[i] = ""
            continue
        if pop.backup_of[i] >= 0:
            h = handles[pop.backup_of[i]]
            form = int(rng.integers(5))
            handles[i] = [f"{h}{int(rng.integers(2, 99))}", f"{h}_backup", f"{h}.2", f"{h}_{int(rng.integers(2, 9))}",
                          h[:-1] + h[-1] * 2 + "x"][form]
            display[i] = display[pop.backup_of[i]] if rng.random() < 0.6 else ""
            continue
        # A person's second account echoes the first handle (always, for network members: their
        # customers must find them again; often for everyone else).
        if prev is not None and (kind in ("seller", "buyer", "facilitator") or rng.random() < 0.7):
            h = prev.replace(".", "_") if rng.random() < 0.5 else prev + str(int(rng.integers(1, 99)))
        elif kind in ("seller", "facilitator"):
            suf = SELLER_HANDLE_SUFFIX[rng.integers(len(SELLER_HANDLE_SUFFIX))]
            sep = [".", "_", ""][rng.integers(3)]
            h = [f"{fl}{sep}{suf}", f"{fl}{sep}{suf}{int(rng.integers(1, 99))}", f"real{sep}{fl}{sep}{suf}",
                 f"{suf}{sep}{fl}", f"{fl}{ll[:3]}{sep}{suf}"][rng.integers(5)]
            if kind == "facilitator":
                h = [f"the.{suf}.page", f"{suf}_promos", f"daily{sep}{suf}", f"{fl}{sep}promo"][rng.integers(4)]
        else:
            interest = pop.interest[i] if pop.interest else "life"
            sep = [".", "_", ""][rng.integers(3)]
            h = [f"{fl}{sep}{ll}", f"{fl}{ll}{int(rng.integers(1, 99))}", f"{fl[0]}{ll}", f"{interest}{sep}{fl}",
                 f"{fl}{sep}{interest}", f"{ll}{sep}{fl}{int(rng.integers(1, 9))}", f"the{sep}{fl}"][rng.integers(7)]
        if kind in ("seller", "facilitator"):
            owner = int(pop.person[i])
            while contact_owner.setdefault(_skeleton(h), owner) != owner:
                h = f"{h}{int(rng.integers(2, 99))}"
        handles[i] = h
        person_handle.setdefault(int(pop.person[i]), h)
        r = rng.random()
        if kind in ("buyer", "professional") or r < 0.55:
            display[i] = f"{f} {l_}"
        elif r < 0.7:
            display[i] = f
        elif r < 0.8:
            display[i] = f"{f} {['✨', '🌸', '🎮', '🌊', '☕'][rng.integers(5)]}"
    # Unique per platform.
    for pi in range(len(pop.platforms)):
        idx = pop.on(pi)
        for i, h in zip(idx, _unique([handles[i] for i in idx], rng)):
            handles[i] = h
    pop.handles, pop.display = handles, display


def assign_interests(pop: Population, interests: list[str]) -> None:
    extra = {len(interests): "teen", len(interests) + 1: "adult", len(interests) + 2: "safety"}
    names = [interests[c] if c < len(interests) else extra[c] for c in pop.community]
    # The groups have no hashtags of their own: use a related interest for text.
    fallback = {"teen": [i for i in interests if i in TEEN_INTERESTS] or interests,
                "adult": [i for i in interests if i in ("fashion", "fitness", "photo")] or interests,
                "safety": [i for i in interests if i in ("books", "science", "coffee")] or interests}
    pop.interest = [n if n in INTERESTS else fallback[n][int(i) % len(fallback[n])] for i, n in enumerate(names)]


def assign_avatars(rng: np.random.Generator, pop: Population, params: WorldParams) -> None:
    """Own picture, the platform default, a shared stock picture, or none."""
    r = rng.random(pop.n)
    av = np.full(pop.n, AVATAR_OWN, dtype=np.int8)
    av[r < params.default_avatar] = AVATAR_DEFAULT
    av[(r >= params.default_avatar) & (r < params.default_avatar + 0.06)] = AVATAR_NONE
    stock = rng.choice(pop.n, size=min(pop.n, params.stock_avatar_users), replace=False)
    av[stock] = AVATAR_STOCK
    # Professional profiles nearly always have a photo of their own.
    pro = np.flatnonzero([pop.platforms[p].role == "pro" for p in pop.plat])
    av[pro[rng.random(len(pro)) < 0.9]] = AVATAR_OWN
    # A buyer's real-name profile shows the buyer's own photo, and so does the buyer account
    # that it is tied to (the picture is what ties them when the bio does not).
    ident = np.flatnonzero(pop.kind == K["buyer_identity"])
    av[ident] = AVATAR_OWN
    av[np.isin(pop.person, pop.person[ident]) & (pop.kind == K["buyer"])] = AVATAR_OWN
    pop.avatar = av
