# pytester's in-process runs drop the modules first imported during them; torch's C extension
# cannot be imported twice in one process, so the outer process imports it before any run.
import torch  # noqa: F401

pytest_plugins = ["pytester"]
