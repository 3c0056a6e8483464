"""Chooses the generator from settings: Claude when a key is set, otherwise the offline extractive one."""

from libs.models.extractive import ExtractiveGenerator
from libs.models.generation import Generator
from services.generate.settings import GenerateSettings


def build_generator(settings: GenerateSettings) -> Generator:
    if settings.anthropic_api_key is None:
        return ExtractiveGenerator(settings.extractive_max_sentences, settings.extractive_min_overlap)
    from anthropic import AsyncAnthropic

    from libs.models.anthropic_generator import AnthropicGenerator

    client = AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.anthropic_timeout_s,
        max_retries=settings.anthropic_max_retries,
    )
    return AnthropicGenerator(client, settings.anthropic_model)
