"""A tiny HTTP client for end-to-end tests through the local gateway."""

from __future__ import annotations

from typing import Any

import requests


class ApiClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.session.request(
            method, self.base_url + path, json=json, data=data, headers=all_headers, params=params, timeout=30
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any = None, *, etag: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if etag is not None:
            headers["If-Match"] = etag
        return self.request("PATCH", path, json=body, headers=headers, **kwargs)
