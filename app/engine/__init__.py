"""The NumPy network engine. Imports NumPy and the standard library only, never the web layer."""
