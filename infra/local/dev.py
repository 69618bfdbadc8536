"""`make dev`: the whole product on one machine, with demo data, until Ctrl-C or SIGTERM.

Starts DynamoDB Local and moto server, creates what template.yaml declares, seeds a demo retailer, prints
bearer tokens and curl examples, and serves the API through the template-driven gateway on PORT (3000).
"""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from clienteling.messaging.domain.conversations import conversation_id

from infra.local import config, stack, tokens
from infra.local.seed import ASSOCIATES, Demo, seed

ROOT = Path(__file__).resolve().parents[2]
DEV_DIR = ROOT / ".dev"


def _env_file(demo: Demo, running: stack.RunningStack) -> str:
    lines = [
        f"export API={running.api_url}",
        f"export TWILIO_SIM={running.twilio.base_url}",
        f"export ADYEN_SIM={running.adyen.base_url}",
    ]
    for key, (associate_id, role, store_ids) in demo.associates.items():
        token = tokens.mint(associate_id, [role.value], store_ids, email=ASSOCIATES[key][1])
        lines.append(f"export {key.upper()}={token}")
    lines += [f"export {key.upper()}_ID={associate_id}" for key, (associate_id, _, _) in demo.associates.items()]
    lines += [f"export {key.upper()}_STORE={store_id}" for key, store_id in demo.stores.items()]
    lines += [f"export {key.upper()}={customer_id}" for key, customer_id in demo.customers.items()]
    # The conversations the README walks through (one per store and customer, so their ids are known).
    lines += [
        f"export ZOE_CONVERSATION={conversation_id(demo.stores['paris'], demo.customers['zoe'])}",
        f"export MIA_CONVERSATION={conversation_id(demo.stores['nyc'], demo.customers['mia'])}",
    ]
    lines += [f"export {key}={value}" for key, value in demo.loyalty.items()]
    return "\n".join(lines) + "\n"


def _banner(demo: Demo, base_url: str, env_path: Path) -> str:
    people = "\n".join(
        f"  ${key.upper():<16} {name} ({role.value}, {', '.join(stores)})"
        for key, (name, _email, role, stores) in ASSOCIATES.items()
    )
    source = shlex.quote(str(env_path))
    return f"""
Clienteling is running on {base_url}   (Ctrl-C or SIGTERM stops everything it started)

Demo bearer tokens (12 h) and ids are in {env_path}; in another terminal:
  source {source}
{people}
  $PARIS_STORE $NYC_STORE   store ids;   $ZOE $MIA ...   customer ids
  $REWARD_DISCOUNT $REWARD_GIFT ... $CANDLE_CARD   loyalty programs;   $GIFT_CARD $GIFT_CARD_PIN   a gift card

Try:
  curl -s $API/health
  curl -s -H "Authorization: Bearer $PARIS_ASSOCIATE" "$API/v1/customers?q=zoe"
  curl -s -H "Authorization: Bearer $PARIS_ASSOCIATE" "$API/v1/customers?phone=06%2012%2034%2056%2078"
  curl -s -H "Authorization: Bearer $NYC_ASSOCIATE" "$API/v1/stores/$PARIS_STORE"     # 403: not your store
More in README.md.
"""


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    settings = config.LocalSettings.from_environment()
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("dev").info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stack.die_with_parent()  # make may be killed instead of us: go down with it
    with stack.running(settings, log_dir=DEV_DIR / "logs", port=settings.port) as running:
        demo = seed()
        DEV_DIR.mkdir(exist_ok=True)
        env_path = DEV_DIR / "env"
        env_path.write_text(_env_file(demo, running), encoding="utf-8")
        print(_banner(demo, running.api_url, env_path), flush=True)
        stop.wait()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
