"""One relay process for `make bench`: `raw` (plain aiokafka) or `ragbus` (a ragbus stage doing no work)."""

import argparse
import asyncio

from libs.bench.relay import raw_relay, run_ragbus_relay
from libs.platform.logging import configure_logging
from libs.platform.settings import KafkaSettings
from libs.platform.telemetry import configure_tracing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["raw", "ragbus"])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args()
    settings = KafkaSettings(bootstrap_servers=args.bootstrap)
    relay = raw_relay if args.mode == "raw" else run_ragbus_relay
    if args.mode == "ragbus":
        configure_logging(args.group, "WARNING")
        configure_tracing(args.group, None, None)
    asyncio.run(relay(args.source, args.target, settings, args.group))


if __name__ == "__main__":
    main()
