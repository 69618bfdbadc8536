"""The private media bucket: presigned uploads and downloads, never public objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from clienteling.kernel.providers import PresignedUpload, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


class MediaStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def presign_upload(self, key: str, *, content_type: str, size: int, expires_in: int) -> PresignedUpload:
        """A PUT URL bound to the content type and exact length, so S3 refuses any other file."""
        url = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type, "ContentLength": size},
            ExpiresIn=expires_in,
        )
        return PresignedUpload(url=url, headers={"Content-Type": content_type, "Content-Length": str(size)})

    def presign_download(self, key: str, *, expires_in: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )

    def head(self, key: str) -> StoredObject | None:
        try:
            response = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(content_type=response.get("ContentType", ""), size=int(response["ContentLength"]))

    def put(self, key: str, body: bytes, *, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
