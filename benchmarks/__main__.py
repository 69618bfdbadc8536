"""`make bench`: the figures the issues ask for, each against a baseline measured in the same run.

python -m benchmarks [section ...]      sections: cold_start, requests, messaging, archiving, carts, loyalty,
campaigns (default: all)
"""

from __future__ import annotations

import sys

from benchmarks import archiving, campaigns, carts, cold_start, loyalty, messaging, requests_and_cpu

SECTIONS = {
    "archiving": archiving.run,
    "cold_start": cold_start.run,
    "requests": requests_and_cpu.run,
    "messaging": messaging.run,
    "carts": carts.run,
    "loyalty": loyalty.run,
    "campaigns": campaigns.run,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    failures = 0
    for name in chosen:
        if name not in SECTIONS:
            print(f"unknown section {name}; choose from {', '.join(SECTIONS)}")
            return 2
        failures += SECTIONS[name]()
    print(f"\n{'all targets met' if not failures else f'{failures} target(s) missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
