"""PyTorch's error messages that several spec files check, by their stable leading fragment."""

MODIFIED_BY_INPLACE = "one of the variables needed for gradient computation has been modified by an inplace operation"
"""Backward found a saved tensor whose version changed since it was saved (VER-2, DET-5, NG-3)."""
