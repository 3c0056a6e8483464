"""Log lines never carry an e-mail address or an Anthropic key, nor library debug logs of request bodies."""

import subprocess
import sys
from pathlib import Path

from libs.platform.logging import MASK, mask_secrets

ROOT = Path(__file__).resolve().parents[2]


def test_addresses_and_keys_are_masked_in_every_value_nested_ones_and_exception_text_too():
    event = {"event": "asked by jo.bloggs+x@mail.example.co.uk", "error": "AuthenticationError('sk-ant-api03-AbC_12-x')",
             "context": {"who": ["a@b.io", 3]}, "count": 2, "exception": "Traceback ... ValueError: mail me at x@y.org"}
    masked = mask_secrets(None, None, event)
    assert masked == {"event": f"asked by {MASK}", "error": f"AuthenticationError('{MASK}')",
                      "context": {"who": [MASK, 3]}, "count": 2, "exception": f"Traceback ... ValueError: mail me at {MASK}"}


def test_text_without_secrets_is_left_alone():
    event = {"event": "answer completed", "status": "ok", "topic": "rag.question-asked.v1", "version": "v1.2@latest"}
    assert mask_secrets(None, None, event) == event


def test_the_anthropic_sdk_logs_nothing_below_warning_even_at_debug_level():
    """It logs every prompt at debug level ("Request options: ..."). In a fresh process: logging is global."""
    script = ("import logging; from libs.platform.logging import configure_logging; configure_logging('unit', 'DEBUG'); "
              "print(logging.getLogger('anthropic._base_client').isEnabledFor(logging.DEBUG), "
              "logging.getLogger('services.generate').isEnabledFor(logging.DEBUG))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
