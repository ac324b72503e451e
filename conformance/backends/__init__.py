"""Built-in backends. The bundled NumPy engine lives in `reference_impl`."""
