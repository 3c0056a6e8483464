import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  (after the path set-up above)

from libs.testing.fake_anthropic import FakeAnthropic  # noqa: E402


@pytest.fixture(scope="module")
def fake():
    """The project's fake Messages API on loopback, one per test module."""
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def no_faults(fake):
    """Opt in with `pytestmark = pytest.mark.usefixtures("no_faults")`: faults set by one test end with it."""
    fake.clear_faults()
    yield
    fake.clear_faults()
