"""Hypothesis strategies that spec files share."""

from hypothesis import strategies as st

SMALL_INTEGERS = st.integers(-8, 8).map(float)
"""Small integers as floats: their sums and products in the specs stay far below 2**53, so in
float64 every gradient is exact and compares with equality."""
