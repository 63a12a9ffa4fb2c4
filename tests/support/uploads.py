import io


def upload(client, url: str, headers: dict, data: bytes, filename: str, **fields):
    """POST a file as multipart/form-data in field `file`, with extra form fields."""
    form = {"file": (io.BytesIO(data), filename), **fields}
    return client.post(url, headers=headers, data=form, content_type="multipart/form-data")
