"""Bearer tokens for the local gateway: HS256, issuer clienteling-local, audience clienteling.

.venv/bin/python -m infra.local.tokens --sub <associateId> --groups manager --stores <storeId>,<storeId>
"""

from __future__ import annotations

import argparse
import os
import time

import jwt

from infra.local import config


def mint(
    sub: str,
    groups: list[str],
    stores: list[str],
    *,
    secret: str | None = None,
    ttl_seconds: int = 12 * 3600,
    email: str | None = None,
) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": config.JWT_ISSUER,
        "aud": config.JWT_AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
        "token_use": "id",
        "cognito:groups": groups,
        "custom:stores": ",".join(stores),
    }
    if email:
        claims["email"] = email
    key = secret or os.environ.get("CLIENTELING_LOCAL_JWT_SECRET") or config.DEFAULTS["CLIENTELING_LOCAL_JWT_SECRET"]
    return jwt.encode(claims, key, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sub", required=True, help="associate id")
    parser.add_argument("--groups", default="associate", help="comma-separated: associate, manager, admin")
    parser.add_argument("--stores", default="", help="comma-separated store ids")
    parser.add_argument("--hours", type=int, default=12)
    args = parser.parse_args()
    token = mint(
        args.sub,
        [g for g in args.groups.split(",") if g],
        [s for s in args.stores.split(",") if s],
        ttl_seconds=args.hours * 3600,
    )
    print(token)


if __name__ == "__main__":
    main()
