"""The `media` stage: PDQ and MD5 hashes of the export's images, matched against hash banks."""

from vigil.lazy import lazy_exports

__all__ = ["BankError", "HashBank", "load_banks", "run_media"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "BankError": "vigil.media.banks",
    "HashBank": "vigil.media.banks",
    "load_banks": "vigil.media.banks",
    "run_media": "vigil.media.stage",
})
