"""Compare two accounts feature by feature, each into a small set of agreement levels.

Levels, not raw scores, so that each level's weight is a ratio of two frequencies that can be
measured: how often true matches show it (m) and how often random pairs do (u).
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
from dataclasses import dataclass

from vigil.link.images import ProfileImages
from vigil.link.normalize import MIN_RESIDUE, jaro_winkler
from vigil.link.profiles import Profiles

NAME_LEVELS = ("exact", "key", "subset", "partial", "differ", "missing")
# Name levels under which the handle is compared whole, against same-name strangers.
NAME_AGREE = ("exact", "key")
HANDLE_LEVELS = ("same", "contains", "similar", "close", "differ", "missing")
# Image distance bins. The first is PDQ's exact-copy radius; the others cover cropped and
# recompressed copies; unrelated pictures sit near 128 bits.
IMAGE_BINS = ((0, PDQ_THRESHOLD), (PDQ_THRESHOLD + 1, 47), (48, 63), (64, 79), (80, 256))
IMAGE_LEVELS = tuple(f"d{lo}-{hi}" for lo, hi in IMAGE_BINS) + ("shared", "missing")
EXPLICIT_LEVELS = ("pointer", "mutual_id", "none")
GRAPH_LEVELS = ("edge_and_shared", "edge", "shared", "none", "missing")

# Jaro-Winkler at or above this is the same handle retyped (one letter dropped, a suffix added).
HANDLE_SIMILAR = 0.9
# Between this and HANDLE_SIMILAR handles share a stem but may be a coincidence; the data weighs it.
HANDLE_CLOSE = 0.8
# A contained handle must be this long to mean something ("sam" is inside many handles).
MIN_CONTAINED = 5
# Neighbours in common before a backup's circle counts as the old account's circle.
SHARED_NEIGHBOURS = 2


@dataclass(slots=True)
class Comparison:
    """One pair compared, level per feature (slots: a million-account run holds millions of these)."""

    name: str
    handle: str
    image: str
    explicit: str
    graph: str
    distance: int | None
    mirrored: bool
    shared_ids: tuple[str, ...]
    pointer_dirs: tuple[str, ...]
    handle_given_name: bool = False  # handles compared whole because they spell the shared name
    handle_reordered: bool = False  # residues agree but the handles hold their words in another order


def compare_names(prof: Profiles, i: int, j: int) -> str:
    a, b = prof.tokens[i], prof.tokens[j]
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    if len(a) >= 2 and len(b) >= 2 and prof.key[i] == prof.key[j]:
        return "key"
    sa, sb = set(a), set(b)
    if min(len(sa), len(sb)) >= 2 and (sa <= sb or sb <= sa):
        return "subset"
    if sa & sb:
        return "partial"
    return "differ"


def _handle_strings(prof: Profiles, i: int, j: int) -> tuple[str, str]:
    """Residues when both accounts show a name (the name is compared separately), else cores."""
    if prof.tokens[i] and prof.tokens[j]:
        return prof.residue[i], prof.residue[j]
    return prof.core[i], prof.core[j]


def compare_handles(prof: Profiles, i: int, j: int, name_level: str | None = None) -> tuple[str, bool]:
    """Handles alike beyond what the names explain, and whether the level must be weighed
    against same-name strangers.

    Normally the name-free residues are compared (`baking` in `bakingivan` / `bakingivan90`),
    which says something the name does not. When the names agree but a handle is little more
    than the name (`kwame_abbasi`, `ivanbrown21`), whole handles are compared and weighed
    against strangers who share the name (model: u of `handle|name`), so a handle that spells
    the shared name counts only as much as namesakes fail to share it."""
    given_name = name_level in NAME_AGREE and (
        len(prof.residue[i]) < MIN_RESIDUE or len(prof.residue[j]) < MIN_RESIDUE)
    if given_name:
        a, b = prof.core[i], prof.core[j]
    else:
        a, b = _handle_strings(prof, i, j)
    if len(a) < MIN_RESIDUE or len(b) < MIN_RESIDUE:
        return "missing", given_name
    if a == b:
        return "same", given_name
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= MIN_CONTAINED and short in long_:
        return "contains", given_name
    jw = jaro_winkler(a, b, cutoff=HANDLE_CLOSE)
    if jw >= HANDLE_SIMILAR:
        return "similar", given_name
    if jw >= HANDLE_CLOSE:
        return "close", given_name
    return "differ", given_name


def handles_reordered(prof: Profiles, i: int, j: int) -> bool:
    """The same letters in another arrangement (`tomas_hiking` / `hiking.tomas`): the handles'
    words swapped around. A person restyling a handle keeps its arrangement (a separator, a
    number); a first name and a hobby word in either order are what namesakes pick too."""
    a, b = prof.core[i], prof.core[j]
    return a != b and sorted(a) == sorted(b)


# The level of each distance 0..256 (PDQ hashes have 256 bits), looked up once per pair.
_LEVEL_OF_DISTANCE = tuple(next((name for (lo, hi), name in zip(IMAGE_BINS, IMAGE_LEVELS) if lo <= d <= hi), "missing")
                           for d in range(257))


def image_level(distance: int | None, shared: bool) -> str:
    if shared:
        return "shared"
    if distance is None or not 0 <= distance <= 256:
        return "missing"
    return _LEVEL_OF_DISTANCE[distance]


def compare_explicit(prof: Profiles, i: int, j: int) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A pointer: one profile names the other's platform and handle (or its profile URL).
    A mutual identifier: both name the same rare contact handle, site or payment handle."""
    dirs = []
    if j in prof.points_to[i]:
        dirs.append("a->b")
    if i in prof.points_to[j]:
        dirs.append("b->a")
    # Written by both, or written by one and the other's handle. An account writing its own handle
    # (its site, its telegram) does not point at a namesake elsewhere: equal handles are the
    # handle comparison's business, not a written contact.
    written_i, written_j = prof.identifiers[i], prof.identifiers[j]
    if not dirs and not written_i and not written_j:  # most pairs: nothing written on either side
        return "none", (), ()
    common = (written_i & written_j) | ((written_i - {prof.core[i]}) & {prof.core[j]}) \
        | ((written_j - {prof.core[j]}) & {prof.core[i]})
    shared = tuple(sorted(x for x in common if x in prof.by_identifier))
    if dirs:
        return "pointer", shared, tuple(dirs)
    if shared:
        return "mutual_id", shared, ()
    return "none", (), ()


