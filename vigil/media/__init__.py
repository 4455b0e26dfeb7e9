"""The `media` stage: PDQ and MD5 hashes of the export's images, matched against hash banks."""

from vigil.media.banks import BankError, HashBank, load_banks
from vigil.media.stage import run_media

__all__ = ["BankError", "HashBank", "load_banks", "run_media"]
