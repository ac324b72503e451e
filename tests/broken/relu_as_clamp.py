"""relu is implemented as clamp(min=0), so its derivative at 0 is clamp's 1 instead of relu's 0."""

from tests.broken import derive

backend = derive("relu-as-clamp", breaks={"CHAIN-5"}, relu=lambda t: t.clamp(min=0))
