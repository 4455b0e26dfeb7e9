"""Vocabulary of a synthetic world: invented code words, names, benign interests.

Every "explicit" word of a generated world is a pseudo-word assembled from syllables with the
world's own random stream, so no real abuse term ever appears, and two worlds share no code
words: a detector cannot learn a fixed list. Names and benign interests are ordinary words.
"""

from __future__ import annotations

import numpy as np

ONSETS = ["b", "br", "bl", "d", "dr", "f", "fl", "g", "gl", "gr", "k", "kr", "kl", "l", "m", "n", "p",
          "pl", "pr", "r", "s", "sk", "sn", "st", "sp", "t", "tr", "v", "z", "zh", "qu", "w", "j", "h"]
VOWELS = ["a", "e", "i", "o", "u", "y", "oo", "ai", "ea", "ou", "ei", "au"]
CODAS = ["", "", "", "n", "k", "x", "r", "l", "m", "sh", "th", "p", "z", "nk", "rd", "lt", "mp", "v"]

# Words of the shared sample world: a generated world must not reuse them.
SAMPLE_WORDS = {"vexkin", "torlap", "mizzbun", "yumbrik", "flenzo", "snorvek", "glimzy", "brackwen"}

FIRST_NAMES = [
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mia", "Lucas", "Sofia", "Mateo", "Amara", "Wei", "Yuki",
    "Priya", "Arjun", "Chloe", "Leah", "Omar", "Fatima", "Hana", "Kenji", "Ines", "Tomas", "Elif",
    "Kwame", "Zara", "Ivan", "Nadia", "Diego", "Lucia", "Ethan", "Grace", "Samir", "Aisha", "Jonas",
    "Freya", "Mei", "Ravi", "Nora", "Felix", "Camila", "Dana", "Jae", "Lena", "Malik", "Rosa", "Theo",
    "Uma", "Victor", "Yara", "Zoe", "Ibrahim", "Anika", "Bruno", "Chidi", "Daria", "Emil", "Farah",
    "Gabriel", "Hugo", "Isla", "Jasper", "Kira", "Luca", "Maya", "Nikhil", "Oscar", "Paula", "Quinn",
    "Rami", "Sana", "Tariq", "Valeria", "Wen", "Ximena", "Yusuf", "Zeynep", "Alma", "Bilal", "Cora",
]
LAST_NAMES = [
    "Smith", "Johnson", "Garcia", "Chen", "Kim", "Singh", "Brown", "Lopez", "Nguyen", "Reyes", "Khan",
    "Silva", "Muller", "Rossi", "Tanaka", "Okafor", "Haddad", "Novak", "Kowalski", "Ivanova", "Jensen",
    "Costa", "Sato", "Park", "Patel", "Ali", "Hansen", "Moreau", "Dubois", "Schmidt", "Yilmaz", "Mensah",
    "Castro", "Ortiz", "Lewis", "Walker", "Young", "Wright", "Diaz", "Morales", "Cruz", "Ward", "Kaur",
    "Ahmed", "Suzuki", "Lindqvist", "Petrov", "Fischer", "Bianchi", "Romero", "Santos", "Adeyemi",
    "Hoang", "Abbasi", "Berg", "Carvalho", "Dlamini", "Eriksen", "Farouk", "Gomez", "Horvat", "Iqbal",
]

