"""The pages, one module each; every module's `register` takes what its pages use."""

__all__: list[str] = []
