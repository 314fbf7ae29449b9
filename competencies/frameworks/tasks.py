"""Frameworks jobs: the kinds of background work this feature registers (passport.background.registry)."""
