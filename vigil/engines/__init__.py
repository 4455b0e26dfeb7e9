"""Engines that run stages somewhere other than this process (the embedded path is vigil's own)."""