# Benign interests: tags, things people post about, verbs. A world draws a subset.
INTERESTS = {
    "hiking": (["hiking", "trailrun", "mountains", "outdoors", "summit", "naturelovers"],
               ["trail", "ridge", "summit", "lake loop", "forest path"], ["Hiked the", "Sunrise at the", "Muddy boots on the"]),
    "baking": (["baking", "sourdough", "homebaker", "pastry", "breadtok", "cakes"],
               ["sourdough", "croissants", "lemon tart", "rye loaf", "cinnamon rolls"], ["Fresh", "Tried a new", "Weekend"]),
    "gaming": (["gaming", "speedrun", "retrogaming", "pcgaming", "esports", "gamer"],
               ["ranked match", "speedrun", "boss fight", "co-op night", "retro haul"], ["Finally beat the", "Streaming a", "GG on the"]),
    "painting": (["painting", "watercolor", "sketchbook", "illustration", "artist", "inkdrawing"],
                 ["watercolor", "sketch", "ink study", "portrait", "landscape"], ["Finished a", "WIP", "Daily"]),
    "football": (["football", "matchday", "goals", "fanzone", "derby", "training"],
                 ["derby", "match", "training session", "away game", "cup final"], ["What a", "Ready for the", "Tickets for the"]),
    "running": (["running", "marathon", "5k", "runnerslife", "tempo", "parkrun"],
                ["tempo run", "long run", "5k", "interval set", "recovery jog"], ["Morning", "Easy", "New PB on the"]),
    "travel": (["travel", "wanderlust", "citybreak", "backpacking", "roadtrip", "passport"],
               ["old town", "night market", "harbour", "train ride", "mountain pass"], ["Back from the", "Lost in the", "Best view from the"]),
    "plants": (["plants", "houseplants", "monstera", "plantcare", "greenthumb", "succulents"],
               ["monstera", "fern", "cutting", "repotting", "new leaf"], ["My", "Rescued a", "Look at this"]),
    "music": (["music", "guitar", "livemusic", "vinyl", "setlist", "newrelease"],
              ["gig", "vinyl find", "jam session", "new track", "cover"], ["Tonight's", "Recorded a", "Loving this"]),
    "coffee": (["coffee", "latteart", "espresso", "coffeetime", "baristalife", "pourover"],
               ["flat white", "pour over", "espresso", "cold brew", "latte art"], ["Morning", "Perfect", "Trying a new"]),
    "photo": (["photography", "streetphoto", "filmphoto", "goldenhour", "35mm", "shotoniphone"],
              ["street shot", "film roll", "golden hour", "portrait", "long exposure"], ["Another", "Developed a", "Caught this"]),
    "fitness": (["fitness", "gym", "legday", "strength", "homeworkout", "mobility"],
                ["leg day", "deadlift", "mobility flow", "circuit", "rest day"], ["Crushed", "Today's", "Slow"]),
    "books": (["books", "bookclub", "reading", "tbr", "booktok", "fantasybooks"],
              ["novel", "book club pick", "reread", "audiobook", "sequel"], ["Finished a", "Started a", "Cozy with a"]),
    "cats": (["cats", "catsofday", "kitten", "meow", "adoptdontshop", "catlife"],
             ["kitten", "nap", "window seat", "zoomies", "box fort"], ["Tiny", "Sunday", "Chaos"]),
    "cycling": (["cycling", "bikelife", "gravel", "roadbike", "commute", "bikepacking"],
                ["gravel loop", "climb", "commute", "group ride", "tune-up"], ["Epic", "Windy", "Early"]),
    "cooking": (["cooking", "homecooking", "recipe", "foodie", "mealprep", "streetfood"],
                ["ramen", "curry", "tacos", "dumplings", "stir fry"], ["Homemade", "Quick", "Sunday"]),
    "fashion": (["fashion", "ootd", "thrifted", "streetstyle", "vintage", "sneakers"],
                ["thrift haul", "outfit", "sneaker drop", "jacket", "vintage find"], ["Today's", "New", "Found a"]),
    "science": (["science", "astronomy", "stargazing", "physics", "nature", "biology"],
                ["nebula", "eclipse", "lab day", "field trip", "telescope"], ["Saw the", "Cool", "Notes from the"]),
    "anime": (["anime", "manga", "cosplay", "fanart", "otaku", "animeart"],
              ["cosplay", "fan art", "manga haul", "convention", "season finale"], ["Made a", "Loved the", "At the"]),
    "crafts": (["crafts", "knitting", "crochet", "handmade", "sewing", "diy"],
               ["scarf", "amigurumi", "quilt", "tote bag", "sweater"], ["Knitted a", "Finished the", "Half-way through a"]),
}
# Interests that teenagers lean toward in a generated world (plus an invented fandom, see below).
TEEN_INTERESTS = ("gaming", "football", "anime", "music", "fashion")

GENERIC_EMOJI = ["✨", "🔥", "🌞", "💯", "🙌", "🌊", "🎉", "❤️", "😎", "🙏", "🌿", "☕", "📷", "🎶"]
# Emoji a world may draw its code emoji from (pairs are unique per world).
CODE_EMOJI = ["🦩", "🧊", "🪼", "🫐", "🎈", "🍒", "🌽", "🦋", "🍭", "🐚", "🪐", "🧸", "🍬", "🪀", "🦄", "🫧",
              "🍑", "🐇", "🌸", "🥥", "🍓", "🧁", "🐾", "🪻"]


def pseudo_words(rng: np.random.Generator, n: int, taken: set[str] | None = None,
                 min_len: int = 5, max_len: int = 9) -> list[str]:
    """n distinct invented words, none in `taken` nor in the sample world."""
    taken = set(taken or ()) | SAMPLE_WORDS
    out: list[str] = []
    benign = {t for tags, _, _ in INTERESTS.values() for t in tags}
    while len(out) < n:
        k = int(rng.integers(2, 4))
        w = "".join(ONSETS[rng.integers(len(ONSETS))] + VOWELS[rng.integers(len(VOWELS))] for _ in range(k - 1))
        w += ONSETS[rng.integers(len(ONSETS))] + VOWELS[rng.integers(len(VOWELS))] + CODAS[rng.integers(len(CODAS))]
        if min_len <= len(w) <= max_len and w not in taken and w not in benign and w not in out:
            out.append(w)
    return out


def zipf_choice(rng: np.random.Generator, n_items: int, size: int, a: float) -> np.ndarray:
    """Indices in [0, n_items) with a Zipf-like skew: a few very common values, a long tail."""
    w = 1.0 / np.arange(1, n_items + 1) ** a
    perm = rng.permutation(n_items)
    return perm[rng.choice(n_items, size=size, p=w / w.sum())]