def compare_graph(neighbours: dict[int, set[str]] | None, prof: Profiles, i: int, j: int,
                  hubs: set[tuple[str, str]] | frozenset = frozenset()) -> str:
    """Same-platform only: does one account follow or talk to the other, and do they share a circle.

    `hubs` are the network's flagged sellers and facilitators: the accounts whose followers the
    investigation put in scope. Two in-scope accounts sharing them is why both are in scope (every
    buyer of a ring follows its sellers), not a sign that they are one person, so they are left
    out of the shared circle. A backup's shared circle is the old account's followers, not hubs."""
    if neighbours is None or prof.platform[i] != prof.platform[j]:
        return "missing"
    ni, nj = neighbours.get(i, set()), neighbours.get(j, set())
    if not ni or not nj:
        return "missing"
    edge = prof.account_id[j] in ni or prof.account_id[i] in nj
    p = prof.platform[i]
    both = ni & nj  # (ni - {j}) & (nj - {i}), without copying two neighbour sets per pair
    both.discard(prof.account_id[i])
    both.discard(prof.account_id[j])
    common = sum(1 for n in both if (p, n) not in hubs)
    if edge and common >= SHARED_NEIGHBOURS:
        return "edge_and_shared"
    if edge:
        return "edge"
    if common >= SHARED_NEIGHBOURS:
        return "shared"
    return "none"


def compare(prof: Profiles, imgs: ProfileImages, i: int, j: int,
            neighbours: dict[int, set[str]] | None = None, with_variants: bool = True,
            with_distance: bool = True, hubs: set[tuple[str, str]] | frozenset = frozenset(),
            with_explicit: bool = True) -> Comparison:
    """All levels of one pair. Without `with_distance` the picture level only says whether both
    have a personal picture (the u sample measures distances separately, vectorised). Without
    `with_explicit` no pointer or contact is looked for (u of random pairs, which never uses it)."""
    if not with_distance:
        dist, mirrored = (0 if imgs.has(i) and imgs.has(j) else None), False
    elif with_variants:
        dist, mirrored = imgs.distance(i, j)
    else:
        dist, mirrored = _plain_distance(imgs, i, j), False
    shared_img = bool(imgs.shared[i] or imgs.shared[j])
    explicit, shared_ids, dirs = compare_explicit(prof, i, j) if with_explicit else ("none", (), ())
    name = compare_names(prof, i, j)
    handle, given_name = compare_handles(prof, i, j, name)
    return Comparison(
        name=name,
        handle=handle,
        handle_given_name=given_name,
        handle_reordered=handle == "same" and handles_reordered(prof, i, j),
        image=image_level(dist, shared_img),
        explicit=explicit,
        graph=compare_graph(neighbours, prof, i, j, hubs),
        distance=dist,
        mirrored=mirrored,
        shared_ids=shared_ids,
        pointer_dirs=dirs,
    )


def _plain_distance(imgs: ProfileImages, i: int, j: int) -> int | None:
    if not (imgs.has(i) and imgs.has(j)):
        return None
    ints = imgs.as_ints()
    return (ints[i] ^ ints[j]).bit_count()
