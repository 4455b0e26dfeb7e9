"""The platform registry: names, aliases, profile-URL forms and handle rules of real platforms."""

from vigil.platforms.registry import (PlatformEntry, Registry, RegistryError, active_registry, default_registry,
                                      load_registry, parse_registry, use_registry)

__all__ = ["PlatformEntry", "Registry", "RegistryError", "active_registry", "default_registry", "load_registry",
           "parse_registry", "use_registry"]
