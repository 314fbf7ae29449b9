"""NHS reference data that every feature may use: pure constants and lookups, no storage."""
