"""Prompt templates, one versioned file per variant (`prompts/<id>.yaml`, loaded by `prompt_files`), and the
prompt one request sends.

Every template numbers the sources `[n] (source)` the same way, so citations [n] map back to chunks.
"""

from dataclasses import dataclass

from libs.contracts.questions import RetrievedChunk

NOT_FOUND = "NOT_FOUND"
DEFAULT_VARIANT = "default"


@dataclass(frozen=True)
class PromptTemplate:
    id: str  # the variant it serves (AskQuestion.variant)
    version: int  # bumped with every change of the text; answers record it
    system: str
    layout: str  # with {sources} and {question}

    @property
    def label(self) -> str:
        return f"{self.id}@v{self.version}"


@dataclass(frozen=True)
class Prompt:
    """What one model call sends; `chunks[n-1]` is source [n]."""

    template: PromptTemplate
    system: str
    user: str
    chunks: list[RetrievedChunk]


@dataclass(frozen=True)
class PromptRegistry:
    """The templates by id; one with the default id is always there (the loader checks)."""

    templates: dict[str, PromptTemplate]

    def template_for(self, variant: str) -> PromptTemplate:
        """The variant's template; an unknown variant gets the default one (GenerationInfo says which was used)."""
        return self.templates.get(variant, self.templates[DEFAULT_VARIANT])

    def __contains__(self, variant: str) -> bool:
        return variant in self.templates


def template_for(variant: str) -> PromptTemplate:
    """From the prompt files shipped with the code (for callers without settings: the judge, tests)."""
    from libs.models.prompt_files import bundled_prompts

    return bundled_prompts().template_for(variant)


def source_entry(number: int, chunk: RetrievedChunk) -> str:
    return f"[{number}] ({chunk.source})\n{chunk.text}"


def sources_block(chunks: list[RetrievedChunk]) -> str:
    return "\n\n".join(source_entry(n, chunk) for n, chunk in enumerate(chunks, start=1))


def render(template: PromptTemplate, question: str, chunks: list[RetrievedChunk]) -> Prompt:
    user = template.layout.format(sources=sources_block(chunks), question=question)
    return Prompt(template=template, system=template.system, user=user, chunks=list(chunks))
