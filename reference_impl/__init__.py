"""A readable NumPy autograd engine with PyTorch semantics: the bundled reference backend."""
