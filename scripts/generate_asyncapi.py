"""Writes the AsyncAPI description of every service's topics to docs/asyncapi/ (`make asyncapi`).

A script, not a lib: it is the one place allowed to import every service's app factory.
"""

import argparse
import importlib
from pathlib import Path

SERVICES = ("ingest", "retrieve", "generate", "guardrail", "evaluate")
OUT = Path("docs/asyncapi")


def render(service: str) -> str:
    create_app = importlib.import_module(f"services.{service}.main").create_app
    return create_app().schema.to_specification().to_yaml()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="Folder for <service>.yaml files.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (args.out / f"{service}.yaml").write_text(render(service), encoding="utf-8")
        print(f"wrote {args.out / service}.yaml")


if __name__ == "__main__":
    main()
